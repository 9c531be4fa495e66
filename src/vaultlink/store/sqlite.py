"""The embedded backend: one SQLite file in WAL mode, so readers in other processes never block the writer.

One connection per store, in autocommit mode: a read outside a transaction is its own statement and sees what
is committed. `transaction()` takes the write lock up front (BEGIN IMMEDIATE), so a version check and the
write that follows it cannot be split by another writer, and waiting writers queue on busy_timeout instead of
failing. A re-entrant lock makes the connection safe to share with a background thread: while one thread is
inside a transaction, every other thread's call waits for it to end.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vaultlink.core.clock import clock
from vaultlink.store import encoding
from vaultlink.store.base import ANY_VERSION, Change, Record, Transaction
from vaultlink.store.connected import Connected
from vaultlink.store.encoding import (
    check_expect,
    check_limit,
    conflict,
    decode_body,
    encode_body,
    key_range,
)
from vaultlink.store.migrations import SCHEMA_TABLE, pending

URL_PREFIX = "sqlite:///"
BUSY_TIMEOUT_MS = 5_000


def list_statement(
    kind: str, prefix: str, *, limit: int | None = None, after: str | None = None, containing: str | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The SELECT behind `list` with this backend's placeholders. Public so tests can EXPLAIN it."""
    return encoding.list_statement(
        kind, prefix, limit=limit, after=after, containing=containing, mark="?", position="instr"
    )


class _SqliteRecords:
    """The record operations on one connection; writes are only reached through `SqliteStore.transaction`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.ended = False

    def get(self, kind: str, key: str) -> Record | None:
        row = self._execute(
            "SELECT version, body FROM records WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return None if row is None else Record(kind, key, int(row[0]), decode_body(row[1]))

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]:
        check_limit(limit)
        sql, params = list_statement(kind, prefix, limit=limit, after=after, containing=containing)
        return [
            Record(kind, key, int(version), decode_body(body))
            for key, version, body in self._execute(sql, params)
        ]

    def put(self, kind: str, key: str, body: dict[str, Any], *, expect: int = ANY_VERSION) -> Record:
        check_expect(expect)
        text = encode_body(body)
        found = self._version(kind, key)
        if expect != ANY_VERSION and expect != (found or 0):
            raise conflict(kind, key, expect, found)
        version = (found or 0) + 1
        if found is None:
            self._execute(
                "INSERT INTO records (kind, key, version, body, updated_at) VALUES (?, ?, ?, ?, ?)",
                (kind, key, version, text, clock.isonow()),
            )
        else:
            self._execute(
                "UPDATE records SET version = ?, body = ?, updated_at = ? WHERE kind = ? AND key = ?",
                (version, text, clock.isonow(), kind, key),
            )
        return Record(kind, key, version, decode_body(text))

    def delete(self, kind: str, key: str, *, expect: int = ANY_VERSION) -> bool:
        check_expect(expect)
        found = self._version(kind, key)
        if expect != ANY_VERSION and expect != (found or 0):
            raise conflict(kind, key, expect, found)
        if found is None:
            return False
        self._execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))
        return True

    def delete_prefix(self, kind: str, prefix: str) -> int:
        bounds = key_range(prefix, None)
        if bounds.high is None:
            cursor = self._execute("DELETE FROM records WHERE kind = ? AND key >= ?", (kind, bounds.low))
        else:
            cursor = self._execute(
                "DELETE FROM records WHERE kind = ? AND key >= ? AND key < ?", (kind, bounds.low, bounds.high)
            )
        return cursor.rowcount

    def _version(self, kind: str, key: str) -> int | None:
        row = self._execute("SELECT version FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else int(row[0])

    def _execute(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        if self.ended:
            raise RuntimeError("this transaction has ended; open a new one with store.transaction()")
        return self._conn.execute(sql, params)


class SqliteStore(Connected):
    """`sqlite:///relative/path.db` or `sqlite:////absolute/path.db`; parent directories are created."""

    def __init__(self, url: str) -> None:
        if not url.startswith(URL_PREFIX) or len(url) == len(URL_PREFIX):
            raise ValueError(f"not a sqlite store url: '{url}' (use sqlite:///PATH)")
        self.url = url
        self.path = Path(url[len(URL_PREFIX) :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # isolation_level=None: the module opens no transactions of its own; this class issues BEGIN.
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            _open(conn)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        self._reader = _SqliteRecords(conn)
        self._current: _SqliteRecords | None = None
        self._savepoints = 0

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            conn = self._connection()
            if self._current is not None:
                # Nested: join the outer transaction. The savepoint undoes only this block if it raises,
                # so an exception the outer block catches cannot leave this block half-written.
                yield from self._savepoint(conn, self._current)
                return
            conn.execute("BEGIN IMMEDIATE")
            records = _SqliteRecords(conn)
            self._current = records
            try:
                yield records
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
                    conn.execute("ROLLBACK")
                raise
            finally:
                records.ended = True
                self._current = None

    def watch(self, listener: Callable[[Sequence[Change]], None]) -> None:
        """One process serves a SQLite store, so no other process's commits are there to hear of."""

    def _savepoint(self, conn: sqlite3.Connection, records: _SqliteRecords) -> Iterator[Transaction]:
        name = f"vaultlink_{self._savepoints}"
        self._savepoints += 1
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield records
            conn.execute(f"RELEASE {name}")
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._savepoints -= 1

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"store {self.url} is closed")
        return self._conn


SYNCHRONOUS_VARIABLE = "VAULTLINK_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_LEVELS = ("FULL", "NORMAL", "EXTRA")


def synchronous() -> str:
    """SQLite's synchronous level: FULL, unless VAULTLINK_SQLITE_SYNCHRONOUS names another durable-enough one."""
    level = os.environ.get(SYNCHRONOUS_VARIABLE, "FULL").strip().upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise ValueError(f"{SYNCHRONOUS_VARIABLE} must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not '{level}'")
    return level


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise RuntimeError(f"SQLite refused WAL mode (got '{mode}'); is the file on a network filesystem?")
    # FULL syncs the WAL at every commit, so a write acknowledged to a client survives a power failure (NORMAL
    # keeps the database consistent but may lose the last commits). The variable is for measuring that trade.
    conn.execute(f"PRAGMA synchronous = {synchronous()}")


def _open(conn: sqlite3.Connection, patience: float = 30.0) -> None:
    """Configures and migrates. Switching a blank file to WAL can meet SQLITE_BUSY without the busy handler
    being consulted when several processes open it at once, so that is retried for a while."""
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            _configure(conn)
            _migrate(conn)
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations; BEGIN IMMEDIATE makes concurrent openers take turns."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(SCHEMA_TABLE["sqlite"])
        current = int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM vaultlink_schema").fetchone()[0])
        for step in pending(current):
            for statement in step.sqlite:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO vaultlink_schema (version, name, applied_at) VALUES (?, ?, ?)",
                (step.version, step.name, clock.isonow()),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise

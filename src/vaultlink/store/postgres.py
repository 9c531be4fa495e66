"""The shared backend: several vaultlink processes on one PostgreSQL database see one state.

Nothing is cached: a read outside a transaction is its own autocommit statement, so it sees every write any
process has committed. Each versioned write is a single conditional statement (INSERT ... ON CONFLICT, or
UPDATE/DELETE ... WHERE version = N), so under READ COMMITTED a concurrent writer either lands first and turns
ours into a StoreConflict, or waits for ours; no read-then-write window exists. One connection per store,
guarded by a re-entrant lock as in the SQLite backend.

Each transaction that wrote announces what it wrote on the NOTIFY channel CHANNEL, in the same transaction, so
PostgreSQL delivers it exactly when (and only if) the writes commit. `watch` listens on a connection of its own,
in a thread, and hands other processes' announcements to its listeners; the caches built from the records
(the topology snapshot and what hangs off it) drop what changed without polling every record.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from vaultlink.core.clock import clock
from vaultlink.store import encoding
from vaultlink.store.base import ANY_VERSION, EVERYTHING, Change, Record, Transaction
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

log = logging.getLogger("vaultlink.store")

CHANNEL = "vaultlink_changes"
"""The NOTIFY channel every committed write is announced on (channels are scoped to one database)."""

PAYLOAD_LIMIT = 7900
"""PostgreSQL refuses payloads of 8000 bytes or more; past this, only the kinds written are named."""

MIGRATION_LOCK = int.from_bytes(b"vltlnkdb", "big")
"""The advisory lock id held while migrating (advisory locks are scoped to one database)."""

_CONNECT_DEFAULTS = {"connect_timeout": "10", "application_name": "vaultlink"}

Connection = psycopg.Connection[tuple[Any, ...]]


def list_statement(
    kind: str, prefix: str, *, limit: int | None = None, after: str | None = None, containing: str | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The SELECT behind `list` with this backend's placeholders. Public so tests can EXPLAIN it."""
    return encoding.list_statement(
        kind, prefix, limit=limit, after=after, containing=containing, mark="%s", position="strpos"
    )


class _PostgresRecords:
    """The record operations on one connection; writes are only reached through `PostgresStore.transaction`."""

    def __init__(self, conn: Connection, written: set[Change] | None = None) -> None:
        self._conn = conn
        self.ended = False
        self.written: set[Change] = set() if written is None else written
        """What this transaction wrote (shared with the transactions nested in it), announced at commit."""

    def get(self, kind: str, key: str) -> Record | None:
        row = self._execute(
            "SELECT version, body FROM records WHERE kind = %s AND key = %s", (kind, key)
        ).fetchone()
        return None if row is None else Record(kind, key, int(row[0]), decode_body(row[1]))

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]:
        check_limit(limit)
        sql, params = list_statement(kind, prefix, limit=limit, after=after, containing=containing)
        rows = self._execute(sql, params).fetchall()
        return [Record(kind, key, int(version), decode_body(body)) for key, version, body in rows]

    def put(self, kind: str, key: str, body: dict[str, Any], *, expect: int = ANY_VERSION) -> Record:
        check_expect(expect)
        text = encode_body(body)
        now = clock.utcnow()
        if expect == ANY_VERSION:
            sql = (
                "INSERT INTO records (kind, key, version, body, updated_at) VALUES (%s, %s, 1, %s, %s)"
                " ON CONFLICT (kind, key) DO UPDATE SET version = records.version + 1,"
                " body = EXCLUDED.body, updated_at = EXCLUDED.updated_at RETURNING version"
            )
            params: tuple[Any, ...] = (kind, key, text, now)
        elif expect == 0:
            sql = (
                "INSERT INTO records (kind, key, version, body, updated_at) VALUES (%s, %s, 1, %s, %s)"
                " ON CONFLICT (kind, key) DO NOTHING RETURNING version"
            )
            params = (kind, key, text, now)
        else:
            sql = (
                "UPDATE records SET version = version + 1, body = %s, updated_at = %s"
                " WHERE kind = %s AND key = %s AND version = %s RETURNING version"
            )
            params = (text, now, kind, key, expect)
        row = self._execute(sql, params).fetchone()
        if row is None:
            raise conflict(kind, key, expect, self._version(kind, key))
        self.written.add((kind, key))
        return Record(kind, key, int(row[0]), decode_body(text))

    def delete(self, kind: str, key: str, *, expect: int = ANY_VERSION) -> bool:
        check_expect(expect)
        if expect == 0:
            # "Delete what I believe is absent": nothing to remove, but a record there is a conflict.
            found = self._version(kind, key)
            if found is not None:
                raise conflict(kind, key, expect, found)
            return False
        self.written.add((kind, key))
        if expect == ANY_VERSION:
            cursor = self._execute("DELETE FROM records WHERE kind = %s AND key = %s", (kind, key))
            return cursor.rowcount > 0
        cursor = self._execute(
            "DELETE FROM records WHERE kind = %s AND key = %s AND version = %s", (kind, key, expect)
        )
        if cursor.rowcount == 0:
            raise conflict(kind, key, expect, self._version(kind, key))
        return True

    def delete_prefix(self, kind: str, prefix: str) -> int:
        bounds = key_range(prefix, None)
        self.written.add((kind, None))
        if bounds.high is None:
            cursor = self._execute("DELETE FROM records WHERE kind = %s AND key >= %s", (kind, bounds.low))
        else:
            cursor = self._execute(
                "DELETE FROM records WHERE kind = %s AND key >= %s AND key < %s",
                (kind, bounds.low, bounds.high),
            )
        return cursor.rowcount

    def _version(self, kind: str, key: str) -> int | None:
        row = self._execute(
            "SELECT version FROM records WHERE kind = %s AND key = %s", (kind, key)
        ).fetchone()
        return None if row is None else int(row[0])

    def _execute(self, sql: str, params: tuple[Any, ...]) -> psycopg.Cursor[tuple[Any, ...]]:
        if self.ended:
            raise RuntimeError("this transaction has ended; open a new one with store.transaction()")
        return self._conn.execute(sql, params)


class PostgresStore(Connected):
    """`postgresql://user@host:port/dbname` (any libpq URL); the database must exist, the tables need not."""

    def __init__(self, url: str) -> None:
        self.url = url
        given = conninfo_to_dict(url)
        defaults = {name: value for name, value in _CONNECT_DEFAULTS.items() if name not in given}
        self._lock = threading.RLock()
        # autocommit: reads are single statements that see the latest commits; transaction() issues BEGIN.
        conn: Connection = psycopg.connect(make_conninfo(url, **defaults), autocommit=True)
        try:
            _migrate(conn)
        except BaseException:
            conn.close()
            raise
        self._conn: Connection | None = conn
        self._reader = _PostgresRecords(conn)
        self._conninfo = make_conninfo(url, **defaults)
        self._pid = conn.info.backend_pid
        self._written: set[Change] | None = None
        self._listeners: list[Callable[[Sequence[Change]], None]] = []
        self._listening: threading.Thread | None = None
        self._heard = threading.Event()
        self._stopping = threading.Event()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            conn = self._connection()
            outermost = conn.info.transaction_status == pq.TransactionStatus.IDLE
            if outermost:
                self._written = set()
            records = _PostgresRecords(conn, self._written)
            try:
                # psycopg issues BEGIN, or a SAVEPOINT when nested: an inner block joins the outer
                # transaction and, if it raises, undoes only its own writes.
                with conn.transaction():
                    yield records
                    if outermost and records.written:
                        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, announcement(records.written)))
            finally:
                records.ended = True
                if outermost:
                    self._written = None

    def watch(self, listener: Callable[[Sequence[Change]], None]) -> None:
        """Starts listening (once) and returns when the channel is heard, so no later commit is missed."""
        with self._lock:
            self._connection()
            self._listeners.append(listener)
            if self._listening is None:
                self._listening = threading.Thread(target=self._listen, name="vaultlink-store-changes", daemon=True)
                self._listening.start()
        if not self._heard.wait(10):
            log.warning("store: not yet listening for other processes' writes; their changes are seen late")

    def _listen(self) -> None:
        """LISTEN on a connection of its own; after the connection is lost, listens again and tells the listeners
        that anything may have changed (announcements made meanwhile are gone)."""
        delay, missed = 0.1, False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._heard.set()
                    delay = 0.1
                    if missed:
                        self._tell([(EVERYTHING, None)])
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            if notice.pid != self._pid:
                                self._tell(heard(notice.payload))
            except psycopg.Error as e:
                if self._stopping.is_set():
                    return
                log.warning("store: lost the channel of other processes' writes (%s); listening again", e)
            missed = True
            self._stopping.wait(delay)
            delay = min(delay * 2, 5.0)

    def _tell(self, changes: Sequence[Change]) -> None:
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:
                log.exception("store: a listener of other processes' writes failed")

    def close(self) -> None:
        self._stopping.set()
        if self._listening is not None:
            self._listening.join(timeout=5)
        super().close()

    def _connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("this PostgreSQL store is closed")  # the url may hold a password
        return self._conn


def announcement(written: set[Change]) -> str:
    """The NOTIFY payload naming what a transaction wrote: each record, or only each kind when that is too long."""
    pairs = sorted(written, key=lambda c: (c[0], c[1] or ""))
    text = json.dumps(pairs, separators=(",", ":"))
    if len(text.encode()) <= PAYLOAD_LIMIT:
        return text
    text = json.dumps(sorted([kind, None] for kind in {kind for kind, _ in pairs}), separators=(",", ":"))
    return text if len(text.encode()) <= PAYLOAD_LIMIT else json.dumps([[EVERYTHING, None]])


def heard(payload: str) -> list[Change]:
    """An announcement read back; one this version cannot read means anything may have changed."""
    try:
        value = json.loads(payload)
        return [(str(kind), None if key is None else str(key)) for kind, key in value]
    except (ValueError, TypeError):
        return [(EVERYTHING, None)]


def _migrate(conn: Connection) -> None:
    """Apply pending migrations under an advisory lock, so concurrent openers take turns."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(SCHEMA_TABLE["postgres"])
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM vaultlink_schema").fetchone()
        for step in pending(int(row[0]) if row else 0):
            for statement in step.postgres:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO vaultlink_schema (version, name, applied_at) VALUES (%s, %s, %s)",
                (step.version, step.name, clock.utcnow()),
            )

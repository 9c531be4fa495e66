"""The shared backend: several vaultlink processes on one PostgreSQL database see one state.

Nothing is cached: a read outside a transaction is its own autocommit statement, so it sees every write any
process has committed. Each versioned write is a single conditional statement (INSERT ... ON CONFLICT, or
UPDATE/DELETE ... WHERE version = N), so under READ COMMITTED a concurrent writer either lands first and turns
ours into a StoreConflict, or waits for ours; no read-then-write window exists. One connection per store,
guarded by a re-entrant lock as in the SQLite backend.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from vaultlink.core.clock import clock
from vaultlink.store import encoding
from vaultlink.store.base import ANY_VERSION, Record, Transaction
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

MIGRATION_LOCK = int.from_bytes(b"vltlnkdb", "big")
"""The advisory lock id held while migrating (advisory locks are scoped to one database)."""

_CONNECT_DEFAULTS = {"connect_timeout": "10", "application_name": "vaultlink"}

Connection = psycopg.Connection[tuple[Any, ...]]


def list_statement(
    kind: str, prefix: str, *, limit: int | None = None, after: str | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The SELECT behind `list` with this backend's placeholders. Public so tests can EXPLAIN it."""
    return encoding.list_statement(kind, prefix, limit=limit, after=after, mark="%s")


class _PostgresRecords:
    """The record operations on one connection; writes are only reached through `PostgresStore.transaction`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.ended = False

    def get(self, kind: str, key: str) -> Record | None:
        row = self._execute(
            "SELECT version, body FROM records WHERE kind = %s AND key = %s", (kind, key)
        ).fetchone()
        return None if row is None else Record(kind, key, int(row[0]), decode_body(row[1]))

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None
    ) -> list[Record]:
        check_limit(limit)
        sql, params = list_statement(kind, prefix, limit=limit, after=after)
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
        return Record(kind, key, int(row[0]), decode_body(text))

    def delete(self, kind: str, key: str, *, expect: int = ANY_VERSION) -> bool:
        check_expect(expect)
        if expect == 0:
            # "Delete what I believe is absent": nothing to remove, but a record there is a conflict.
            found = self._version(kind, key)
            if found is not None:
                raise conflict(kind, key, expect, found)
            return False
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

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            conn = self._connection()
            records = _PostgresRecords(conn)
            try:
                # psycopg issues BEGIN, or a SAVEPOINT when nested: an inner block joins the outer
                # transaction and, if it raises, undoes only its own writes.
                with conn.transaction():
                    yield records
            finally:
                records.ended = True

    def _connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("this PostgreSQL store is closed")  # the url may hold a password
        return self._conn


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

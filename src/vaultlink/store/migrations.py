"""Every schema change, in order, with its SQL for each backend.

To change the schema, append a `Migration` with the next version; never edit one that has shipped. Each
backend applies the pending steps when a store opens, inside one transaction that also records them in
`vaultlink_schema`, so a crash mid-way leaves the old schema whole. Concurrent openers are serialized: SQLite
by BEGIN IMMEDIATE, PostgreSQL by an advisory lock, and the loser then finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Backend = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, backend: Backend) -> tuple[str, ...]:
        return self.sqlite if backend == "sqlite" else self.postgres


class SchemaTooNew(Exception):
    """The database was migrated by a newer vaultlink than this one; upgrade vaultlink to open it."""


SCHEMA_TABLE: dict[Backend, str] = {
    # One row per applied step: the schema version is the highest, and the rows are the history.
    "sqlite": """
        CREATE TABLE IF NOT EXISTS vaultlink_schema (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )""",
    "postgres": """
        CREATE TABLE IF NOT EXISTS vaultlink_schema (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL
        )""",
}

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "records",
        sqlite=(
            # TEXT compares with the BINARY collation: code-point order, as prefix ranges need.
            """
            CREATE TABLE records (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                body TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (kind, key)
            )""",
        ),
        postgres=(
            # "C" so keys sort by code point whatever the database's locale: a linguistic collation would
            # interleave 'a/b', 'ab' and 'A/c' and break prefix ranges. TEXT body keeps the exact JSON
            # (JSONB would reorder keys and refuse \u0000).
            """
            CREATE TABLE records (
                kind TEXT COLLATE "C" NOT NULL,
                key TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL CHECK (version >= 1),
                body TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (kind, key)
            )""",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version


def pending(current: int) -> tuple[Migration, ...]:
    """The steps a database at schema `current` still needs, in order."""
    if current > LATEST:
        raise SchemaTooNew(f"database schema is version {current}; this vaultlink knows up to {LATEST}")
    return tuple(step for step in MIGRATIONS if step.version > current)

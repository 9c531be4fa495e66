"""Throwaway PostgreSQL databases on the machine's server (127.0.0.1:5432, or VAULTLINK_TEST_POSTGRES).

`throwaway_database()` is one for a block; `database_for(data_dir)` is the one a data directory's server keeps
while the test run lasts (its restarts find their state again), dropped when the test process exits.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVER = os.environ.get("VAULTLINK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")
_kept: dict[Path, str] = {}


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(make_conninfo(SERVER, dbname="postgres", connect_timeout=5), autocommit=True)


def create() -> tuple[str, str]:
    """A new empty database: (its name, its URL)."""
    name = f"vaultlink_clients_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, f"{SERVER.rstrip('/')}/{name}"


def drop(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def throwaway_database() -> Iterator[str]:
    name, url = create()
    try:
        yield url
    finally:
        drop(name)


def database_for(data_dir: Path) -> str:
    """The data directory's own database, made the first time its server starts."""
    key = data_dir.resolve()
    if key not in _kept:
        name, url = create()
        _kept[key] = url
        atexit.register(drop, name)
    return _kept[key]

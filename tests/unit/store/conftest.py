"""Every store test runs on both backends: SQLite in tmp_path and a throwaway PostgreSQL database.

The PostgreSQL database is created once per session (named uniquely, dropped at the end) on the server at
VAULTLINK_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/, trust auth). When the ICU collations
are available it is created with a linguistic one (en-US), so the tests prove keys still sort by code point.
Each test starts from a blank schema. If the server is unreachable the postgres tests fail, never skip.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

SRC = Path(__file__).resolve().parents[3] / "src"

from vaultlink.store import Store, open_store

PG_SERVER = os.environ.get("VAULTLINK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")

Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        admin = psycopg.connect(
            make_conninfo(PG_SERVER, dbname="postgres", connect_timeout=5), autocommit=True
        )
    except psycopg.OperationalError as error:
        unreachable = str(error).strip()
    else:
        unreachable = ""
    if unreachable:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_SERVER}: {unreachable}\n"
            "The tests marked 'postgres' need it (CI provides one). Start the server, point "
            "VAULTLINK_TEST_POSTGRES at one, or deselect them with: pytest -m 'not postgres'",
            pytrace=False,
        )
    name = f"vaultlink_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        _create_database(admin, name)
        try:
            yield f"{PG_SERVER.rstrip('/')}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create_database(admin: psycopg.Connection[Any], name: str) -> None:
    options = (
        "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",  # PostgreSQL 15+ with ICU
        "TEMPLATE template0 ENCODING 'UTF8'",
        "",
    )
    for option in options:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {} " + option).format(sql.Identifier(name)))
            return
        except psycopg.errors.DatabaseError:
            if option == options[-1]:
                raise


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A store url with no tables yet: the first open runs every migration."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/nested/state/vaultlink.db"
    database: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS records, vaultlink_schema")
    return database


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = open_store(url)
    yield opened
    opened.close()


@pytest.fixture
def query(url: str, backend: str) -> Query:
    """Run raw SQL on a connection of its own, to look at what the store wrote."""

    def run(statement: str) -> list[tuple[Any, ...]]:
        if backend == "sqlite":
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)  # autocommit
            try:
                return conn.execute(statement).fetchall()
            finally:
                conn.close()
        with psycopg.connect(url, autocommit=True) as pg:
            cursor = pg.execute(statement)
            return cursor.fetchall() if cursor.description else []

    return run


@pytest.fixture
def child_env() -> dict[str, str]:
    """Environment for a second Python process that must import vaultlink from this tree."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    return env

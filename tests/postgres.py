"""A throwaway PostgreSQL database on the machine's server (127.0.0.1:5432, or VAULTLINK_TEST_POSTGRES)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVER = os.environ.get("VAULTLINK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")


@contextmanager
def throwaway_database() -> Iterator[str]:
    admin = psycopg.connect(make_conninfo(SERVER, dbname="postgres", connect_timeout=5), autocommit=True)
    name = f"vaultlink_clients_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{SERVER.rstrip('/')}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

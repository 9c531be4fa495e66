"""Store URLs: SQLAlchemy's slashes for SQLite, libpq's URLs for PostgreSQL, one clear line for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultlink.store.urls import ACCEPTED, StoreUrlError, parse_store_url


def test_three_slashes_are_relative_and_four_absolute() -> None:
    relative = parse_store_url("sqlite:///tmp/x.db")
    assert relative.backend == "sqlite" and relative.sqlite_path == Path("tmp/x.db")
    assert str(Path("tmp/x.db").resolve()) in relative.describe()  # says which file it is
    absolute = parse_store_url("sqlite:////tmp/x.db")
    assert absolute.sqlite_path == Path("/tmp/x.db") and absolute.describe() == "sqlite:////tmp/x.db"


def test_postgresql_urls_pass_through() -> None:
    for url in ("postgresql://vaultlink@127.0.0.1:5432/db", "postgres://u:p@localhost/db"):
        assert parse_store_url(url).backend == "postgresql"


@pytest.mark.parametrize(("url", "problem"), [
    ("mysql://localhost/db", "the scheme 'mysql' is not a store vaultlink has"),
    ("/var/lib/vaultlink.db", "it has no scheme"),
    ("sqlite:/x.db", "needs three slashes"),
    ("sqlite://x.db", "needs three slashes"),
    ("sqlite:///", "names no file"),
    ("sqlite:///data/", "names no file"),
    ("postgresql://u@h/db name", "holds a space"),
])
def test_malformed_urls_get_one_line_with_the_accepted_forms(url: str, problem: str) -> None:
    with pytest.raises(StoreUrlError) as refused:
        parse_store_url(url)
    message = str(refused.value)
    assert problem in message and ACCEPTED in message and "\n" not in message

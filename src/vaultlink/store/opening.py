"""Opening a store by its URL: the one place that knows both backends."""

from __future__ import annotations

from vaultlink.store.base import Store


def open_store(url: str) -> Store:
    """sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host:port/db (see urls.py); any other
    URL raises StoreUrlError, a ValueError."""
    from vaultlink.store.urls import parse_store_url

    if parse_store_url(url).backend == "sqlite":
        from vaultlink.store.sqlite import SqliteStore

        return SqliteStore(url)
    from vaultlink.store.postgres import PostgresStore

    return PostgresStore(url)

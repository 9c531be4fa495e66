"""Opening a store by its URL: the one place that knows both backends."""

from __future__ import annotations

from vaultlink.store.base import Store


def open_store(url: str) -> Store:
    """sqlite:///path/to/file.db or postgresql://user@host:port/db."""
    if url.startswith("sqlite:///"):
        from vaultlink.store.sqlite import SqliteStore

        return SqliteStore(url)
    if url.startswith(("postgresql://", "postgres://")):
        from vaultlink.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unsupported store url '{url}': use sqlite:///PATH or postgresql://...")

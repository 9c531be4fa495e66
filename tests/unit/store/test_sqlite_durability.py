"""SQLite's durability setting: synchronous=FULL in WAL mode, so an acknowledged write survives a power failure
(NORMAL would keep the file consistent but could lose the last commits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultlink.store import sqlite


def test_sqlite_syncs_every_commit(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(f"sqlite:///{tmp_path / 'full.db'}")
    try:
        assert store._connection().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store._connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


def test_only_durable_levels_may_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sqlite.SYNCHRONOUS_VARIABLE, "normal")
    store = sqlite.SqliteStore(f"sqlite:///{tmp_path / 'normal.db'}")
    try:
        assert store._connection().execute("PRAGMA synchronous").fetchone()[0] == 1
    finally:
        store.close()
    monkeypatch.setenv(sqlite.SYNCHRONOUS_VARIABLE, "off")
    with pytest.raises(ValueError, match="FULL, NORMAL, EXTRA"):
        sqlite.SqliteStore(f"sqlite:///{tmp_path / 'off.db'}")

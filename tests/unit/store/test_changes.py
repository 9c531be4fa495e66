"""Other processes' commits are announced: a PostgreSQL store's `watch` hears what another store on the same
database committed (and only once it committed), never its own writes; a SQLite store has nobody to hear."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

import pytest

from vaultlink.store import EVERYTHING, Change, Store, open_store
from vaultlink.store.postgres import PAYLOAD_LIMIT, announcement, heard

pytestmark = pytest.mark.postgres


def _listening(url: str) -> tuple[Store, queue.Queue[list[Change]]]:
    store = open_store(url)
    got: queue.Queue[list[Change]] = queue.Queue()

    def listener(changes: Sequence[Change]) -> None:
        got.put(list(changes))

    store.watch(listener)
    return store, got


def test_a_commit_by_another_store_is_heard_with_what_it_wrote(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS records, vaultlink_schema")
    watcher, got = _listening(postgres_url)
    writer = open_store(postgres_url)
    try:
        with writer.transaction() as tx:
            tx.put("resource", "a", {"n": 1})
            with writer.transaction() as inner:  # nested: its writes are announced with the outer block's
                inner.put("setting", "topology-generation", {"n": 1})
            tx.delete_prefix("dnsrecord", "zone/")
        assert sorted(got.get(timeout=5), key=str) == sorted(
            [("dnsrecord", None), ("resource", "a"), ("setting", "topology-generation")], key=str)

        # rolled back: nothing is announced; read-only: nothing either
        with pytest.raises(RuntimeError), writer.transaction() as tx:
            tx.put("resource", "b", {"n": 1})
            raise RuntimeError("undo")
        with writer.transaction() as tx:
            tx.get("resource", "a")
        # the watcher's own writes are not announced to it
        with watcher.transaction() as tx:
            tx.put("resource", "own", {"n": 1})
        with writer.transaction() as tx:
            tx.delete("resource", "a")
        assert got.get(timeout=5) == [("resource", "a")]
        assert got.empty()
    finally:
        writer.close()
        watcher.close()


def test_closing_stops_the_listening_thread(postgres_url: str) -> None:
    watcher, _ = _listening(postgres_url)
    assert any(t.name == "vaultlink-store-changes" for t in threading.enumerate())
    watcher.close()
    assert not any(t.name == "vaultlink-store-changes" and t.is_alive() for t in threading.enumerate())


def test_announcements_fit_postgresql_and_read_back() -> None:
    few = {("resource", "a"), ("setting", None)}
    assert sorted(heard(announcement(few)), key=str) == sorted(few, key=str)
    many = {("resource", f"/subscriptions/s/resourcegroups/rg/{i:05d}" * 3) for i in range(2000)}
    text = announcement(many | {("plcount", "x")})
    assert len(text.encode()) <= PAYLOAD_LIMIT
    assert sorted(heard(text), key=str) == [("plcount", None), ("resource", None)]
    assert heard("not json") == [(EVERYTHING, None)]

"""The store contract, run against SQLite and PostgreSQL alike (see conftest.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

import vaultlink.store
from vaultlink.store import ANY_VERSION, Record, Store, StoreConflict, iterate, open_store
from vaultlink.store import postgres as postgres_backend
from vaultlink.store import sqlite as sqlite_backend
from vaultlink.store.encoding import prefix_end
from vaultlink.store.migrations import LATEST, MIGRATIONS, SchemaTooNew

Query = Callable[[str], list[tuple[Any, ...]]]
"""The `query` fixture: raw SQL on a connection of its own."""

KIND = "resource"


def put(store: Store, key: str, body: dict[str, Any], expect: int = ANY_VERSION, kind: str = KIND) -> Record:
    with store.transaction() as tx:
        return tx.put(kind, key, body, expect=expect)


def keys(records: list[Record]) -> list[str]:
    return [record.key for record in records]


# -- records and versions -------------------------------------------------------------------------------


def test_create_get_replace_counts_versions(store: Store) -> None:
    assert store.get(KIND, "k") is None
    created = put(store, "k", {"n": 1}, expect=0)
    assert created == Record(KIND, "k", 1, {"n": 1})
    assert store.get(KIND, "k") == created
    assert put(store, "k", {"n": 2}, expect=1).version == 2
    assert put(store, "k", {"n": 3}).version == 3  # ANY_VERSION replaces too
    assert store.get(KIND, "k") == Record(KIND, "k", 3, {"n": 3})


def test_any_version_creates_when_absent(store: Store) -> None:
    assert put(store, "k", {"n": 1}, expect=ANY_VERSION).version == 1


def test_create_conflicts_when_present(store: Store) -> None:
    put(store, "k", {"n": 1}, expect=0)
    with pytest.raises(StoreConflict, match="expected no record, found version 1"):
        put(store, "k", {"n": 2}, expect=0)
    assert store.get(KIND, "k") == Record(KIND, "k", 1, {"n": 1})


def test_replace_conflicts_on_stale_version_and_on_absence(store: Store) -> None:
    with pytest.raises(StoreConflict, match="expected version 1, found none"):
        put(store, "k", {"n": 1}, expect=1)
    assert store.get(KIND, "k") is None
    put(store, "k", {"n": 1}, expect=0)
    put(store, "k", {"n": 2}, expect=1)
    with pytest.raises(StoreConflict, match="expected version 1, found version 2"):
        put(store, "k", {"n": 3}, expect=1)
    with pytest.raises(StoreConflict):
        put(store, "k", {"n": 3}, expect=3)
    assert store.get(KIND, "k") == Record(KIND, "k", 2, {"n": 2})


def test_same_key_in_different_kinds_is_different_records(store: Store) -> None:
    put(store, "k", {"kind": "a"}, expect=0, kind="a")
    put(store, "k", {"kind": "b"}, expect=0, kind="b")
    assert store.get("a", "k") == Record("a", "k", 1, {"kind": "a"})
    assert store.get("b", "k") == Record("b", "k", 1, {"kind": "b"})


def test_delete_honours_expected_version(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.delete(KIND, "k") is False
        assert tx.delete(KIND, "k", expect=0) is False  # absent, as expected
        with pytest.raises(StoreConflict):
            tx.delete(KIND, "k", expect=1)
    put(store, "k", {"n": 1}, expect=0)
    put(store, "k", {"n": 2}, expect=1)
    with store.transaction() as tx:
        with pytest.raises(StoreConflict, match="expected version 1, found version 2"):
            tx.delete(KIND, "k", expect=1)
        with pytest.raises(StoreConflict, match="expected no record"):
            tx.delete(KIND, "k", expect=0)
        assert tx.delete(KIND, "k", expect=2) is True
    assert store.get(KIND, "k") is None
    put(store, "j", {})
    with store.transaction() as tx:
        assert tx.delete(KIND, "j") is True
    # A record created again starts over at version 1.
    assert put(store, "k", {"n": 3}, expect=0).version == 1


def test_bad_arguments_are_refused(store: Store) -> None:
    with store.transaction() as tx:
        with pytest.raises(ValueError):
            tx.put(KIND, "k", {}, expect=-2)
        with pytest.raises(TypeError):
            tx.put(KIND, "k", ["not", "an", "object"])  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            tx.put(KIND, "k", {"x": float("nan")})
        with pytest.raises(ValueError):
            tx.list(KIND, limit=-1)
    assert store.get(KIND, "k") is None
    with pytest.raises(ValueError):
        list(iterate(store, KIND, page=0))
    with pytest.raises(ValueError):
        list(iterate(store, KIND, first=0))


# -- transactions ---------------------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_exception_rolls_back_every_write_in_the_block(store: Store) -> None:
    put(store, "kept", {"n": 1}, expect=0)
    put(store, "gone", {"n": 1}, expect=0)
    with pytest.raises(Boom), store.transaction() as tx:
        tx.put(KIND, "new", {"n": 1}, expect=0)
        tx.put(KIND, "kept", {"n": 2}, expect=1)
        tx.delete(KIND, "gone")
        assert tx.get(KIND, "new") is not None  # the transaction sees its own writes
        raise Boom
    assert store.get(KIND, "new") is None
    assert store.get(KIND, "kept") == Record(KIND, "kept", 1, {"n": 1})
    assert store.get(KIND, "gone") == Record(KIND, "gone", 1, {"n": 1})


def test_conflict_mid_transaction_rolls_back_the_earlier_writes(store: Store) -> None:
    put(store, "existing", {}, expect=0)
    with pytest.raises(StoreConflict), store.transaction() as tx:
        tx.put(KIND, "first", {}, expect=0)
        tx.put(KIND, "existing", {}, expect=0)
    assert store.get(KIND, "first") is None


def test_other_stores_see_a_transaction_only_once_it_commits(url: str, store: Store) -> None:
    other = open_store(url)
    try:
        with store.transaction() as tx:
            tx.put(KIND, "k", {"n": 1}, expect=0)
            assert other.get(KIND, "k") is None
            assert other.list(KIND) == []
        assert other.get(KIND, "k") == Record(KIND, "k", 1, {"n": 1})
    finally:
        other.close()


def test_nested_transaction_joins_the_outer_one(store: Store) -> None:
    with pytest.raises(Boom), store.transaction() as outer:
        outer.put(KIND, "outer", {}, expect=0)
        with store.transaction() as inner:
            inner.put(KIND, "inner", {}, expect=0)
        assert outer.get(KIND, "inner") is not None  # one transaction: the outer block sees the inner write
        raise Boom
    assert store.get(KIND, "outer") is None
    assert store.get(KIND, "inner") is None  # the inner block committed nothing of its own


def test_nested_block_that_raises_undoes_only_its_own_writes(store: Store) -> None:
    with store.transaction() as outer:
        outer.put(KIND, "outer", {}, expect=0)
        with pytest.raises(Boom), store.transaction() as inner:
            inner.put(KIND, "inner", {}, expect=0)
            raise Boom
        outer.put(KIND, "after", {}, expect=0)
    assert keys(store.list(KIND)) == ["after", "outer"]


def test_transaction_cannot_be_used_after_its_block(store: Store) -> None:
    with store.transaction() as tx:
        pass
    with pytest.raises(RuntimeError, match="transaction has ended"):
        tx.put(KIND, "k", {})
    assert store.get(KIND, "k") is None


def test_closed_store_refuses_work(url: str) -> None:
    closed = open_store(url)
    closed.close()
    closed.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        closed.get(KIND, "k")
    with pytest.raises(RuntimeError, match="closed"), closed.transaction():
        pass


def test_a_second_thread_waits_for_the_open_transaction(store: Store) -> None:
    put(store, "k", {"n": 1}, expect=0)
    seen: list[Record | None] = []
    reader = threading.Thread(target=lambda: seen.append(store.get(KIND, "k")))
    with store.transaction() as tx:
        tx.put(KIND, "k", {"n": 2}, expect=1)
        reader.start()
        reader.join(0.3)
        assert reader.is_alive()  # blocked on the store's lock, not reading a half-done transaction
    reader.join(10)
    assert seen == [Record(KIND, "k", 2, {"n": 2})]


def test_concurrent_writers_never_lose_an_update(url: str, store: Store) -> None:
    put(store, "counter", {"n": 0}, expect=0)
    writers, rounds = 4, 10

    def bump() -> None:
        own = open_store(url)  # one store per writer, as separate processes would have
        try:
            for _ in range(rounds):
                while True:
                    current = own.get(KIND, "counter")
                    assert current is not None
                    try:
                        with own.transaction() as tx:
                            tx.put(KIND, "counter", {"n": current.body["n"] + 1}, expect=current.version)
                        break
                    except StoreConflict:
                        continue
        finally:
            own.close()

    with ThreadPoolExecutor(writers) as pool:
        for done in [pool.submit(bump) for _ in range(writers)]:
            done.result(60)  # re-raises anything a writer raised
    assert store.get(KIND, "counter") == Record(
        KIND, "counter", 1 + writers * rounds, {"n": writers * rounds}
    )


# -- listing --------------------------------------------------------------------------------------------

TRICKY_KEYS = [
    "a/b",
    "a/b/c",
    "a/b/c/d",
    "a/bc",
    "a/b-",
    "a/b\U0010ffff",
    "a/b\U0010ffffz",
    "a/bé",
    "a/b😀",
    "a/",
    "a/a",
    "a/c",
    "a-b",
    "ab",
    "aB",
    "A/b",
    "b",
    "é",
]


@pytest.fixture
def tricky(store: Store) -> Store:
    with store.transaction() as tx:
        for key in TRICKY_KEYS:
            tx.put(KIND, key, {"key": key}, expect=0)
        tx.put("other", "a/b", {}, expect=0)
    return store


def test_list_returns_every_key_of_the_kind_in_code_point_order(tricky: Store) -> None:
    records = tricky.list(KIND)
    assert keys(records) == sorted(TRICKY_KEYS)
    assert all(record.kind == KIND and record.body == {"key": record.key} for record in records)


@pytest.mark.parametrize("prefix", ["a/b", "a/b/", "a/bc", "a/", "a", "A", "a/b\U0010ffff", "é", "z", ""])
def test_list_by_prefix_is_exactly_the_keys_that_start_with_it(tricky: Store, prefix: str) -> None:
    assert keys(tricky.list(KIND, prefix)) == sorted(k for k in TRICKY_KEYS if k.startswith(prefix))


def test_list_after_resumes_past_that_key(tricky: Store) -> None:
    under = sorted(k for k in TRICKY_KEYS if k.startswith("a/b"))
    assert keys(tricky.list(KIND, "a/b", after="a/b")) == under[1:]  # 'a/b' itself is not repeated
    assert under[:5] == ["a/b", "a/b-", "a/b/c", "a/b/c/d", "a/bc"]  # '-' sorts before '/'
    assert keys(tricky.list(KIND, "a/b", after="a/b/c/d", limit=2)) == ["a/bc", "a/bé"]
    assert keys(tricky.list(KIND, "a/b", after="a")) == under  # an `after` before the prefix changes nothing
    assert tricky.list(KIND, "a/b", after="a/c") == []
    assert tricky.list(KIND, "a/b", limit=0) == []


@pytest.mark.parametrize("prefix", ["", "a/", "a/b", "é"])
@pytest.mark.parametrize("containing", ["/c", "b", "-", "é", "%", "_", "a/b", "zz"])
def test_list_containing_keeps_the_keys_holding_the_text_after_the_prefix(
    tricky: Store, prefix: str, containing: str
) -> None:
    wanted = sorted(k for k in TRICKY_KEYS if k.startswith(prefix) and containing in k[len(prefix):])
    assert keys(tricky.list(KIND, prefix, containing=containing)) == wanted
    with tricky.transaction() as tx:
        assert keys(tx.list(KIND, prefix, containing=containing)) == wanted


def test_list_containing_pages_with_limit_and_after(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(12):
            tx.put(KIND, f"g/{i:02d}/{'vault' if i % 3 else 'network'}/x", {}, expect=0)
    first = keys(store.list(KIND, "g/", containing="/vault/", limit=3))
    rest = keys(store.list(KIND, "g/", containing="/vault/", after=first[-1]))
    assert first + rest == [f"g/{i:02d}/vault/x" for i in range(12) if i % 3]
    assert len(first) == 3


def test_paging_with_limit_and_after_visits_every_key_once(store: Store) -> None:
    wanted = [f"sub/{i:03d}" for i in range(23)] + ["sub/010/child", "sub/0100"]
    with store.transaction() as tx:
        for key in [*wanted, "su", "sub", "subway/1", "suc/1"]:
            tx.put(KIND, key, {}, expect=0)
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = keys(store.list(KIND, "sub/", limit=7, after=after))
        if not page:
            break
        pages.append(page)
        after = page[-1]
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    assert [key for page in pages for key in page] == sorted(wanted)
    assert [record.key for record in iterate(store, KIND, "sub/", page=5)] == sorted(wanted)
    # growing reads (1, 2, 4, then 5 at a time) past a key give the same records
    assert [r.key for r in iterate(store, KIND, "sub/", page=5, first=1)] == sorted(wanted)
    middle = sorted(wanted)[9]
    assert [r.key for r in iterate(store, KIND, "sub/", page=5, first=1, after=middle)] == sorted(wanted)[10:]


def test_delete_prefix_removes_exactly_the_keys_under_it(tricky: Store) -> None:
    with tricky.transaction() as tx:
        assert tx.delete_prefix(KIND, "a/b") == sum(k.startswith("a/b") for k in TRICKY_KEYS)
        assert tx.delete_prefix(KIND, "nothing/") == 0
    assert keys(tricky.list(KIND)) == sorted(k for k in TRICKY_KEYS if not k.startswith("a/b"))
    assert tricky.get("other", "a/b") is not None  # other kinds are untouched
    with tricky.transaction() as tx:
        assert tx.delete_prefix(KIND, "") == len(TRICKY_KEYS) - sum(k.startswith("a/b") for k in TRICKY_KEYS)
    assert tricky.list(KIND) == []


def test_delete_prefix_rolls_back_with_its_transaction(tricky: Store) -> None:
    with pytest.raises(Boom), tricky.transaction() as tx:
        tx.delete_prefix(KIND, "a/")
        raise Boom
    assert keys(tricky.list(KIND)) == sorted(TRICKY_KEYS)


def test_prefix_end_is_the_least_string_above_the_prefix() -> None:
    assert prefix_end("a/b") == "a/c"
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("\U0010ffff\U0010ffff") is None
    assert prefix_end("") is None
    assert prefix_end("\ud7ff") == "\ue000"  # surrogates cannot be stored, so they are stepped over


def test_list_is_a_primary_key_range_seek(url: str, backend: str, store: Store) -> None:
    for after, containing in ((None, None), ("a/b/c", None), (None, "/c")):
        if backend == "sqlite":
            statement, params = sqlite_backend.list_statement(KIND, "a/b", limit=10, after=after, containing=containing)
            lite = sqlite3.connect(url.removeprefix("sqlite:///"))
            try:
                plan = " | ".join(row[-1] for row in lite.execute("EXPLAIN QUERY PLAN " + statement, params))
            finally:
                lite.close()
            assert "USING INDEX sqlite_autoindex_records_1 (kind=? AND key>" in plan
            assert "AND key<?)" in plan
            assert "TEMP B-TREE" not in plan  # key order comes from the index, not a sort
        else:
            statement, params = postgres_backend.list_statement(
                KIND, "a/b", limit=10, after=after, containing=containing
            )
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET enable_seqscan = off")
                conn.execute("SET enable_bitmapscan = off")
                rows = conn.execute(("EXPLAIN " + statement).encode(), params).fetchall()
            plan = " | ".join(row[0] for row in rows)
            assert "Index Scan using records_pkey" in plan, plan
            assert "key >" in plan and "key <" in plan, plan
            assert "Sort" not in plan, plan


# -- bodies ---------------------------------------------------------------------------------------------


def test_unicode_bodies_round_trip_and_are_stored_compact(store: Store, query: Query) -> None:
    body = {
        "name": "清水 — Zürich ✓",
        "emoji": "🔐🗝️",
        "rtl": "مفتاح",
        "control": "nul\u0000tab\t",
        "nested": {"list": [1, 2.5, None, True, "ü"], "empty": {}},
    }
    put(store, "ключ/😀", body, expect=0)
    assert store.get(KIND, "ключ/😀") == Record(KIND, "ключ/😀", 1, body)
    [(stored,)] = query("SELECT body FROM records")
    assert stored == json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    assert "清水" in stored and "🔐" in stored and ": " not in stored


def test_put_returns_the_body_as_stored(store: Store) -> None:
    source: dict[str, Any] = {"tags": ("a", "b")}
    record = put(store, "k", source, expect=0)
    source["tags"] = "changed after the write"
    assert record == store.get(KIND, "k")
    assert record.body == {"tags": ["a", "b"]}


# -- opening, persistence, migrations -------------------------------------------------------------------


def test_records_persist_across_reopen(url: str) -> None:
    first = open_store(url)
    put(first, "k", {"n": 1}, expect=0)
    first.close()
    second = open_store(url)
    try:
        assert second.get(KIND, "k") == Record(KIND, "k", 1, {"n": 1})
        assert put(second, "k", {"n": 2}, expect=1).version == 2
    finally:
        second.close()


def test_migrations_run_once_and_reopen_is_idempotent(url: str, query: Query) -> None:
    for _ in range(3):
        open_store(url).close()
    assert query("SELECT version, name FROM vaultlink_schema ORDER BY version") == [
        (step.version, step.name) for step in MIGRATIONS
    ]
    assert query("SELECT COUNT(*) FROM records") == [(0,)]


def test_migrations_are_numbered_one_by_one() -> None:
    assert [step.version for step in MIGRATIONS] == list(range(1, LATEST + 1))
    assert all(step.sqlite and step.postgres for step in MIGRATIONS)


def test_a_database_from_a_newer_vaultlink_is_refused(url: str, query: Query) -> None:
    open_store(url).close()
    stamp = "'2099-01-01T00:00:00Z'"
    query(f"INSERT INTO vaultlink_schema VALUES ({LATEST + 1}, 'future', {stamp})")
    with pytest.raises(SchemaTooNew, match=f"version {LATEST + 1}"):
        open_store(url)


def test_processes_opening_a_blank_database_at_once_migrate_it_once(
    url: str, query: Query, child_env: dict[str, str]
) -> None:
    # Each child imports first and then waits for the go line, so the opens (and migrations) truly overlap.
    script = (
        "import sys; import vaultlink.store.postgres, vaultlink.store.sqlite; from vaultlink.store import open_store;"
        "sys.stdin.readline(); open_store(sys.argv[1]).close()"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script, url], stdin=subprocess.PIPE, env=child_env)
        for _ in range(8)
    ]
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        child.stdin.flush()
    assert [child.wait(60) for child in children] == [0] * len(children)
    assert query("SELECT version FROM vaultlink_schema") == [(step.version,) for step in MIGRATIONS]


def test_stores_opening_a_blank_database_at_once_migrate_it_once(url: str, query: Query) -> None:
    # Threads released by one barrier overlap more tightly than processes can; each has its own connection.
    start = threading.Barrier(8)

    def open_and_close() -> None:
        start.wait()
        open_store(url).close()

    with ThreadPoolExecutor(start.parties) as pool:
        for done in [pool.submit(open_and_close) for _ in range(start.parties)]:
            done.result(60)
    assert query("SELECT version FROM vaultlink_schema") == [(step.version,) for step in MIGRATIONS]


CHILD = r"""
import json, sys
from vaultlink.store import open_store
store = open_store(sys.argv[1])
print(json.dumps("ready"), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    try:
        if command["op"] == "get":
            record = store.get(command["kind"], command["key"])
        else:
            with store.transaction() as tx:
                record = tx.put(command["kind"], command["key"], command["body"], expect=command["expect"])
        answer = None if record is None else {"version": record.version, "body": record.body}
    except Exception as error:
        answer = {"error": type(error).__name__}
    print(json.dumps(answer), flush=True)
store.close()
"""


class Child:
    """A second vaultlink process holding its own open store, driven one JSON line at a time."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._read() == "ready"

    def get(self, key: str) -> Any:
        return self._ask({"op": "get", "kind": KIND, "key": key})

    def put(self, key: str, body: dict[str, Any], expect: int) -> Any:
        return self._ask({"op": "put", "kind": KIND, "key": key, "body": body, "expect": expect})

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(30) == 0

    def _ask(self, command: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the child process died (exit code {self.process.poll()})"
        return json.loads(line)


def test_two_processes_see_each_others_writes(url: str, store: Store, child_env: dict[str, str]) -> None:
    child = Child(url, child_env)  # both stores are open before anyone writes: nothing may be cached
    try:
        put(store, "from-parent", {"by": "parent"}, expect=0)
        assert child.get("from-parent") == {"version": 1, "body": {"by": "parent"}}

        assert child.put("from-child", {"by": "child"}, expect=0) == {"version": 1, "body": {"by": "child"}}
        assert store.get(KIND, "from-child") == Record(KIND, "from-child", 1, {"by": "child"})
        assert keys(store.list(KIND)) == ["from-child", "from-parent"]

        assert child.put("from-parent", {"by": "child"}, expect=1)["version"] == 2
        assert store.get(KIND, "from-parent") == Record(KIND, "from-parent", 2, {"by": "child"})
        with pytest.raises(StoreConflict):
            put(store, "from-parent", {"by": "parent, stale"}, expect=1)

        put(store, "from-child", {"by": "parent"}, expect=1)
        assert child.get("from-child") == {"version": 2, "body": {"by": "parent"}}
        assert child.put("from-child", {"by": "child, stale"}, expect=1) == {"error": "StoreConflict"}
    finally:
        child.close()


# -- backend specifics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_mode(url: str, store: Store) -> None:
    path = Path(url.removeprefix("sqlite:///"))
    assert path.parent.is_dir()  # parent directories were created
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # recorded in the file itself
    finally:
        conn.close()
    own = store._conn  # type: ignore[attr-defined]  # per-connection settings are only visible on it
    assert own.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL: a commit survives a power failure
    assert own.execute("PRAGMA busy_timeout").fetchone() == (sqlite_backend.BUSY_TIMEOUT_MS,)


def test_open_store_refuses_unknown_urls() -> None:
    with pytest.raises(ValueError, match="is not a store vaultlink has"):
        open_store("mysql://localhost/db")
    with pytest.raises(ValueError, match="not a sqlite store url"):
        sqlite_backend.SqliteStore("sqlite:///")


def test_public_surface() -> None:
    assert sorted(vaultlink.store.__all__) == [
        "ANY_VERSION",
        "Change",
        "EVERYTHING",
        "Reader",
        "Record",
        "Store",
        "StoreConflict",
        "Transaction",
        "iterate",
        "open_store",
    ]

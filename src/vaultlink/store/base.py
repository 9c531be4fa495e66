"""The store's narrow contract.

A record is (kind, key, version, body). `kind` names a family ("resource", "tenant", "secret"...); `key` is
case-folded by the caller (ARM ids are lower-cased); `version` starts at 1 and grows by one on each write;
`body` is a JSON object. Every write names the version it expects, so two writers never silently overwrite
each other: a mismatch raises StoreConflict and the transaction rolls back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Record:
    kind: str
    key: str
    version: int
    body: dict[str, Any]


class StoreConflict(Exception):
    """A write expected a version of the record that is no longer the current one."""


Change = tuple[str, str | None]
"""A record another process wrote: (kind, key); key None for any record of the kind, kind EVERYTHING for any
record at all (when the changes were too many to name, or some may have been missed)."""

EVERYTHING = "*"

ANY_VERSION = -1
"""Pass as `expect` to overwrite whatever is there (or create)."""


class Reader(Protocol):
    """Anything that reads records: a transaction or, outside one, the store itself (committed state)."""

    def get(self, kind: str, key: str) -> Record | None: ...

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]:
        """Records of `kind` whose key starts with `prefix`, in key order; `after` resumes past that key.

        `containing` keeps only the keys that hold that text after the prefix; the backend drops the others
        before their bodies are read, so a listing of one resource type among many costs what it returns."""
        ...


class Transaction(Reader, Protocol):

    def put(self, kind: str, key: str, body: dict[str, Any], *, expect: int = ANY_VERSION) -> Record:
        """Create (expect=0) or replace (expect=current version); ANY_VERSION does either."""
        ...

    def delete(self, kind: str, key: str, *, expect: int = ANY_VERSION) -> bool:
        """True when a record was removed."""
        ...

    def delete_prefix(self, kind: str, prefix: str) -> int:
        """Remove every record of `kind` under `prefix`; returns how many."""
        ...


class Store(Protocol):
    url: str

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Commits when the block ends normally; rolls back on any exception."""
        ...

    def get(self, kind: str, key: str) -> Record | None:
        """A read outside any transaction (sees committed state)."""
        ...

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]: ...

    def watch(self, listener: Callable[[Sequence[Change]], None]) -> None:
        """Calls `listener` (from a thread of the store's) with what each transaction committed by another process
        wrote, soon after it commits. A store only one process writes never calls it."""
        ...

    def close(self) -> None: ...


def iterate(reader: Reader, kind: str, prefix: str = "", page: int = 500, *, after: str | None = None,
            first: int | None = None) -> Iterator[Record]:
    """All records under a prefix (past `after`, when given), fetched a page at a time. With `first`, reads
    start at that size and double up to `page`, so a caller that stops early has read about what it took."""
    if page < 1 or (first is not None and first < 1):
        raise ValueError(f"page must be at least 1, not {page}")  # page 0 would loop forever on empty pages
    size = page if first is None else min(first, page)
    while True:
        batch = reader.list(kind, prefix, limit=size, after=after)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1].key
        size = min(size * 2, page)

"""An immutable mapping that changes by copying a small part of itself.

`PersistentMap.set` and `without` return a new map that shares all but one of its buckets with the old one, so
a snapshot of thousands of entries changes one entry for the cost of one bucket (its size / BUCKETS entries)
and the bucket table, not a copy of the whole. Old maps stay valid and unchanged: readers holding one see it
as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

BUCKETS = 64


class PersistentMap(Mapping[K, V], Generic[K, V]):
    __slots__ = ("_buckets", "_size")

    def __init__(self, items: Iterable[tuple[K, V]] | Mapping[K, V] = ()) -> None:
        buckets: list[dict[K, V]] = [{} for _ in range(BUCKETS)]
        pairs = items.items() if isinstance(items, Mapping) else items
        for key, value in pairs:
            buckets[hash(key) % BUCKETS][key] = value
        self._buckets = tuple(buckets)
        self._size = sum(len(b) for b in buckets)

    @classmethod
    def _of(cls, buckets: tuple[dict[K, V], ...], size: int) -> PersistentMap[K, V]:
        new: PersistentMap[K, V] = cls.__new__(cls)
        new._buckets, new._size = buckets, size
        return new

    def __getitem__(self, key: K) -> V:
        return self._buckets[hash(key) % BUCKETS][key]

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        return self._buckets[hash(key) % BUCKETS].get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._buckets[hash(key) % BUCKETS]

    def __iter__(self) -> Iterator[K]:
        for bucket in self._buckets:
            yield from bucket

    def __len__(self) -> int:
        return self._size

    def set(self, key: K, value: V) -> PersistentMap[K, V]:
        index = hash(key) % BUCKETS
        bucket = dict(self._buckets[index])
        size = self._size + (0 if key in bucket else 1)
        bucket[key] = value
        return self._of(self._buckets[:index] + (bucket,) + self._buckets[index + 1:], size)

    def without(self, key: K) -> PersistentMap[K, V]:
        index = hash(key) % BUCKETS
        if key not in self._buckets[index]:
            return self
        bucket = dict(self._buckets[index])
        del bucket[key]
        return self._of(self._buckets[:index] + (bucket,) + self._buckets[index + 1:], self._size - 1)

    def __repr__(self) -> str:
        return f"PersistentMap({dict(self.items())!r})"

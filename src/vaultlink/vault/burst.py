"""Store reads shared by the requests of one burst.

The event loop runs the requests that are ready in passes; the requests of one pass were all received before
any of them was answered, so they are concurrent and may all see a record as it was when the first of them
read it (serving them in that order is one the clients could not tell from another). A request sent after an
answer it saw is received by a later poll and runs in a later pass, after the burst's reads are forgotten:
it reads the store again and sees every write that was answered before it was sent, whichever process made
it. Without a running event loop nothing is kept.
"""

from __future__ import annotations

import asyncio

from vaultlink.store import Record, Store


class BurstReads:
    """`store.get`, remembered until the event loop's current pass over its ready callbacks has ended."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._seen: dict[tuple[str, str], Record | None] = {}

    def get(self, kind: str, key: str) -> Record | None:
        seen = self._seen
        try:
            return seen[(kind, key)]
        except KeyError:
            pass
        rec = self.store.get(kind, key)
        if not seen:
            try:
                asyncio.get_running_loop().call_soon(seen.clear)
            except RuntimeError:  # no event loop: nothing to share with
                return rec
        seen[(kind, key)] = rec
        return rec

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]:
        """Listings are not remembered: they read the store."""
        return self.store.list(kind, prefix, limit=limit, after=after, containing=containing)

"""What both backends' stores share: one connection behind a lock, reads outside transactions through a
reader bound to it, and closing."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from vaultlink.store.base import Reader, Record


class BoundReader(Reader, Protocol):
    """A reader bound to the store's one connection; `ended` once the store is closed."""

    ended: bool


class Connected:
    """Subclasses set `_lock`, `_conn` and `_reader` and say how a closed store answers in `_connection`."""

    _lock: threading.RLock
    _conn: Any
    _reader: BoundReader

    def _connection(self) -> Any:
        raise NotImplementedError

    def get(self, kind: str, key: str) -> Record | None:
        with self._lock:
            self._connection()
            return self._reader.get(kind, key)

    def list(
        self, kind: str, prefix: str = "", *, limit: int | None = None, after: str | None = None,
        containing: str | None = None,
    ) -> list[Record]:
        with self._lock:
            self._connection()
            return self._reader.list(kind, prefix, limit=limit, after=after, containing=containing)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                self._reader.ended = True

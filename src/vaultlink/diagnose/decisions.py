"""The decision log: the most recent data-plane decisions, by request id, kept across restarts.

Each entry is the whole decision the vault made for one request: the DNS answer with each hop's reason,
where the connection landed, the network rule that admitted or refused it, and then the authorization (RBAC
or access policy) with the role or permission that was missing. `vaultlink why REQUEST_ID` shows one.

An entry is kept as a function that makes it (`record_lazily`): every admitted request is recorded and few
are ever looked up, so the dictionary is built when someone asks, or when the log is written. `flush()`
writes the kept entries to a file in the data directory (atomically, only its owner may read it); the
server flushes every FLUSH_SECONDS and at a clean shutdown, and `load()` reads them back at start. A kill -9
loses what was recorded since the last flush.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vaultlink.core.files import write_private

log = logging.getLogger("vaultlink.diagnose")

LIMIT = 2000
FLUSH_SECONDS = 5.0

Entry = dict[str, Any] | Callable[[], dict[str, Any]]


class DecisionLog:
    def __init__(self, path: Path | None = None, limit: int = LIMIT) -> None:
        self.path = path
        self.limit = limit
        self._entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._dirty = False

    def record(self, request_id: str, entry: dict[str, Any]) -> None:
        self._keep(request_id, dict(entry))

    def record_lazily(self, request_id: str, entry: Callable[[], dict[str, Any]]) -> None:
        self._keep(request_id, entry)

    def _keep(self, request_id: str, entry: Entry) -> None:
        self._entries[request_id] = (time.time(), entry)
        self._dirty = True
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def _entry(self, request_id: str, kept: tuple[float, Entry]) -> dict[str, Any]:
        stamp, entry = kept
        if not isinstance(entry, dict):  # made once: the values it closes over may change later
            entry = entry()
            self._entries[request_id] = (stamp, entry)
        return {"requestId": request_id, "time": stamp, **entry}

    def find(self, request_id: str) -> dict[str, Any] | None:
        kept = self._entries.get(request_id)
        return None if kept is None else self._entry(request_id, kept)

    def recent(self, count: int = 50) -> list[dict[str, Any]]:
        return [self._entry(request_id, kept) for request_id, kept in list(self._entries.items())[-count:]]

    def pending(self) -> list[dict[str, Any]] | None:
        """The kept entries, made, when any came since the last flush (made here, on the thread that records)."""
        if self.path is None or not self._dirty:
            return None
        self._dirty = False
        return self.recent(self.limit)

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Writes entries that `pending` made to the file; any thread may."""
        assert self.path is not None
        write_private(self.path, json.dumps(entries, separators=(",", ":")).encode())

    def flush(self) -> None:
        """Writes the kept entries to the file, when any came since the last flush."""
        entries = self.pending()
        if entries is not None:
            self.write(entries)

    async def flush_every(self, seconds: float = FLUSH_SECONDS) -> None:
        """Until cancelled: the entries are made on the loop's thread and written by another, off the requests'
        loop."""
        while True:
            await asyncio.sleep(seconds)
            entries = self.pending()
            if entries is None:
                continue
            try:
                await asyncio.to_thread(self.write, entries)
            except OSError as e:
                log.warning("could not write the decision log: %s", e)

    def load(self) -> None:
        """The entries the last run flushed (a missing or unreadable file is an empty log)."""
        if self.path is None or not self.path.exists():
            return
        try:
            entries = json.loads(self.path.read_text())
        except (OSError, ValueError) as e:
            log.warning("the decision log %s could not be read (%s); starting with an empty one", self.path, e)
            return
        for entry in entries[-self.limit:] if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("requestId"), str):
                body = {k: v for k, v in entry.items() if k not in ("requestId", "time")}
                self._entries[entry["requestId"]] = (float(entry.get("time") or 0.0), body)

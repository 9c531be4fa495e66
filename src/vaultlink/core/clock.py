"""The one clock. Expiry, token lifetimes and soft-delete retention all read it, so tests can shift it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an offset that tests (and `vaultlink` debug commands) may shift."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time() + self._offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def isonow(self) -> str:
        """The timestamp format ARM uses in systemData and operation documents."""
        return self.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def shift(self, seconds: float) -> None:
        self._offset += seconds


clock = Clock()

"""Retrying a lost optimistic race.

A StoreConflict means another writer changed a record between this operation's read and its write; the
transaction rolled back whole. An operation whose intent still holds is run again from the start (it re-reads
and decides again), a bounded number of times, pausing a random while between attempts so two writers that
collided do not collide again in step.
"""

from __future__ import annotations

import random

ATTEMPTS = 8
"""How many times an operation runs before its conflict is answered as the client's."""

_FIRST, _MOST = 0.002, 0.1


def pause(attempt: int) -> float:
    """Seconds to wait after attempt `attempt` (0-based) lost: full jitter over a doubling window."""
    return random.uniform(0.0, min(_MOST, _FIRST * 2**attempt))

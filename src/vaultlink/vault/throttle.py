"""Azure's service limits for a vault, enforced when vaultlink runs with `--throttle` (off by default).

Each vault has a sliding 10-second window per request type: 300 secret creates, 20 key creates (10 for HSM
keys), and 4,000 of all other transactions, as Azure documents for a vault in one region. Past the limit the
answer is Azure's 429 Throttled ("Reason: VaultRequestTypeLimitReached", without Retry-After, as observed),
and a request answered 429 does not count toward the limit.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from vaultlink.core import jsontext
from vaultlink.core.clock import clock
from vaultlink.vault.errors import Throttled

WINDOW_SECONDS = 10.0
SECRET_CREATE, KEY_CREATE, HSM_KEY_CREATE, OTHER = "secret-create", "key-create", "hsm-key-create", "other"
LIMITS = {SECRET_CREATE: 300, KEY_CREATE: 20, HSM_KEY_CREATE: 10, OTHER: 4000}
REASON = "VaultRequestTypeLimitReached"


def request_type(declared: str, body: bytes) -> str:
    """The limit a request counts against: its route's type, with HSM key creation told apart by its body."""
    if declared != KEY_CREATE:
        return declared
    try:
        kty = jsontext.loads(body).get("kty", "") if body.strip() else ""
    except (ValueError, AttributeError):
        return KEY_CREATE
    return HSM_KEY_CREATE if isinstance(kty, str) and kty.endswith("-HSM") else KEY_CREATE


class Throttle:
    def __init__(self, limits: dict[str, int] | None = None, window: float = WINDOW_SECONDS,
                 now: Callable[[], float] = clock.now) -> None:
        self.limits = {**LIMITS, **(limits or {})}
        self.window = window
        self.now = now
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, vault: str, kind: str) -> None:
        """Counts the request, or raises Throttled (without counting it) when the window is full."""
        limit = self.limits.get(kind, self.limits[OTHER])
        with self._lock:
            seen = self._seen.setdefault((vault.lower(), kind), deque())
            t = self.now()
            while seen and seen[0] <= t - self.window:
                seen.popleft()
            if len(seen) >= limit:
                raise Throttled(reason=REASON)
            seen.append(t)

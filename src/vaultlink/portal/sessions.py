"""Portal sessions, kept on the server: the cookie carries only a random id (HttpOnly, SameSite=Lax, Secure on
https). A session holds the user's tokens, the CSRF token every form carries, the sign-in in progress, and the
notifications waiting to be shown. Sessions live in memory: a restart asks the user to sign in again.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from vaultlink.core.clock import clock

COOKIE = "vaultlink_portal"
IDLE_LIFETIME = 8 * 3600
MAX_SESSIONS = 5000


@dataclass
class Notification:
    level: str  # "error" or "success"
    title: str
    message: str
    code: str = ""


@dataclass
class Session:
    id: str
    csrf: str
    seen: float
    user: dict[str, Any] | None = None
    """upn, name, tenantId, objectId of the signed-in user."""
    access_token: str = ""
    token_expires: float = 0.0
    refresh_token: str = ""
    pending: dict[str, str] | None = None
    """state, verifier, nonce and next page of the sign-in in progress."""
    notifications: list[Notification] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)

    def notify(self, level: str, title: str, message: str, code: str = "") -> None:
        self.notifications.append(Notification(level, title, message, code))

    def take_notifications(self) -> list[Notification]:
        out, self.notifications = self.notifications, []
        return out

    def csrf_ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given, self.csrf)


class Sessions:
    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}

    def find(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        found = self._by_id.get(session_id)
        now = clock.now()
        if found is None or found.seen + IDLE_LIFETIME < now:
            self._by_id.pop(session_id, None)
            return None
        found.seen = now
        return found

    def create(self) -> Session:
        now = clock.now()
        if len(self._by_id) >= MAX_SESSIONS:
            self._by_id = {k: s for k, s in self._by_id.items() if s.seen + IDLE_LIFETIME >= now}
            while len(self._by_id) >= MAX_SESSIONS:
                oldest = min(self._by_id.values(), key=lambda s: s.seen)
                del self._by_id[oldest.id]
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now)
        self._by_id[session.id] = session
        return session

    def end(self, session: Session) -> None:
        self._by_id.pop(session.id, None)

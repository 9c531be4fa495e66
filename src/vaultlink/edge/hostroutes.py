"""Host routing: which app serves a host, and the refusal a client sees when none does.

The runtime hands the edge two callables: `locate(proxy_authorization) -> Location | Refusal` (who is
calling, from the credential the proxy was given) and `route(host, location) -> Served | Refusal` (which
app serves that host for that caller, and the caller's arrival there, which the app receives in its scope).
`HostRoutes` is a ready-made `route` for a fixed table of hosts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vaultlink.core.asgi import ASGIApp
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import Location


@dataclass(frozen=True)
class Refusal:
    """The edge will not serve this request: an HTTP status and a reason a person can act on.

    The reason travels as the HTTP reason phrase (clients print it, e.g. "Tunnel connection failed: 403 ...")
    and as the body.
    """

    status: int
    reason: str
    unanswered: bool = False
    """Leave a CONNECT open and unanswered instead, as a connection to an address nobody holds is on a real
    network: the client's own timeout ends it (`vaultlink up --unreachable timeout`)."""

    @classmethod
    def unknown_host(cls, host: str) -> Refusal:
        return cls(
            403,
            f"vaultlink does not serve {host}: it serves only Azure endpoints,"
            " and nothing leaves this machine",
        )

    @classmethod
    def bad_credential(cls, detail: str = "the proxy credential names no machine vaultlink knows") -> Refusal:
        return cls(407, f"Proxy authentication failed: {detail}")

    @property
    def phrase(self) -> bytes:
        """The reason as a valid HTTP reason phrase: one line, printable latin-1."""
        text = " ".join(self.reason.split())
        return text.encode("latin-1", "replace")


@dataclass(frozen=True)
class Served:
    """Who serves a host for a caller: the app, and what the caller's connection met on its way there."""

    app: ASGIApp
    arrival: Arrival


Route = Callable[[str, Location], Served | Refusal]
"""route(host lower-cased without port, location) -> the app that serves it, or why not."""

Locate = Callable[[str | None], Location | Refusal]
"""locate(Proxy-Authorization header value or None) -> where the caller is, or why it may not call."""


class HostRoutes:
    """A `route` over a fixed table: exact host names, and `*.suffix` patterns for a family of hosts.

    Exact names win over patterns; among patterns the longest suffix wins. Any other host is refused.
    """

    def __init__(self, table: Mapping[str, ASGIApp]) -> None:
        self._exact: dict[str, ASGIApp] = {}
        self._suffixes: list[tuple[str, ASGIApp]] = []
        for pattern, app in table.items():
            pattern = pattern.lower()
            if pattern.startswith("*."):
                self._suffixes.append((pattern[1:], app))
            else:
                self._exact[pattern] = app
        self._suffixes.sort(key=lambda item: len(item[0]), reverse=True)

    def __call__(self, host: str, location: Location) -> Served | Refusal:
        app = self.app_for(host)
        return Refusal.unknown_host(host) if app is None else Served(app, Arrival(location, host))

    def app_for(self, host: str) -> ASGIApp | None:
        app = self._exact.get(host)
        if app is not None:
            return app
        for suffix, app in self._suffixes:
            if host.endswith(suffix) and len(host) > len(suffix):
                return app
        return None

"""One parsed request as the dispatcher sees it, and who serves it (the app, the caller's location, the host)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vaultlink.core.asgi import ASGIApp
from vaultlink.edge.hostroutes import Refusal
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import Location


@dataclass(frozen=True)
class Target:
    """Who serves a request: the app, the caller's arrival (its location and the host it asked for), and the
    port the client asked for."""

    app: ASGIApp
    arrival: Arrival
    port: int

    @property
    def location(self) -> Location:
        return self.arrival.location

    @property
    def host(self) -> str:
        return self.arrival.host


class Request:
    """One parsed request, as the dispatcher sees it."""

    __slots__ = (
        "absolute",
        "body",
        "continue_pending",
        "error",
        "headers",
        "host",
        "http_version",
        "keep_alive",
        "method",
        "port",
        "proxy_authorization",
        "query",
        "raw_path",
        "target",
    )  # fmt: skip

    def __init__(self, method: str, http_version: str, target: bytes, headers: list[tuple[bytes, bytes]]):
        self.method = method
        self.http_version = http_version
        self.target = target
        """The request-target as sent: origin form (/path?q) or absolute form (http://host/path?q)."""
        self.headers = headers
        """Lower-cased names, in order."""
        self.raw_path = b"/"
        self.query = b""
        self.host = ""
        """Lower-cased, without port: from an absolute-form target, else from the Host header ("" if none)."""
        self.port: int | None = None
        self.absolute = False
        """An absolute-form target: the client talks to the edge as to an HTTP proxy."""
        self.proxy_authorization: str | None = None
        self.body = b""
        self.keep_alive = http_version != "1.0"
        self.continue_pending = False
        self.error: tuple[int, str, str] | None = None
        """(status, code, message) when the edge answers itself instead of an app."""


Dispatch = Callable[[Request], Target | Refusal]

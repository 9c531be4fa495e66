"""One line per request served through the edge, for `vaultlink up -v`.

The line names what a reader needs to follow a conversation: the method, host and path, the api-version,
the status, where the caller is (the internet or a machine), how long the answer took, and the request id
that `vaultlink why` and Azure's own support take. It never names what a request carries: not its body
(secret values, keys, passwords), not its headers (bearer tokens, proxy credentials), not its query string
beyond the api-version (a query can hold a code or a token in OAuth flows).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import parse_qs

from vaultlink.edge.hostroutes import Refusal
from vaultlink.edge.request import Request, Target

log = logging.getLogger("vaultlink.requests")
"""Silent unless `vaultlink up -v` sets it to INFO."""


def enabled() -> bool:
    return log.isEnabledFor(logging.INFO)


def record(request: Request, target: Target | Refusal | None, status: int,
           headers: Iterable[tuple[bytes, bytes]], seconds: float) -> None:
    """Logs the request's line (the caller calls `enabled()` first, to spend nothing when it is off)."""
    where = target.location.describe() if isinstance(target, Target) else "-"
    log.info("%s %s %s api-version=%s %d from %s in %.1f ms request-id %s", request.method, request.host or "-",
             request.raw_path.decode("latin-1"), _api_version(request.query), status, where, seconds * 1000,
             _request_id(headers))


def record_refused_connect(host: str, port: int | None, where: str, status: int) -> None:
    """Logs a CONNECT the edge refused (an unknown host, a host that does not resolve from the caller's network,
    a proxy credential it did not hand out): the request never reaches an app, but it is a request."""
    log.info("CONNECT %s:%d - api-version=- %d from %s in 0.0 ms request-id -", host, port or 443, status, where)


def _api_version(query: bytes) -> str:
    values = parse_qs(query.decode("latin-1")).get("api-version")
    return values[0] if values else "-"


def _request_id(headers: Iterable[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() in (b"x-ms-request-id", b"request-id"):
            return value.decode("latin-1")
    return "-"

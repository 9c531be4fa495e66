"""The ASGI glue every plane shares: reading a bounded body, the request's parts, sending a JSON answer.

Standard library only; each plane's app builds its own pipeline on these.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

from vaultlink.core import errors
from vaultlink.core.asgi import Receive, Scope, Send

T = TypeVar("T")


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; RequestEntityTooLarge past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise errors.RequestEntityTooLarge(size=size, limit=limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def path_of(scope: Scope) -> str:
    return unquote(scope["path"])


def query_of(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))


def headers_of(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def host_of(headers: dict[str, str], default: str) -> str:
    """The host the client used, with its port if it named one (URLs we hand back must use it)."""
    return headers.get("host", default)


EXTENSION = "vaultlink.arrival"
"""The scope's extension that carries what the edge found on the caller's way in (a network.Arrival)."""


def extension(scope: Scope, kind: type[T]) -> T | None:
    """The value the edge put in the scope, if it is a `kind` (the planes ask for network.Arrival)."""
    value = scope.get("extensions", {}).get(EXTENSION)
    return value if isinstance(value, kind) else None


async def send_json(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None, *, head: bool = False
) -> None:
    """One JSON answer (or none, for body None) with Content-Length, in two ASGI messages."""
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    out = [(b"content-length", str(len(payload)).encode())]
    if body is not None:
        out.append((b"content-type", b"application/json; charset=utf-8"))
    out += headers or []
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": b"" if head else payload})

"""The shapes the edge speaks: ASGI 3 (the apps behind it) and the byte pipe HTTP runs over.

The ASGI names match starlette's, so any starlette app (or a plain ASGI callable) is an `ASGIApp` here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Pipe(Protocol):
    """Where an HTTP conversation writes its bytes: a TCP transport, or the TLS layer over one."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None:
        """Flush what was written, then close the connection."""
        ...

    def shutdown_write(self) -> None:
        """Flush what was written and tell the peer it is all, but keep reading."""
        ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

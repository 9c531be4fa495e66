"""The byte pipe HTTP runs over at the edge (the ASGI shapes of the apps behind it are `core/asgi.py`)."""

from __future__ import annotations

from typing import Protocol


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

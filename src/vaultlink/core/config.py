"""Where vaultlink keeps its state and where it listens."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
UNREACHABLE_504, UNREACHABLE_TIMEOUT = "504", "timeout"


@dataclass(frozen=True)
class Config:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("VAULTLINK_DATA_DIR", ".vaultlink")))
    store_url: str | None = None
    """None means the embedded SQLite file in the data directory; postgresql://... selects PostgreSQL."""
    host: str = LOOPBACK
    proxy_port: int = 8443
    dns_port: int = 8053
    async_operations: bool = False
    """When set, long-running ARM operations answer 201/202 with Azure-AsyncOperation and Location headers."""
    max_body_bytes: int = 4 * 1024 * 1024
    head_timeout: float = 60.0
    """Seconds a request's line and headers may take (from a connection's first byte, for its first request)."""
    body_timeout: float = 60.0
    """Seconds a request's body may take after its head."""
    throttle: bool = False
    """When set, the data plane enforces Azure's per-vault request limits (429 Throttled)."""
    unreachable: str = UNREACHABLE_504
    """What a connection to an address nobody holds meets: a 504 at once, or (UNREACHABLE_TIMEOUT) silence until
    the client's own timeout fires."""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "vaultlink.db"

    @property
    def effective_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.sqlite_path}"

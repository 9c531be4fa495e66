"""What the data plane knows of a vault: the control plane's settings, as a value.

The runtime hands the data plane a `VaultLookup` built over the control plane's records, so this room never
reads another room's storage layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class VaultInfo:
    name: str
    id: str
    instance: str
    """Stable across soft delete and recovery, new when a purged name is used again: objects are kept under it."""
    tenant_id: str
    subscription_id: str
    location: str
    rbac: bool
    access_policies: tuple[dict[str, Any], ...] = ()
    soft_delete_days: int = 90
    purge_protection: bool = False
    public_network_access: str = "Enabled"
    network_acls: dict[str, Any] = field(default_factory=dict)

    @property
    def recovery_level(self) -> str:
        base = "Recoverable" if self.purge_protection else "Recoverable+Purgeable"
        return base if self.soft_delete_days >= 90 else f"Customized{base}"


class VaultLookup(Protocol):
    def __call__(self, name: str) -> VaultInfo | None:
        """The live (not soft-deleted) vault of that name, or None."""
        ...

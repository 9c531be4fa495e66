"""The data plane's view of a vault, read from the control plane's records (where the two planes meet).

Every request looks its vault up, so the answers are kept, keyed by the topology generation: the store
record that every control-plane write bumps (`Snapshots.changed`, in whichever process made the write). One
small read of that record per lookup replaces the two records a vault is built from, and a write through
any process sharing the store is seen by the next request, as before.
"""

from __future__ import annotations

from vaultlink.arm.providers.keyvault import deleted
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.runtime.topology import GENERATION
from vaultlink.store import Store
from vaultlink.vault.model import VaultInfo

CACHE_LIMIT = 10_000


class VaultDirectory:
    """`VaultLookup` over the store: the live vault holding a name."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._generation = -1
        self._known: dict[str, VaultInfo | None] = {}

    def __call__(self, name: str) -> VaultInfo | None:
        key = name.lower()
        rec = self.store.get(*GENERATION)
        generation = rec.version if rec else 0
        if generation != self._generation:
            self._known = {}
            self._generation = generation
        elif key in self._known:
            return self._known[key]
        found = self._read(key)
        if len(self._known) >= CACHE_LIMIT:
            self._known = {}
        self._known[key] = found
        return found

    def _read(self, name: str) -> VaultInfo | None:
        index = self.store.get(deleted.NAME, name)
        if index is None or index.body.get("state") != deleted.ACTIVE:
            return None
        rid = ResourceId.parse(index.body["vaultId"])
        rec = self.store.get(RESOURCE, rid.key)
        if rec is None:
            return None
        props = rec.body["properties"]
        return VaultInfo(
            name=rec.body["name"],
            id=rec.body["id"],
            instance=str(index.body.get("instance") or rid.key),
            tenant_id=props["tenantId"],
            subscription_id=rid.subscription,
            location=rec.body["location"],
            rbac=bool(props.get("enableRbacAuthorization", False)),
            access_policies=tuple(props.get("accessPolicies") or ()),
            soft_delete_days=int(props.get("softDeleteRetentionInDays", 90)),
            purge_protection=bool(props.get("enablePurgeProtection", False)),
            public_network_access=str(props.get("publicNetworkAccess", "Enabled")),
            network_acls=dict(props.get("networkAcls") or {}),
        )

"""The data plane's view of a vault, read from the control plane's records (where the two planes meet).

Every request looks its vault up, so the answers are kept, keyed by the topology generation: the store
record that every control-plane write bumps (`Snapshots.changed`, in whichever process made the write). One
small read of that record replaces the two records a vault is built from, and it is read once per burst:
the requests the event loop runs in one pass over its ready callbacks arrived together, before any of them
was answered, so they may all see the vault as it was when the first of them looked. A request sent after a
write's answer arrived comes in a later pass and reads the generation again, so a write through any process
sharing the store is seen by every request that follows it, as before.
"""

from __future__ import annotations

import asyncio

from vaultlink.arm.projection import GENERATION
from vaultlink.arm.providers.keyvault import deleted
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.store import Store
from vaultlink.vault.model import VaultInfo

CACHE_LIMIT = 10_000


class VaultDirectory:
    """`VaultLookup` over the store: the live vault holding a name."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._generation = -1
        self._known: dict[str, VaultInfo | None] = {}
        self._in_burst = False

    def _end_burst(self) -> None:
        self._in_burst = False

    def _current_generation(self) -> int:
        if self._in_burst:
            return self._generation
        rec = self.store.get(*GENERATION)
        try:
            asyncio.get_running_loop().call_soon(self._end_burst)
            self._in_burst = True
        except RuntimeError:  # no event loop: every lookup reads the generation
            pass
        return rec.version if rec else 0

    def __call__(self, name: str) -> VaultInfo | None:
        key = name.lower()
        generation = self._current_generation()
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

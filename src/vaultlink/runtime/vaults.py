"""The data plane's view of a vault, read from the control plane's records (where the two planes meet)."""

from __future__ import annotations

from vaultlink.arm.providers.keyvault import deleted
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.store import Store
from vaultlink.vault.model import VaultInfo


class VaultDirectory:
    """`VaultLookup` over the store: the live vault holding a name."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, name: str) -> VaultInfo | None:
        index = self.store.get(deleted.NAME, name.lower())
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

"""Wire shapes of Microsoft.KeyVault, as Azure answers them."""

from __future__ import annotations

from typing import Any

from vaultlink.arm import privatelink
from vaultlink.core.ids import ResourceId


def vault(body: dict[str, Any], connections: list[dict[str, Any]]) -> dict[str, Any]:
    """A stored vault with its private endpoint connections as the vault lists them: {id, etag, properties}."""
    out = dict(body)
    props = dict(body["properties"])
    if connections:
        props["privateEndpointConnections"] = [
            {"id": c["id"], "etag": c.get("etag", ""), "properties": c["properties"]} for c in connections
        ]
    out["properties"] = props
    return out


def deleted_vault_id(subscription: str, location: str, name: str) -> str:
    return f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"


def deleted_vault(vault_body: dict[str, Any], subscription: str, deletion_date: str, purge_date: str) -> dict[str, Any]:
    props = vault_body["properties"]
    return {
        "id": deleted_vault_id(subscription, vault_body["location"], vault_body["name"]),
        "name": vault_body["name"],
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": {
            "vaultId": vault_body["id"],
            "location": vault_body["location"],
            "deletionDate": deletion_date,
            "scheduledPurgeDate": purge_date,
            "tags": vault_body.get("tags") or {},
            "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
        },
    }


def access_policy_result(vault_id: ResourceId, kind: str, location: str, policies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"{vault_id}/accessPolicies/{kind}",
        "name": kind,
        "type": "Microsoft.KeyVault/vaults/accessPolicies",
        "location": location,
        "properties": {"accessPolicies": policies},
    }


def private_link_resources(vault_id: ResourceId) -> dict[str, Any]:
    target = privatelink.KEY_VAULT
    return {"value": [
        {
            "id": f"{vault_id}/privateLinkResources/{group}",
            "name": group,
            "type": "Microsoft.KeyVault/vaults/privateLinkResources",
            "properties": {
                "groupId": group,
                "requiredMembers": list(target.required_members),
                "requiredZoneNames": list(target.zone_names),
            },
        }
        for group in target.group_ids
    ]}


def disconnected(connection: dict[str, Any]) -> dict[str, Any]:
    """The body a deleted private endpoint connection is answered with."""
    props = dict(connection["properties"])
    props["privateLinkServiceConnectionState"] = privatelink.state(
        privatelink.DISCONNECTED, "Connection removed by the private link resource owner."
    )
    props["provisioningState"] = "Disconnected"
    return {**connection, "properties": props}


def name_available() -> dict[str, Any]:
    return {"nameAvailable": True}


def name_unavailable(reason: str, message: str) -> dict[str, Any]:
    return {"nameAvailable": False, "reason": reason, "message": message}

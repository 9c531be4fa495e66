"""The namespaces and resource types vaultlink serves, as the providers API lists them."""

from __future__ import annotations

from vaultlink.arm import versions
from vaultlink.core.regions import REGIONS

RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "Microsoft.Resources": ("resourceGroups", "subscriptions", "tenants", "locations", "resources", "deployments"),
    "Microsoft.Authorization": ("roleAssignments", "roleDefinitions"),
    "Microsoft.KeyVault": (
        "vaults", "vaults/privateEndpointConnections", "vaults/privateLinkResources", "vaults/accessPolicies",
        "deletedVaults", "locations", "locations/deletedVaults", "locations/operationResults", "checkNameAvailability",
    ),
    "Microsoft.Network": (
        "virtualNetworks", "virtualNetworks/subnets", "privateEndpoints", "privateEndpoints/privateDnsZoneGroups",
        "networkInterfaces", "privateDnsZones", "privateDnsZones/virtualNetworkLinks", "locations",
        "locations/operations", "locations/operationResults",
    ),
    "Microsoft.Compute": ("virtualMachines", "locations", "locations/operations"),
}

REGISTERED_BY_DEFAULT = {"microsoft.resources", "microsoft.authorization", "microsoft.network", "microsoft.compute"}
"""Azure registers these for every new subscription; Microsoft.KeyVault waits for `az provider register`
(or is registered on first use, as ARM does for a caller allowed to register it)."""


def canonical(namespace: str) -> str | None:
    for ns in RESOURCE_TYPES:
        if ns.lower() == namespace.lower():
            return ns
    return None


def resource_types(namespace: str) -> list[dict[str, object]]:
    ns = canonical(namespace) or namespace
    regions = [r.display_name for r in REGIONS.values()]
    return [
        {
            "resourceType": t,
            "locations": regions if t not in ("privateDnsZones", "privateDnsZones/virtualNetworkLinks") else ["global"],
            "apiVersions": list(reversed(versions.supported(ns))),
            "capabilities": "None",
        }
        for t in RESOURCE_TYPES.get(ns, ())
    ]

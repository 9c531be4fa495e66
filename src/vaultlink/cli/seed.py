"""The seed's topology in one call, built through ARM as any client would (the default or any principal's
token, raw REST through the edge): a resource group, a key vault with public network access disabled, a
virtual network and subnet, the private DNS zone `privatelink.vaultcore.azure.net` linked to the network, a
private endpoint to the vault (automatic approval, optionally a second one by manual request that the vault's
owner approves), the vault's A record in the zone, and a machine in the subnet.

`vaultlink demo` and the pytest plugin's `private_vault` both build with `build`; each names its resources
after the vault, so several private vaults can live in one subscription.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultlink.cli.common import fail
from vaultlink.cli.vm import Arm, arm_error

NET, KV, DNS, RG, COMPUTE = "2024-07-01", "2025-05-01", "2024-06-01", "2025-04-01", "2024-07-01"
ZONE = "privatelink.vaultcore.azure.net"
ALL_SECRETS = ["get", "list", "set", "delete", "recover", "backup", "restore", "purge"]
ALL_KEYS = ["get", "list", "create", "update", "import", "delete", "recover", "backup", "restore", "purge",
            "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "rotate", "getrotationpolicy",
            "setrotationpolicy"]
ALL_CERTIFICATES = ["get", "list", "create", "update", "import", "delete", "recover", "backup", "restore", "purge",
                    "managecontacts", "getissuers", "listissuers", "setissuers", "deleteissuers", "manageissuers"]


@dataclass(frozen=True)
class Names:
    """The names of one private vault's resources."""

    vault: str
    group: str
    vnet: str = "vnet"
    subnet: str = "default"
    link: str = "link"
    endpoint: str = "pe"
    machine: str = "vm"
    location: str = "eastus"
    address_space: str = "10.1.0.0/16"
    subnet_prefix: str = "10.1.0.0/24"


@dataclass(frozen=True)
class Built:
    vault_id: str
    vault_url: str
    vnet_id: str
    subnet_id: str
    zone_id: str
    endpoint_ids: tuple[str, ...]
    endpoint_addresses: tuple[str, ...]
    machine_id: str


def must(result: tuple[int, dict[str, Any]], what: str) -> dict[str, Any]:
    status, body = result
    if status >= 400:
        fail(f"{what} failed: {arm_error(status, body)}")
    return body


def build(arm: Arm, subscription: str, tenant: str, principal_object_id: str, names: Names, *,
          manual_endpoint: str | None = None, step: Callable[[str], None] = lambda _: None) -> Built:
    """Creates the private vault's resources in order; `step` hears each one as it is made. `manual_endpoint`
    names a second private endpoint, requested manually and then approved by the vault's owner."""
    n = names
    rg = f"/subscriptions/{subscription}/resourceGroups/{n.group}"
    vault_id = f"{rg}/providers/Microsoft.KeyVault/vaults/{n.vault}"
    vnet_id = f"{rg}/providers/Microsoft.Network/virtualNetworks/{n.vnet}"
    subnet_id = f"{vnet_id}/subnets/{n.subnet}"
    zone_id = f"{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}"

    must(arm.call("PUT", rg, RG, {"location": n.location}), "the resource group")
    step(f"resource group {n.group} ({n.location})")
    must(arm.call("POST", f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/register", RG),
         "registering Microsoft.KeyVault")
    body = must(arm.call("PUT", vault_id, KV, {"location": n.location, "properties": {
        "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled",
        "enableRbacAuthorization": False,
        "accessPolicies": [{"tenantId": tenant, "objectId": principal_object_id, "permissions": {
            "secrets": ALL_SECRETS, "keys": ALL_KEYS, "certificates": ALL_CERTIFICATES}}]}}), "the key vault")
    vault_url = str(body["properties"]["vaultUri"])
    step(f"key vault {n.vault}: {vault_url}, public network access Disabled")
    must(arm.call("PUT", vnet_id, NET, {"location": n.location, "properties": {
        "addressSpace": {"addressPrefixes": [n.address_space]},
        "subnets": [{"name": n.subnet, "properties": {"addressPrefix": n.subnet_prefix}}]}}), "the virtual network")
    step(f"virtual network {n.vnet} {n.address_space} with subnet {n.subnet} {n.subnet_prefix}")
    must(arm.call("PUT", zone_id, DNS, {"location": "global"}), "the private DNS zone")
    must(arm.call("PUT", f"{zone_id}/virtualNetworkLinks/{n.link}", DNS, {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}), "the zone link")
    step(f"private DNS zone {ZONE}, linked to {n.vnet}")
    endpoints = [(n.endpoint, "privateLinkServiceConnections")]
    if manual_endpoint:
        endpoints.append((manual_endpoint, "manualPrivateLinkServiceConnections"))
    ids, addresses = [], []
    for name, collection in endpoints:
        pe = must(arm.call("PUT", f"{rg}/providers/Microsoft.Network/privateEndpoints/{name}", NET, {
            "location": n.location, "properties": {"subnet": {"id": subnet_id}, collection: [{
                "name": f"{name}-conn", "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}),
            f"the private endpoint {name}")
        status = pe["properties"][collection][0]["properties"]["privateLinkServiceConnectionState"]["status"]
        ids.append(str(pe["id"]))
        addresses.append(str(pe["properties"]["customDnsConfigs"][0]["ipAddresses"][0]))
        kind = "manual request" if collection.startswith("manual") else "automatic"
        step(f"private endpoint {name} ({kind}): {status}, network interface {addresses[-1]}")
    if manual_endpoint:
        connections = must(arm.call("GET", f"{vault_id}/privateEndpointConnections", KV), "listing the connections")
        pending = next(c for c in connections["value"]
                       if c["properties"]["privateEndpoint"]["id"].lower() == ids[-1].lower())
        approved = must(arm.call("PUT", pending["id"], KV, {"properties": {"privateLinkServiceConnectionState": {
            "status": "Approved", "description": "approved by the vault's owner"}}}), "approving the manual connection")
        step(f"the vault's owner approves {pending['name']}: "
             f"{approved['properties']['privateLinkServiceConnectionState']['status']}")
    must(arm.call("PUT", f"{zone_id}/A/{n.vault}", DNS, {"properties": {"ttl": 600, "aRecords": [
        {"ipv4Address": addresses[0]}]}}), "the A record")
    step(f"A record {n.vault} -> {addresses[0]} (TTL 600) in {ZONE}")
    machine = must(arm.call("PUT", f"{rg}/providers/Microsoft.Compute/virtualMachines/{n.machine}", COMPUTE, {
        "location": n.location, "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}, "networkProfile": {
            "networkApiVersion": NET, "networkInterfaceConfigurations": [{"name": f"{n.machine}-nic", "properties": {
                "primary": True, "deleteOption": "Delete", "ipConfigurations": [{"name": "ipconfig1", "properties": {
                    "subnet": {"id": subnet_id}}}]}}]}}}), "the machine")
    step(f"machine {n.machine} in {n.vnet}/{n.subnet}")
    return Built(vault_id, vault_url, vnet_id, subnet_id, zone_id, tuple(ids), tuple(addresses), str(machine["id"]))

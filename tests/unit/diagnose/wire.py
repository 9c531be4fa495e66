"""The seed's topology as ARM wire resources (what GET {id} answers), for the checks' unit tests and the
benchmark: a vault, a network with a subnet, a private endpoint with its NIC, the privatelink zone linked to
the network with the vault's A record, and a machine in the network."""

from __future__ import annotations

from typing import Any

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg1"
NET = f"{RG}/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet1"
SUBNET = f"{VNET}/subnets/default"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/fabrikam"
PE = f"{NET}/privateEndpoints/pe1"
NIC = f"{NET}/networkInterfaces/pe1.nic"
ZONE = f"{NET}/privateDnsZones/privatelink.vaultcore.azure.net"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1"
VM_NIC = f"{NET}/networkInterfaces/vm1-nic"
CALLER = "11111111-2222-3333-4444-555555555555"
SECRETS_USER = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"


def vault(name: str = "fabrikam", *, public: str = "Disabled", default_action: str = "Allow",
          ip_rules: tuple[str, ...] = (), rbac: bool = True, vault_id: str = VAULT) -> dict[str, Any]:
    return {"id": vault_id, "name": name, "type": "Microsoft.KeyVault/vaults", "location": "eastus",
            "properties": {"publicNetworkAccess": public, "enableRbacAuthorization": rbac, "accessPolicies": [],
                           "networkAcls": {"defaultAction": default_action, "bypass": "AzureServices",
                                           "ipRules": [{"value": r} for r in ip_rules], "virtualNetworkRules": []}}}


def vnet(vnet_id: str = VNET, prefix: str = "10.1.0.0/16", subnet_prefix: str = "10.1.0.0/24") -> dict[str, Any]:
    return {"id": vnet_id, "name": vnet_id.rsplit("/", 1)[-1], "type": "Microsoft.Network/virtualNetworks",
            "location": "eastus",
            "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                           "subnets": [{"id": f"{vnet_id}/subnets/default", "name": "default",
                                        "properties": {"addressPrefix": subnet_prefix}}]}}


def endpoint(pe_id: str = PE, nic_id: str = NIC, *, status: str = "Approved", subnet: str = SUBNET,
             vault_id: str = VAULT, address: str = "10.1.0.4") -> list[dict[str, Any]]:
    name = pe_id.rsplit("/", 1)[-1]
    state = {"status": status, "description": f"{status} by the owner", "actionsRequired": "None"}
    return [
        {"id": pe_id, "name": name, "type": "Microsoft.Network/privateEndpoints", "location": "eastus",
         "properties": {"provisioningState": "Succeeded", "subnet": {"id": subnet},
                        "networkInterfaces": [{"id": nic_id}],
                        "privateLinkServiceConnections": [{"name": name, "properties": {
                            "privateLinkServiceId": vault_id, "groupIds": ["vault"],
                            "privateLinkServiceConnectionState": state}}]}},
        {"id": nic_id, "name": nic_id.rsplit("/", 1)[-1], "type": "Microsoft.Network/networkInterfaces",
         "location": "eastus", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
             "privateIPAddress": address, "subnet": {"id": subnet}}}]}},
        {"id": f"{vault_id}/privateEndpointConnections/{name}.1f3c", "name": f"{name}.1f3c",
         "type": "Microsoft.KeyVault/vaults/privateEndpointConnections",
         "properties": {"provisioningState": "Succeeded", "privateEndpoint": {"id": pe_id},
                        "privateLinkServiceConnectionState": state}},
    ]


def zone(name: str = "privatelink.vaultcore.azure.net", zone_id: str | None = None, *,
         links: tuple[str, ...] = (VNET,), records: dict[str, str] | None = None) -> list[dict[str, Any]]:
    zid = zone_id or f"{NET}/privateDnsZones/{name}"
    out: list[dict[str, Any]] = [{"id": zid, "name": name, "type": "Microsoft.Network/privateDnsZones",
                                  "location": "global", "properties": {}}]
    for i, linked in enumerate(links):
        out.append({"id": f"{zid}/virtualNetworkLinks/link{i}", "name": f"link{i}",
                    "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
                    "properties": {"virtualNetwork": {"id": linked}, "registrationEnabled": False}})
    for record, address in (records if records is not None else {"fabrikam": "10.1.0.4"}).items():
        out.append({"id": f"{zid}/A/{record}", "name": record, "type": "Microsoft.Network/privateDnsZones/A",
                    "properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}})
    return out


def machine(address: str = "10.1.0.5") -> list[dict[str, Any]]:
    return [
        {"id": VM, "name": "vm1", "type": "Microsoft.Compute/virtualMachines", "location": "eastus",
         "properties": {"networkProfile": {"networkInterfaces": [{"id": VM_NIC}]}}},
        {"id": VM_NIC, "name": "vm1-nic", "type": "Microsoft.Network/networkInterfaces", "location": "eastus",
         "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
             "privateIPAddress": address, "subnet": {"id": SUBNET}}}]}},
    ]


def assignment(principal: str = CALLER, scope: str = VAULT) -> dict[str, Any]:
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1",
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"principalId": principal, "roleDefinitionId": SECRETS_USER, "scope": scope}}


def seed(**overrides: Any) -> list[dict[str, Any]]:
    return [overrides.get("vault") or vault(), vnet(), *(overrides.get("endpoint") or endpoint()),
            *(overrides.get("zone") if "zone" in overrides else zone()), *machine()]

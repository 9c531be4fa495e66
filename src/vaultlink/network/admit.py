"""admit(topology, vault, landing, location) -> Admission: the vault's network rules, as a value with its reason.

Over a private endpoint: admitted when that endpoint's connection to this vault is Approved, whatever the
public-access and firewall settings. Over the public front end: refused when public network access is
disabled (ForbiddenByConnection); with the firewall's default action Deny, admitted only by an IP rule, a
virtual network rule for a subnet with the Microsoft.KeyVault service endpoint, or the trusted-services bypass
(ForbiddenByFirewall otherwise). Identity and permissions come after, in the data plane.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vaultlink.network.location import Location
from vaultlink.network.route import ENDPOINT, PUBLIC, Landing
from vaultlink.network.topology import ConnectionStatus, Topology, Vault

KEY_VAULT_SERVICE = "microsoft.keyvault"


@dataclass(frozen=True)
class Admission:
    allowed: bool
    rule: str
    reason: str
    client_address: str
    refusal: str | None = None
    """ForbiddenByConnection or ForbiddenByFirewall when refused."""


def client_address(topology: Topology, vault: Vault, landing: Landing, location: Location) -> str:
    """The address the vault sees: the machine's private address over a private endpoint or a service
    endpoint, its public address otherwise."""
    if location.on_internet:
        return location.public_address
    if landing.kind == ENDPOINT:
        return location.private_address or location.public_address
    subnet = topology.subnets.get(location.subnet or "")
    if subnet is not None and KEY_VAULT_SERVICE in (s.lower() for s in subnet.service_endpoints):
        return location.private_address or location.public_address
    return location.public_address


def admit(topology: Topology, vault: Vault, landing: Landing, location: Location) -> Admission:
    seen = client_address(topology, vault, landing, location)
    if landing.kind == ENDPOINT and landing.endpoint is not None:
        mine = [c for c in landing.endpoint.connections if c.vault_id == vault.id]
        if not mine:
            return Admission(False, "private endpoint", f"the private endpoint {landing.endpoint.id} connects to another "
                             f"resource, not to {vault.name}", seen, "ForbiddenByConnection")
        if mine[0].status != ConnectionStatus.APPROVED:
            return Admission(False, "private endpoint", f"the private endpoint {landing.endpoint.id} reaches "
                             f"{vault.name}, but its connection is {mine[0].status}, not Approved", seen,
                             "ForbiddenByConnection")
        return Admission(True, "private endpoint", f"over the approved private endpoint {landing.endpoint.id}", seen)
    if landing.kind != PUBLIC:
        return Admission(False, "route", landing.reason, seen, "ForbiddenByConnection")
    if vault.public_network_access.lower() == "disabled":
        return Admission(False, "publicNetworkAccess", f"{vault.name} has public network access disabled and the "
                         "request came over its public endpoint, not an approved private endpoint", seen,
                         "ForbiddenByConnection")
    if vault.default_action.lower() != "deny":
        return Admission(True, "networkAcls.defaultAction", "the firewall's default action is Allow", seen)
    address = ipaddress.ip_address(seen)
    for rule in vault.ip_rules:
        if address in ipaddress.ip_network(rule, strict=False):
            return Admission(True, "networkAcls.ipRules", f"the IP rule {rule} matches the client address {seen}", seen)
    if location.subnet is not None and location.subnet in vault.vnet_rules:
        subnet = topology.subnets.get(location.subnet)
        if subnet is not None and KEY_VAULT_SERVICE in (s.lower() for s in subnet.service_endpoints):
            return Admission(True, "networkAcls.virtualNetworkRules",
                             f"the virtual network rule for {location.subnet} admits it", seen)
    return Admission(False, "networkAcls.defaultAction", f"the firewall denies by default and no IP rule or virtual "
                     f"network rule matches the client address {seen}", seen, "ForbiddenByFirewall")

"""route(topology, location, address) -> Landing: where a connection to an address ends up.

A region's public Key Vault address lands on the public front end (the vault is then chosen by the host
name the client asked for). A private address lands on a private endpoint only from the endpoint's own
virtual network or one peered with it both ways; from anywhere else, or at an address no endpoint holds,
it lands nowhere, as a connection on a real network would time out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vaultlink.network.location import Location
from vaultlink.network.topology import PrivateEndpoint, Topology, region_address

PUBLIC, ENDPOINT, NOWHERE = "public", "private-endpoint", "nowhere"


@dataclass(frozen=True)
class Landing:
    kind: str
    address: str
    reason: str
    region: str | None = None
    endpoint: PrivateEndpoint | None = None


def route(topology: Topology, location: Location, address: str) -> Landing:
    for region in {v.region for v in topology.vaults.values()} | {"eastus"}:
        if address == region_address(region):
            return Landing(PUBLIC, address, f"{address} is the public Key Vault front end of {region}", region=region)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return Landing(NOWHERE, address, f"'{address}' is not an IP address")
    if location.on_internet:
        why = "a private address, and the internet has no route to it" if ip.is_private else "not an address vaultlink serves"
        return Landing(NOWHERE, address, f"{address} is {why}")
    here = location.virtual_network or ""
    reachable = topology.reachable_vnets(here)
    holders = [pe for pe in topology.endpoints if pe.address == address]
    for pe in holders:  # unpeered networks may reuse one address space: the caller's own network decides
        if pe.subnet.rsplit("/subnets/", 1)[0] in reachable:
            return Landing(ENDPOINT, address, f"{address} is the private endpoint {pe.id}", endpoint=pe)
    if holders:
        pe = holders[0]
        pe_vnet = pe.subnet.rsplit("/subnets/", 1)[0]
        return Landing(NOWHERE, address, f"{address} belongs to the private endpoint {pe.id} in {pe_vnet}, which is "
                       f"not reachable from {here} (the networks are not peered)")
    return Landing(NOWHERE, address, f"no host answers at {address} in the networks reachable from {here}")

"""A snapshot of the network as the model sees it: plain frozen values, projected from the control plane's
records (arm/projection.py), read by resolve, route and admit.

Everything is keyed the way Azure keys it: resource ids lower-cased (`key`), names lower-cased where DNS
compares them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from vaultlink.core.regions import REGIONS


@dataclass(frozen=True)
class Subnet:
    id: str
    prefixes: tuple[str, ...]
    service_endpoints: tuple[str, ...] = ()
    """Service names with an endpoint on this subnet, e.g. Microsoft.KeyVault."""

    @property
    def vnet(self) -> str:
        return self.id.rsplit("/subnets/", 1)[0]

    def contains(self, ip: str) -> bool:
        addr = ipaddress.ip_address(ip)
        return any(addr in ipaddress.ip_network(p, strict=False) for p in self.prefixes)


@dataclass(frozen=True)
class VirtualNetwork:
    id: str
    prefixes: tuple[str, ...]
    dns_servers: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    """Ids of virtual networks peered with this one (traffic flows both ways once both sides peer)."""


class ConnectionStatus(StrEnum):
    """A private endpoint connection's state, as `privateLinkServiceConnectionState.status` spells it."""

    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    DISCONNECTED = "Disconnected"


@dataclass(frozen=True)
class Connection:
    """A private endpoint's connection to a vault, with its approval state."""

    vault_id: str
    status: str
    """A ConnectionStatus (compared as text: the wire may carry a state the model does not name)."""


@dataclass(frozen=True)
class PrivateEndpoint:
    id: str
    subnet: str
    address: str
    connections: tuple[Connection, ...]


@dataclass(frozen=True)
class Machine:
    id: str
    name: str
    subnet: str
    address: str
    public_address: str


@dataclass(frozen=True)
class RecordSet:
    type: str
    ttl: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class ZoneLink:
    vnet: str
    resolution_policy: str = "Default"
    id: str = ""
    """The link resource's key."""
    registers: bool = False
    """registrationEnabled: the zone holds records for the network's machines."""


@dataclass(frozen=True)
class PrivateZone:
    id: str
    name: str
    links: tuple[ZoneLink, ...]
    records: Mapping[tuple[str, str], RecordSet] = field(default_factory=dict)
    """(relative name lower-cased, '@' for the apex; record type) -> record."""

    def link_for(self, vnet: str) -> ZoneLink | None:
        for link in self.links:
            if link.vnet == vnet:
                return link
        return None


@dataclass(frozen=True)
class Vault:
    name: str
    id: str
    region: str
    public_network_access: str = "Enabled"
    default_action: str = "Allow"
    bypass: str = "AzureServices"
    ip_rules: tuple[str, ...] = ()
    vnet_rules: tuple[str, ...] = ()
    """Subnet ids (lower-cased) allowed through the firewall by virtual network rules."""


@dataclass(frozen=True)
class Topology:
    vnets: Mapping[str, VirtualNetwork] = field(default_factory=dict)
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    endpoints: tuple[PrivateEndpoint, ...] = ()
    machines: Mapping[str, Machine] = field(default_factory=dict)
    zones: tuple[PrivateZone, ...] = ()
    vaults: Mapping[str, Vault] = field(default_factory=dict)
    """By lower-cased vault name."""

    def vault_endpoints(self, vault_id: str) -> list[tuple[PrivateEndpoint, Connection]]:
        return list(self._endpoints_by_vault.get(vault_id, ()))

    @cached_property
    def _endpoints_by_vault(self) -> dict[str, list[tuple[PrivateEndpoint, Connection]]]:
        """Built once per snapshot, so that a lookup does not scan every endpoint (the DNS server and the edge
        ask per query and per request)."""
        index: dict[str, list[tuple[PrivateEndpoint, Connection]]] = {}
        for pe in self.endpoints:
            for c in pe.connections:
                index.setdefault(c.vault_id, []).append((pe, c))
        return index

    @cached_property
    def vault_regions(self) -> frozenset[str]:
        """The regions that hold at least one vault."""
        return frozenset(v.region for v in self.vaults.values())

    def reachable_vnets(self, vnet: str) -> set[str]:
        """A network and the networks peered with it both ways."""
        out = {vnet}
        here = self.vnets.get(vnet)
        if here is not None:
            for peer in here.peers:
                other = self.vnets.get(peer)
                if other is not None and vnet in other.peers:
                    out.add(peer)
        return out


def region_address(region: str) -> str:
    """The public address of a region's Key Vault front end, from a documentation range (never dialled)."""
    names = sorted(REGIONS)
    index = names.index(region) if region in names else len(names)
    return f"198.51.100.{10 + index}"


@dataclass(frozen=True)
class PublicChain:
    """The names Azure's public DNS chains a region's vault names through, after the vault's own name and its
    privatelink alias: two vaultcore.azure.net aliases, then the region's Key Vault front end, whose A record is
    the public address."""

    cluster: str
    """data-prod-<code>.vaultcore.azure.net"""
    region: str
    """data-prod-<code>-region.vaultcore.azure.net"""
    front: str
    """azkms-prod-<code>-b.<region>.cloudapp.azure.com"""


def public_chain(region: str) -> PublicChain:
    """The chain for a region, spelled with its short code in Key Vault's DNS (core/regions.py names the sources)."""
    code = REGIONS[region].dns_code if region in REGIONS else region
    return PublicChain(f"data-prod-{code}.vaultcore.azure.net", f"data-prod-{code}-region.vaultcore.azure.net",
                       f"azkms-prod-{code}-b.{region}.cloudapp.azure.com")

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
    gateway_peers: tuple[str, ...] = ()
    """Ids of peered networks whose VPN gateway this one uses (useRemoteGateways here, allowGatewayTransit
    there): the sites connected to that gateway reach this network too."""


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
class InboundEndpoint:
    """A DNS Private Resolver's inbound endpoint: an address in its network that answers as that network's
    Azure-provided DNS does."""

    id: str
    vnet: str
    address: str


@dataclass(frozen=True)
class ForwardingRule:
    domain: str
    """Lower-cased, without the trailing dot; "" is the wildcard rule ".", which matches every name."""
    targets: tuple[str, ...]
    """`address:port` of each target DNS server, in order."""
    enabled: bool = True

    def matches(self, name: str) -> bool:
        return self.enabled and (not self.domain or name == self.domain or name.endswith("." + self.domain))


@dataclass(frozen=True)
class Ruleset:
    """A DNS forwarding ruleset: its rules, the network its outbound endpoint sends from, the networks linked."""

    id: str
    vnet: str
    """The network of the resolver whose outbound endpoint the ruleset uses: forwarded queries leave from it."""
    rules: tuple[ForwardingRule, ...]
    links: tuple[str, ...]
    """Ids of the virtual networks linked to the ruleset."""


def longest_match(rules: tuple[ForwardingRule, ...], name: str) -> ForwardingRule | None:
    """The enabled rule with the longest domain that contains the name (the wildcard matches last)."""
    best: ForwardingRule | None = None
    for rule in rules:
        if rule.matches(name) and (best is None or len(rule.domain) > len(best.domain)):
            best = rule
    return best


@dataclass(frozen=True)
class Site:
    """An on-premises network: its address space, the DNS server its machines ask (conditional forwarders and
    an upstream), and the virtual networks a VPN gateway connection joins it to."""

    name: str
    """Lower-cased; the view of its DNS server is `site_view(name)`."""
    prefixes: tuple[str, ...]
    dns_address: str
    forwarders: tuple[ForwardingRule, ...] = ()
    """Conditional forwarders, zone -> targets (the longest zone wins, as with rulesets)."""
    iterative: bool = False
    """True: the server resolves from the root itself and chases each CNAME (so a forwarder for a CNAME's
    target applies). False: names no forwarder covers go to an upstream forwarder that returns whole chains."""
    vnets: tuple[str, ...] = ()
    """Virtual networks with a Connected VPN gateway connection to the site."""
    public_address: str = "203.0.113.80"


SITE_PREFIX = "site:"


def site_view(name: str) -> str:
    return SITE_PREFIX + name.lower()


DNS_PORT = 53


@dataclass(frozen=True)
class Topology:
    vnets: Mapping[str, VirtualNetwork] = field(default_factory=dict)
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    endpoints: tuple[PrivateEndpoint, ...] = ()
    machines: Mapping[str, Machine] = field(default_factory=dict)
    zones: tuple[PrivateZone, ...] = ()
    vaults: Mapping[str, Vault] = field(default_factory=dict)
    """By lower-cased vault name."""
    inbound_endpoints: tuple[InboundEndpoint, ...] = ()
    rulesets: tuple[Ruleset, ...] = ()
    sites: Mapping[str, Site] = field(default_factory=dict)
    """By lower-cased site name."""

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

    def sites_of(self, vnet: str) -> list[Site]:
        """The sites a VPN gateway connection joins to the network, or to a peered network whose gateway it
        uses (gateway transit)."""
        here = self.vnets.get(vnet)
        via = {g for g in (here.gateway_peers if here else ()) if g in self.reachable_vnets(vnet, sites=False)}
        return [s for s in self.sites.values() if vnet in s.vnets or via & set(s.vnets)]

    def reachable_vnets(self, vnet: str, *, sites: bool = True) -> set[str]:
        """The places traffic from a place reaches: a network, the networks peered with it both ways (no
        further: peering is not transitive) and the sites a VPN connection joins to it or to the peer whose
        gateway it uses; a site (`site:<name>`), itself, the networks it is connected to and the networks using
        their gateways (gateway transit)."""
        out = {vnet}
        if vnet.startswith(SITE_PREFIX):
            site = self.sites.get(vnet[len(SITE_PREFIX):])
            if site is None:
                return out
            transit = {key for key, v in self.vnets.items() if set(v.gateway_peers) & set(site.vnets)
                       and any(site_view(s.name) == vnet for s in self.sites_of(key))}
            return out | set(site.vnets) | transit
        if sites:
            out |= {site_view(s.name) for s in self.sites_of(vnet)}
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

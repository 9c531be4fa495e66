"""resolve(topology, view, name, type) -> Answer: what Azure DNS answers from a place.

`view` is the virtual network whose Azure-provided resolver asks (None: the internet). Public names follow
Key Vault's CNAME chain; once a vault has an approved private endpoint, its chain passes through
`<vault>.privatelink.vaultcore.azure.net`, and a network linked to a private zone of that name gets the zone's
record there instead of the public answer (or NXDOMAIN when the zone has no record, unless the link's
resolution policy is NxDomainRedirect). Every hop is explained in `reasons`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from vaultlink.network.paths import dns_server_at, place_of
from vaultlink.network.topology import (
    SITE_PREFIX,
    ConnectionStatus,
    ForwardingRule,
    PrivateZone,
    Site,
    Topology,
    longest_match,
    public_chain,
    region_address,
)

VAULT_ZONE = "vault.azure.net"
CORE_ZONE = "vaultcore.azure.net"
PRIVATELINK_ZONE = "privatelink.vaultcore.azure.net"
PUBLIC_TTL = 60
MAX_HOPS = 10
AZURE_SOA = ("ns1-01.azure-dns.com", "azuredns-hostmaster.microsoft.com", 1, 3600, 300, 2419200, 300)
PRIVATE_SOA = ("azureprivatedns.net", "azureprivatedns-host.microsoft.com", 1, 3600, 300, 2419200, 10)
MAX_FORWARDS = 4
"""How many forwarders a query may pass through before it is taken for a loop (answered SERVFAIL)."""
FORWARD_TIMEOUT = 3.0
"""Seconds a DNS server waits on a forwarder that does not answer before it answers SERVFAIL."""


@dataclass(frozen=True)
class RR:
    name: str
    type: str
    ttl: int
    value: str


@dataclass(frozen=True)
class Soa:
    zone: str
    mname: str
    rname: str
    serial: int
    refresh: int
    retry: int
    expire: int
    minimum: int
    ttl: int = 300


@dataclass(frozen=True)
class Answer:
    name: str
    type: str
    rcode: str  # NOERROR, NXDOMAIN, REFUSED, SERVFAIL (a forwarder that never answered: after FORWARD_TIMEOUT)
    records: tuple[RR, ...] = ()
    authority: Soa | None = None
    reasons: tuple[str, ...] = ()

    @property
    def addresses(self) -> list[str]:
        return [r.value for r in self.records if r.type in ("A", "AAAA")]

    @property
    def aliases(self) -> list[str]:
        return [r.name for r in self.records if r.type == "CNAME"]


def _zone_for(zones: list[tuple[PrivateZone, str]], name: str) -> tuple[PrivateZone, str] | None:
    """The longest linked zone containing the name."""
    best: tuple[PrivateZone, str] | None = None
    for zone, policy in zones:
        z = zone.name
        if (name == z or name.endswith("." + z)) and (best is None or len(z) > len(best[0].name)):
            best = (zone, policy)
    return best


def _relative(name: str, zone: str) -> str:
    return "@" if name == zone else name[: -len(zone) - 1]


def _zone_soa(zone: PrivateZone) -> Soa:
    rec = zone.records.get(("@", "SOA"))
    if rec is not None and rec.values:
        parts = rec.values[0].split()
        if len(parts) == 7:
            serial, refresh, retry, expire, minimum = (int(p) for p in parts[2:])
            return Soa(zone.name, parts[0], parts[1], serial, refresh, retry, expire, minimum, ttl=rec.ttl)
    return Soa(zone.name, *PRIVATE_SOA, ttl=3600)


def _public_soa(name: str) -> Soa:
    zone = VAULT_ZONE if name.endswith(VAULT_ZONE) else CORE_ZONE if name.endswith(CORE_ZONE) else name
    return Soa(zone, *AZURE_SOA)


def resolve(topology: Topology, view: str | None, qname: str, qtype: str = "A", depth: int = 0) -> Answer:
    """`view`: None (the internet), a network id (its Azure-provided DNS: forwarding rulesets linked to it, then
    zones linked to it, then public DNS), or a site's view (`site:<name>`: its DNS server's forwarders, then
    its upstream)."""
    name = qname.lower().rstrip(".")
    qtype = qtype.upper()
    if view is not None and view.startswith(SITE_PREFIX):
        site = topology.sites.get(view[len(SITE_PREFIX):])
        if site is None:
            return Answer(qname, qtype, "REFUSED", reasons=(f"no site {view[len(SITE_PREFIX):]}",))
        return _at_site(topology, site, qname, qtype, depth)
    rulesets = [r for r in topology.rulesets if view in r.links] if view is not None else []
    if qtype == "PTR" and view is not None:
        reverse = _reverse(topology, view, qname, name)
        if reverse is not None:
            return reverse
    zones = []
    if view is not None:
        for zone in topology.zones:
            link = zone.link_for(view)
            if link is not None:
                zones.append((zone, link.resolution_policy))
    records: list[RR] = []
    reasons: list[str] = []
    where = f"virtual network {view}" if view else "the internet"
    for _ in range(MAX_HOPS):
        for ruleset in rulesets:
            rule = longest_match(ruleset.rules, name)
            if rule is not None:
                reasons.append(f"{name}: the forwarding ruleset {ruleset.id}, linked to {where}, forwards "
                               f"'{rule.domain or '.'}' to {', '.join(rule.targets)} through its outbound endpoint")
                return _merge(qname, qtype, records, reasons,
                              _forward(topology, ruleset.vnet, rule, name, qtype, depth))
        hit = _zone_for(zones, name)
        if hit is not None:
            zone, policy = hit
            rel = _relative(name, zone.name)
            wanted = zone.records.get((rel, qtype))
            cname = zone.records.get((rel, "CNAME"))
            if wanted is not None:
                records += [RR(name, qtype, wanted.ttl, v) for v in wanted.values]
                reasons.append(f"{name}: the private zone {zone.name}, linked to {where}, has a {qtype} record")
                return Answer(qname, qtype, "NOERROR", tuple(records), None, tuple(reasons))
            if cname is not None and qtype != "CNAME":
                records.append(RR(name, "CNAME", cname.ttl, cname.values[0]))
                reasons.append(f"{name}: the private zone {zone.name} has a CNAME to {cname.values[0]}")
                name = cname.values[0].lower().rstrip(".")
                continue
            if any(k[0] == rel for k in zone.records):
                reasons.append(f"{name}: the private zone {zone.name} has this name but no {qtype} record")
                return Answer(qname, qtype, "NOERROR", tuple(records), _zone_soa(zone), tuple(reasons))
            if policy == "NxDomainRedirect":
                reasons.append(f"{name}: no record in the private zone {zone.name}; its link's resolution policy "
                               "NxDomainRedirect falls back to public resolution")
            else:
                reasons.append(f"{name}: the private zone {zone.name} is linked to {where} but has no record "
                               f"'{rel}', so Azure DNS answers NXDOMAIN (add the A record, or set the link's "
                               "resolution policy to NxDomainRedirect)")
                return Answer(qname, qtype, "NXDOMAIN", tuple(records), _zone_soa(zone), tuple(reasons))
        step = _public_step(topology, name, qtype, reasons)
        if step is None:
            return Answer(qname, qtype, "NXDOMAIN", tuple(records), _public_soa(name), tuple(reasons))
        if step == "REFUSED":
            return Answer(qname, qtype, "REFUSED", tuple(records), None, tuple(reasons))
        if step == "NODATA" or isinstance(step, str):
            return Answer(qname, qtype, "NOERROR", tuple(records), _public_soa(name), tuple(reasons))
        rr = step
        if rr.type == "CNAME" and qtype != "CNAME":
            records.append(rr)
            name = rr.value
            continue
        if rr.type == qtype:
            records.append(rr)
            return Answer(qname, qtype, "NOERROR", tuple(records), None, tuple(reasons))
        return Answer(qname, qtype, "NOERROR", tuple(records), _public_soa(name), tuple(reasons))
    reasons.append("the CNAME chain is too long")
    return Answer(qname, qtype, "NOERROR", tuple(records), None, tuple(reasons))


def _merge(qname: str, qtype: str, records: list[RR], reasons: list[str], rest: Answer) -> Answer:
    """The records and reasons so far, followed by another server's answer for the rest of the chain."""
    return Answer(qname, qtype, rest.rcode, (*records, *rest.records), rest.authority, (*reasons, *rest.reasons))


def _forward(topology: Topology, place: str, rule: ForwardingRule, name: str, qtype: str, depth: int) -> Answer:
    """A query for `name` sent from `place` to the rule's targets, in order: the first server that a path
    reaches answers; when none does, the asker times out (SERVFAIL after FORWARD_TIMEOUT)."""
    if depth >= MAX_FORWARDS:
        return Answer(name, qtype, "SERVFAIL", reasons=(f"{name}: forwarded {depth} times, a forwarding loop",))
    for target in rule.targets:
        server = dns_server_at(topology, place, target)
        if server is not None:
            answer = resolve(topology, server.view, name, qtype, depth + 1)
            return dataclasses.replace(answer, reasons=(f"{name}: {target} is {server.description}", *answer.reasons))
    why = (f"{name}: nothing answers at {', '.join(rule.targets)} from {place_of(place)} (no peering or VPN "
           f"connection leads there, or no DNS server holds the address), so the query times out after "
           f"{FORWARD_TIMEOUT:g} s")
    return Answer(name, qtype, "SERVFAIL", reasons=(why,))


def _at_site(topology: Topology, site: Site, qname: str, qtype: str, depth: int) -> Answer:
    """A site's DNS server: a conditional forwarder for the name (longest zone), else its upstream. A server
    that forwards to an upstream gets the whole public chain back in one answer, so a forwarder for a CNAME's
    target is never consulted; one that resolves iteratively chases each CNAME itself, forwarders included."""
    name = qname.lower().rstrip(".")
    view = f"site:{site.name}"
    records: list[RR] = []
    reasons: list[str] = []
    for _ in range(MAX_HOPS):
        rule = longest_match(site.forwarders, name)
        if rule is not None:
            reasons.append(f"{name}: site {site.name}'s DNS server has a conditional forwarder for "
                           f"'{rule.domain}' to {', '.join(rule.targets)}")
            return _merge(qname, qtype, records, reasons, _forward(topology, view, rule, name, qtype, depth))
        public = resolve(topology, None, name, qtype, depth)
        if not site.iterative:
            reasons.append(f"{name}: no conditional forwarder of site {site.name} covers it, so its DNS server asks "
                           "its upstream forwarder, which returns the whole public chain")
            return _merge(qname, qtype, records, reasons, public)
        if not public.records or public.records[0].type != "CNAME" or qtype == "CNAME":
            return _merge(qname, qtype, records, reasons, public)
        hop = public.records[0]
        records.append(hop)
        reasons.append(f"{name}: site {site.name}'s DNS server resolves from the root itself: {name} is an alias of "
                       f"{hop.value}")
        name = hop.value.lower().rstrip(".")
    reasons.append("the CNAME chain is too long")
    return Answer(qname, qtype, "NOERROR", tuple(records), None, tuple(reasons))


def _reverse(topology: Topology, view: str, qname: str, name: str) -> Answer | None:
    """A reverse lookup inside a network of a machine's address: the machine's auto-registered name, when the
    asking network is linked to the zone the machine's network registers in (Azure DNS answers PTR for
    auto-registered machines within the networks that see the zone)."""
    labels = name.removesuffix(".in-addr.arpa").split(".")
    if not name.endswith(".in-addr.arpa") or len(labels) != 4:
        return None
    address = ".".join(reversed(labels))
    for machine in topology.machines.values():
        if machine.address != address:
            continue
        vnet = machine.subnet.rsplit("/subnets/", 1)[0]
        for zone in topology.zones:
            registering, seen = zone.link_for(vnet), zone.link_for(view)
            record = zone.records.get((machine.name.lower(), "A"))
            if registering and registering.registers and seen and record and address in record.values:
                target = f"{machine.name.lower()}.{zone.name}"
                reason = f"{name}: {machine.name}'s address, auto-registered in {zone.name} as {target}"
                return Answer(qname, "PTR", "NOERROR", (RR(name, "PTR", record.ttl, target),), None, (reason,))
    return None


def _public_step(topology: Topology, name: str, qtype: str, reasons: list[str]) -> RR | str | None:
    """One hop of public DNS: the next record for `name`; None for NXDOMAIN, "NODATA" for a name without
    records of that type, "REFUSED" outside Azure."""
    if name.endswith("." + PRIVATELINK_ZONE):
        vault = topology.vaults.get(name[: -len(PRIVATELINK_ZONE) - 1])
        if vault is None or not _has_approved(topology, vault.id):
            reasons.append(f"{name}: public DNS has no such name (no vault with an approved private endpoint)")
            return None
        reasons.append(f"{name}: public DNS points the privatelink name back at the vault's public front end")
        return RR(name, "CNAME", PUBLIC_TTL, public_chain(vault.region).cluster)
    if name.endswith("." + VAULT_ZONE) and name.count(".") == 3:
        vault = topology.vaults.get(name.split(".", 1)[0])
        if vault is None:
            reasons.append(f"{name}: no key vault has this name, so public DNS answers NXDOMAIN")
            return None
        if _has_approved(topology, vault.id):
            reasons.append(f"{name}: the vault has an approved private endpoint, so its public name is an alias of "
                           f"{vault.name}.{PRIVATELINK_ZONE}")
            return RR(name, "CNAME", PUBLIC_TTL, f"{vault.name}.{PRIVATELINK_ZONE}")
        cluster = public_chain(vault.region).cluster
        reasons.append(f"{name}: the vault's public name is an alias of its region's front end {cluster}")
        return RR(name, "CNAME", PUBLIC_TTL, cluster)
    for region in topology.vault_regions | {"eastus"}:
        chain = public_chain(region)
        if name == chain.cluster:
            return RR(name, "CNAME", PUBLIC_TTL, chain.region)
        if name == chain.region:
            return RR(name, "CNAME", PUBLIC_TTL, chain.front)
        if name == chain.front:
            reasons.append(f"{name}: the region's Key Vault front end has the public address {region_address(region)}")
            return RR(name, "A", PUBLIC_TTL, region_address(region)) if qtype == "A" else "NODATA"
    if name.endswith((VAULT_ZONE, CORE_ZONE)):
        reasons.append(f"{name}: no such name in Azure's public zones")
        return None
    reasons.append(f"{name}: vaultlink answers only the Key Vault names it serves and names in linked private zones; "
                   "nothing is forwarded outside this machine")
    return "REFUSED"


def _has_approved(topology: Topology, vault_id: str) -> bool:
    return any(c.status == ConnectionStatus.APPROVED for _, c in topology.vault_endpoints(vault_id))


AZURE_DNS = "168.63.129.16"


def view_for(topology: Topology, vnet: str | None) -> tuple[str | None, str] | None:
    """Whose answers a machine in `vnet` gets: its own network's Azure-provided resolver, or the view of the
    forwarder its custom DNS servers name, when that forwarder's network is reachable (the network itself, or
    one peered with it). None when the custom DNS server answers nobody reachable."""
    if vnet is None:
        return None, "the internet's resolver"
    if vnet.startswith(SITE_PREFIX):
        return vnet, f"the DNS server of {place_of(vnet)}"
    network = topology.vnets.get(vnet)
    servers = network.dns_servers if network else ()
    if not servers or servers[0] == AZURE_DNS:
        return vnet, f"the Azure-provided resolver of {vnet}"
    server = dns_server_at(topology, vnet, servers[0])  # unpeered networks may reuse one address space
    return (server.view, server.description) if server is not None else None

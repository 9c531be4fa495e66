"""Networks beyond one virtual network: peering, DNS Private Resolver inbound endpoints and forwarding rulesets,
on-premises sites with their DNS servers; hand-built cases, then the two properties over random topologies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultlink.network.location import Location
from vaultlink.network.onprem import site_forwarders
from vaultlink.network.resolve import resolve, view_for
from vaultlink.network.route import ENDPOINT, route
from vaultlink.network.topology import (
    Connection,
    ForwardingRule,
    InboundEndpoint,
    Machine,
    PrivateEndpoint,
    PrivateZone,
    RecordSet,
    Ruleset,
    Site,
    Subnet,
    Topology,
    Vault,
    VirtualNetwork,
    ZoneLink,
    region_address,
    site_view,
)

SUB = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network"
ZONE = "privatelink.vaultcore.azure.net"
VAULT_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/fabrikam"
NAME = "fabrikam.vault.azure.net"
PRIVATE = "10.0.0.4"


def vnet_id(i: int) -> str:
    return f"{SUB}/virtualnetworks/v{i}"


def subnet_id(i: int) -> str:
    return f"{vnet_id(i)}/subnets/default"


def inbound_address(i: int) -> str:
    return f"10.{i}.1.4"


def machine_address(i: int) -> str:
    return f"10.{i}.0.10"


def world(n: int = 3, *, linked: tuple[int, ...] = (0,), peers: Mapping[int, tuple[int, ...]] | None = None,
          dns: Mapping[int, str] | None = None, inbound: tuple[int, ...] = (), rulesets: tuple[Ruleset, ...] = (),
          sites: tuple[Site, ...] = (), forwarders: tuple[int, ...] = (),
          gateways: Mapping[int, tuple[int, ...]] | None = None) -> Topology:
    """n networks 10.i.0.0/16; the vault's endpoint at 10.0.0.4 in network 0; the zone linked to `linked`."""
    peers = peers or {}
    dns = dns or {}
    gateways = gateways or {}
    vnets = {vnet_id(i): VirtualNetwork(vnet_id(i), (f"10.{i}.0.0/16",), (dns[i],) if i in dns else (),
                                        tuple(vnet_id(p) for p in peers.get(i, ())),
                                        tuple(vnet_id(g) for g in gateways.get(i, ()))) for i in range(n)}
    machines = {f"m{i}": Machine(f"m{i}", f"dns{i}", subnet_id(i), machine_address(i), "") for i in forwarders}
    records = {("fabrikam", "A"): RecordSet("A", 10, (PRIVATE,))}
    return Topology(
        vnets=vnets, subnets={subnet_id(i): Subnet(subnet_id(i), (f"10.{i}.0.0/24",)) for i in range(n)},
        endpoints=(PrivateEndpoint(f"{SUB}/privateendpoints/pe", subnet_id(0), PRIVATE,
                                   (Connection(VAULT_ID, "Approved"),)),),
        machines=machines,
        zones=(PrivateZone(f"{SUB}/privatednszones/{ZONE}", ZONE, tuple(ZoneLink(vnet_id(i)) for i in linked), records),),
        vaults={"fabrikam": Vault("fabrikam", VAULT_ID, "eastus", public_network_access="Disabled")},
        inbound_endpoints=tuple(InboundEndpoint(f"{SUB}/dnsresolvers/r{i}/inboundendpoints/in", vnet_id(i),
                                                inbound_address(i)) for i in inbound),
        rulesets=rulesets, sites={s.name: s for s in sites},
    )


def site(*, to: str | None = None, zones: tuple[str, ...] = ("vault.azure.net", "vaultcore.azure.net"),
         vnets: tuple[int, ...] = (0,), iterative: bool = False) -> Site:
    forwarders = tuple(ForwardingRule(z, (to,)) for z in zones) if to else ()
    return Site("corp", ("192.168.0.0/16",), "192.168.0.53", forwarders, iterative, tuple(vnet_id(i) for i in vnets))


def addresses(t: Topology, view: str | None) -> list[str]:
    return resolve(t, view, NAME).addresses


# ---- hand-built -------------------------------------------------------------------------------------------

def test_a_spoke_on_azure_dns_gets_the_public_answer_and_the_hubs_inbound_endpoint_the_private_one() -> None:
    hub_and_spoke = {0: (1,), 1: (0,)}
    t = world(2, peers=hub_and_spoke, inbound=(0,))
    assert addresses(t, vnet_id(1)) == [region_address("eastus")]
    custom = world(2, peers=hub_and_spoke, inbound=(0,), dns={1: inbound_address(0)})
    view = view_for(custom, vnet_id(1))
    assert view is not None and view[0] == vnet_id(0)
    assert addresses(custom, view[0]) == [PRIVATE]
    spoke = Location(machine="vm", private_address="10.1.0.5", subnet=subnet_id(1))
    assert route(custom, spoke, PRIVATE).kind == ENDPOINT
    unpeered = world(2, inbound=(0,), dns={1: inbound_address(0)})
    assert view_for(unpeered, vnet_id(1)) is None
    assert route(unpeered, spoke, PRIVATE).kind != ENDPOINT


def test_peering_is_not_transitive() -> None:
    t = world(3, peers={0: (1,), 1: (0, 2), 2: (1,)})
    far = Location(machine="vm", private_address="10.2.0.5", subnet=subnet_id(2))
    near = Location(machine="vm", private_address="10.1.0.5", subnet=subnet_id(1))
    assert route(t, near, PRIVATE).kind == ENDPOINT
    assert route(t, far, PRIVATE).kind != ENDPOINT


def test_a_ruleset_sends_the_longest_matching_suffix_to_its_target() -> None:
    rules = (ForwardingRule("azure.net", ("10.9.9.9",)), ForwardingRule("vault.azure.net", (inbound_address(0),)))
    ruleset = Ruleset(f"{SUB}/dnsforwardingrulesets/rs", vnet_id(0), rules, (vnet_id(1),))
    t = world(2, peers={0: (1,), 1: (0,)}, inbound=(0,), rulesets=(ruleset,))
    answer = resolve(t, vnet_id(1), NAME)
    assert answer.addresses == [PRIVATE] and "forwards 'vault.azure.net'" in answer.reasons[0]
    to_nowhere = dataclasses.replace(ruleset, rules=rules[:1])
    timed_out = resolve(world(2, inbound=(0,), rulesets=(to_nowhere,)), vnet_id(1), NAME)
    assert timed_out.rcode == "SERVFAIL" and "times out" in timed_out.reasons[-1]


def test_the_four_on_premises_arrangements() -> None:
    # forwarders for both public zones to an inbound endpoint in a linked, connected network: private
    both = world(1, inbound=(0,), sites=(site(to=inbound_address(0)),))
    assert addresses(both, site_view("corp")) == [PRIVATE]
    corp = Location(public_address="203.0.113.80", machine="onprem", private_address="192.168.1.10",
                    subnet=site_view("corp"))
    assert route(both, corp, PRIVATE).kind == ENDPOINT
    # only privatelink: private when the server chases the CNAME itself, public behind an upstream forwarder
    privatelink = site(to=inbound_address(0), zones=(ZONE,))
    assert addresses(world(1, inbound=(0,), sites=(privatelink,)), site_view("corp")) == [region_address("eastus")]
    chasing = dataclasses.replace(privatelink, iterative=True)
    assert addresses(world(1, inbound=(0,), sites=(chasing,)), site_view("corp")) == [PRIVATE]
    # no connection: the forwarder times out, and the endpoint is out of reach
    cut = world(1, inbound=(0,), sites=(site(to=inbound_address(0), vnets=()),))
    assert resolve(cut, site_view("corp"), NAME).rcode == "SERVFAIL"
    assert route(cut, corp, PRIVATE).kind != ENDPOINT
    # no forwarders: the public answer
    assert addresses(world(1, inbound=(0,), sites=(site(),)), site_view("corp")) == [region_address("eastus")]


def test_gateway_transit_lets_a_spoke_and_the_site_reach_each_other() -> None:
    hub_and_spoke = {0: (1,), 1: (0,)}
    corp = site(to=machine_address(1), vnets=(0,))
    without = world(2, peers=hub_and_spoke, sites=(corp,), forwarders=(1,))
    assert resolve(without, site_view("corp"), NAME).rcode == "SERVFAIL"  # the spoke's forwarder is out of reach
    transit = world(2, peers=hub_and_spoke, sites=(corp,), forwarders=(1,), gateways={1: (0,)})
    assert resolve(transit, site_view("corp"), NAME).rcode == "NOERROR"
    assert site_view("corp") in transit.reachable_vnets(vnet_id(1))


def test_the_on_premises_check_names_each_forwarder_and_whether_its_target_answers_the_zone() -> None:
    t = world(2, inbound=(0, 1), sites=(Site("corp", (), "192.168.0.53", (
        ForwardingRule("vault.azure.net", (inbound_address(0),)), ForwardingRule(ZONE, (inbound_address(1),)),
        ForwardingRule("vaultcore.azure.net", ("10.7.7.7",))), vnets=(vnet_id(0), vnet_id(1))),))
    report = {f.zone: f for f in site_forwarders(t, "corp", ZONE)}
    assert report["vault.azure.net"].targets[0].reached and report["vault.azure.net"].targets[0].has_zone
    assert report[ZONE].targets[0].reached and not report[ZONE].targets[0].has_zone  # network 1 is not linked
    assert not report["vaultcore.azure.net"].targets[0].reached


# ---- the two properties over random topologies -------------------------------------------------------------

N = 4
TARGETS = st.sampled_from([inbound_address(i) for i in range(N)] + [machine_address(i) for i in range(N)] +
                          ["192.168.0.53", "10.99.0.1"])
DOMAINS = st.sampled_from(["vault.azure.net", "vaultcore.azure.net", ZONE, "azure.net", ""])


@st.composite
def topologies(draw: st.DrawFn) -> Topology:
    pairs = draw(st.sets(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1)).filter(lambda p: p[0] != p[1])))
    peers = {i: tuple(b for a, b in pairs if a == i) for i in range(N)}
    dns = draw(st.dictionaries(st.integers(0, N - 1), TARGETS, max_size=N))
    gateways = {i: tuple(b for a, b in draw(st.sets(st.sampled_from(sorted(pairs)))) if a == i)
                for i in range(N)} if pairs else {}
    rulesets = tuple(
        Ruleset(f"{SUB}/dnsforwardingrulesets/rs{k}", vnet_id(draw(st.integers(0, N - 1))),
                tuple(ForwardingRule(d, (draw(TARGETS),)) for d in draw(st.lists(DOMAINS, max_size=3))),
                tuple(vnet_id(i) for i in draw(st.sets(st.integers(0, N - 1)))))
        for k in range(draw(st.integers(0, 2))))
    sites = ()
    if draw(st.booleans()):
        sites = (Site("corp", ("192.168.0.0/16",), "192.168.0.53",
                      tuple(ForwardingRule(d or "net", (draw(TARGETS),)) for d in draw(st.lists(DOMAINS, max_size=3))),
                      draw(st.booleans()), tuple(vnet_id(i) for i in draw(st.sets(st.integers(0, N - 1))))),)
    return world(N, linked=tuple(draw(st.sets(st.integers(0, N - 1)))), peers=peers, dns=dns,
                 inbound=tuple(draw(st.sets(st.integers(0, N - 1)))), rulesets=rulesets, sites=sites,
                 forwarders=tuple(draw(st.sets(st.integers(0, N - 1)))), gateways=gateways)


def places(t: Topology) -> list[str]:
    return [*t.vnets, *(site_view(s) for s in t.sites)]


def path(t: Topology, a: str, b: str) -> bool:
    """The oracle's own reading of "a path": the same place, a peering both ways, or a VPN connection."""
    if a == b:
        return True
    for x, y in ((a, b), (b, a)):
        if x.startswith("site:") and y in t.vnets:
            connected = t.sites[x[5:]].vnets
            if y in connected or any(g in connected and peered(t, y, g) for g in t.vnets[y].gateway_peers):
                return True
    return peered(t, a, b)


def peered(t: Topology, a: str, b: str) -> bool:
    va, vb = t.vnets.get(a), t.vnets.get(b)
    return va is not None and vb is not None and b in va.peers and a in vb.peers


def servers(t: Topology, target: str) -> list[str]:
    """Every place where something could answer DNS at the address, whatever the path."""
    out = [e.vnet for e in t.inbound_endpoints if e.address == target]
    out += [m.subnet.rsplit("/subnets/", 1)[0] for m in t.machines.values() if m.address == target]
    out += [site_view(s.name) for s in t.sites.values() if s.dns_address == target]
    return out


def forwards_to(t: Topology, place: str) -> set[str]:
    """Where a DNS server at `place` may send a query: its custom DNS server, the targets of the rulesets
    linked to it (leaving from the ruleset's network) or a site's forwarders, each over a path."""
    edges: list[tuple[str, str]] = []
    vnet = t.vnets.get(place)
    if vnet is not None:
        edges += [(place, s) for s in vnet.dns_servers]
        edges += [(r.vnet, x) for r in t.rulesets if place in r.links for rule in r.rules for x in rule.targets]
    if place.startswith("site:"):
        edges += [(place, x) for rule in t.sites[place[5:]].forwarders for x in rule.targets]
    return {w for source, target in edges for w in servers(t, target) if path(t, source, w)}


def sees_a_linked_resolver(t: Topology, start: str) -> bool:
    linked = {link.vnet for zone in t.zones for link in zone.links}
    seen, todo = set(), [start]
    while todo:
        place = todo.pop()
        if place in seen:
            continue
        seen.add(place)
        if place in linked:
            return True
        todo += forwards_to(t, place)
    return False


@settings(max_examples=200, deadline=None)
@given(topologies())
def test_no_location_without_a_path_reaches_an_endpoints_network(t: Topology) -> None:
    for place in places(t):
        here = Location(machine="vm", private_address="10.250.0.1", subnet=place if place.startswith("site:")
                        else f"{place}/subnets/default")
        if route(t, here, PRIVATE).kind == ENDPOINT:
            assert path(t, place, vnet_id(0)), place


@settings(max_examples=200, deadline=None)
@given(topologies())
def test_no_network_gets_a_private_answer_without_a_link_or_a_forwarding_path_to_one(t: Topology) -> None:
    for place in places(t):
        view = view_for(t, place)
        if view is not None and PRIVATE in resolve(t, view[0], NAME).addresses:
            assert sees_a_linked_resolver(t, place), place


def test_peerings_inline_in_an_exported_network_body_are_read_as_azure_shows_them() -> None:
    from vaultlink.core.ids import ResourceId
    from vaultlink.network.wire import Parts

    def body(i: int, other: int, state: str) -> dict[str, object]:
        return {"id": vnet_id(i), "name": f"v{i}", "properties": {
            "addressSpace": {"addressPrefixes": [f"10.{i}.0.0/16"]}, "virtualNetworkPeerings": [
                {"id": f"{vnet_id(i)}/virtualNetworkPeerings/p", "name": "p", "properties": {"remoteVirtualNetwork": {"id": vnet_id(other)}, "peeringState": state,
                                             "allowVirtualNetworkAccess": True}}]}}

    for state, reached in (("Connected", True), ("Disconnected", False)):
        parts = Parts()
        parts.add(ResourceId.parse(vnet_id(0)), body(0, 1, state))
        parts.add(ResourceId.parse(vnet_id(1)), body(1, 0, "Connected"))
        assert (vnet_id(1) in parts.topology().reachable_vnets(vnet_id(0))) is reached

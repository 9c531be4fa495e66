"""resolve, route and admit over hand-built and random topologies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultlink.network.admit import admit
from vaultlink.network.location import INTERNET, Location
from vaultlink.network.resolve import resolve
from vaultlink.network.route import ENDPOINT, NOWHERE, PUBLIC, route
from vaultlink.network.topology import (
    Connection,
    Machine,
    PrivateEndpoint,
    PrivateZone,
    RecordSet,
    Subnet,
    Topology,
    Vault,
    VirtualNetwork,
    ZoneLink,
    region_address,
)

SUB = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network"
VNET, OTHER = f"{SUB}/virtualnetworks/vnet1", f"{SUB}/virtualnetworks/vnet2"
SUBNET, OTHER_SUBNET = f"{VNET}/subnets/default", f"{OTHER}/subnets/default"
VAULT_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/fabrikam"
ZONE = "privatelink.vaultcore.azure.net"


def topology(status: str = "Approved", *, linked: tuple[str, ...] = (VNET,), record: str | None = "10.1.0.4",
             public: str = "Disabled", policy: str = "Default") -> Topology:
    records = {("@", "SOA"): RecordSet("SOA", 3600, ("azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10",))}
    if record:
        records[("fabrikam", "A")] = RecordSet("A", 600, (record,))
    return Topology(
        vnets={VNET: VirtualNetwork(VNET, ("10.1.0.0/16",)), OTHER: VirtualNetwork(OTHER, ("10.2.0.0/16",))},
        subnets={SUBNET: Subnet(SUBNET, ("10.1.0.0/24",)), OTHER_SUBNET: Subnet(OTHER_SUBNET, ("10.2.0.0/24",))},
        endpoints=(PrivateEndpoint(f"{SUB}/privateendpoints/pe1", SUBNET, "10.1.0.4", (Connection(VAULT_ID, status),)),),
        zones=(PrivateZone(f"{SUB}/privatednszones/{ZONE}", ZONE, tuple(ZoneLink(v, policy) for v in linked), records),),
        vaults={"fabrikam": Vault("fabrikam", VAULT_ID, "eastus", public_network_access=public)},
    )


MACHINE = Location(public_address="203.0.113.9", machine="vm1", private_address="10.1.0.5", subnet=SUBNET)
ELSEWHERE = Location(public_address="203.0.113.10", machine="vm2", private_address="10.2.0.4", subnet=OTHER_SUBNET)


def test_public_chain_without_a_private_endpoint() -> None:
    t = topology(status="Pending")
    a = resolve(t, None, "fabrikam.vault.azure.net")
    assert a.rcode == "NOERROR"
    assert a.aliases == ["fabrikam.vault.azure.net", "data-prod-eus.vaultcore.azure.net",
                         "data-prod-eus-region.vaultcore.azure.net"]
    assert a.addresses == [region_address("eastus")]


def test_internet_sees_the_privatelink_alias_but_the_public_address() -> None:
    a = resolve(topology(), None, "fabrikam.vault.azure.net")
    assert a.aliases[:2] == ["fabrikam.vault.azure.net", "fabrikam.privatelink.vaultcore.azure.net"]
    assert a.addresses == [region_address("eastus")]


def test_linked_network_gets_the_private_record() -> None:
    a = resolve(topology(), VNET, "fabrikam.vault.azure.net")
    assert a.aliases == ["fabrikam.vault.azure.net"]
    assert [r.name for r in a.records] == ["fabrikam.vault.azure.net", "fabrikam.privatelink.vaultcore.azure.net"]
    assert a.addresses == ["10.1.0.4"] and a.records[-1].ttl == 600


def test_unlinked_network_gets_the_public_answer() -> None:
    assert resolve(topology(), OTHER, "fabrikam.vault.azure.net").addresses == [region_address("eastus")]


def test_missing_record_is_nxdomain_unless_redirected() -> None:
    a = resolve(topology(record=None), VNET, "fabrikam.vault.azure.net")
    assert a.rcode == "NXDOMAIN" and a.authority is not None and a.authority.zone == ZONE
    assert "NxDomainRedirect" in a.reasons[-1]
    b = resolve(topology(record=None, policy="NxDomainRedirect"), VNET, "fabrikam.vault.azure.net")
    assert b.rcode == "NOERROR" and b.addresses == [region_address("eastus")]


def test_unknown_vault_and_foreign_names() -> None:
    assert resolve(topology(), None, "nosuch.vault.azure.net").rcode == "NXDOMAIN"
    assert resolve(topology(), None, "example.com").rcode == "REFUSED"


def test_route_and_admit() -> None:
    t = topology()
    vault = t.vaults["fabrikam"]
    inside = route(t, MACHINE, "10.1.0.4")
    assert inside.kind == ENDPOINT
    ok = admit(t, vault, inside, MACHINE)
    assert ok.allowed and ok.client_address == "10.1.0.5"
    assert route(t, ELSEWHERE, "10.1.0.4").kind == NOWHERE
    assert route(t, INTERNET, "10.1.0.4").kind == NOWHERE
    public = route(t, INTERNET, region_address("eastus"))
    assert public.kind == PUBLIC
    refused = admit(t, vault, public, INTERNET)
    assert not refused.allowed and refused.refusal == "ForbiddenByConnection"
    for status in ("Pending", "Rejected", "Disconnected"):
        t2 = topology(status=status)
        d = admit(t2, t2.vaults["fabrikam"], route(t2, MACHINE, "10.1.0.4"), MACHINE)
        assert not d.allowed and status in d.reason


def test_unpeered_networks_may_reuse_an_address_space() -> None:
    """Two networks with the same 10.1.0.0/16, each with its own endpoint at 10.1.0.4: each machine lands on
    the endpoint of its own network, whichever is listed first."""
    twin, twin_subnet = f"{SUB}/virtualnetworks/twin", f"{SUB}/virtualnetworks/twin/subnets/default"
    base = topology()
    twin_pe = PrivateEndpoint(f"{SUB}/privateendpoints/pe-twin", twin_subnet, "10.1.0.4", (Connection(VAULT_ID, "Approved"),))
    for endpoints in ((twin_pe, *base.endpoints), (*base.endpoints, twin_pe)):
        t = Topology(vnets={**base.vnets, twin: VirtualNetwork(twin, ("10.1.0.0/16",))},
                     subnets={**base.subnets, twin_subnet: Subnet(twin_subnet, ("10.1.0.0/24",))},
                     endpoints=endpoints, zones=base.zones, vaults=base.vaults)
        in_twin = Location(public_address="203.0.113.11", machine="vm3", private_address="10.1.0.5", subnet=twin_subnet)
        assert route(t, MACHINE, "10.1.0.4").endpoint == base.endpoints[0]
        assert route(t, in_twin, "10.1.0.4").endpoint == twin_pe
        assert route(t, ELSEWHERE, "10.1.0.4").kind == NOWHERE


def test_firewall_rules() -> None:
    t = topology(public="Enabled")
    base = t.vaults["fabrikam"]
    deny = Vault("fabrikam", VAULT_ID, "eastus", default_action="Deny", ip_rules=("203.0.113.0/28",))
    landing = route(t, INTERNET, region_address("eastus"))
    assert admit(t, base, landing, INTERNET).allowed
    far = Location(public_address="192.0.2.77")
    refused = admit(t, deny, landing, far)
    assert refused.refusal == "ForbiddenByFirewall" and refused.client_address == "192.0.2.77"
    assert admit(t, deny, landing, Location(public_address="203.0.113.5")).allowed


# ---- properties over random topologies -------------------------------------------------------------------

statuses = st.sampled_from(["Approved", "Pending", "Rejected", "Disconnected"])


@settings(max_examples=200, deadline=None)
@given(status=statuses, link_first=st.booleans(), link_second=st.booleans(), has_record=st.booleans(),
       public=st.sampled_from(["Enabled", "Disabled"]), policy=st.sampled_from(["Default", "NxDomainRedirect"]),
       where=st.sampled_from(["internet", "inside", "elsewhere"]))
def test_properties(status: str, link_first: bool, link_second: bool, has_record: bool, public: str, policy: str,
                    where: str) -> None:
    linked = tuple(v for v, on in ((VNET, link_first), (OTHER, link_second)) if on)
    t = topology(status, linked=linked, record="10.1.0.4" if has_record else None, public=public, policy=policy)
    location = {"internet": INTERNET, "inside": MACHINE, "elsewhere": ELSEWHERE}[where]
    view = location.virtual_network
    answer = resolve(t, view, "fabrikam.vault.azure.net")
    # no location outside a linked network ever gets that network's private answer
    if view is None or view not in linked:
        assert "10.1.0.4" not in answer.addresses
    # every answer is explained
    assert answer.reasons
    for address in answer.addresses:
        landing = route(t, location, address)
        decision = admit(t, t.vaults["fabrikam"], landing, location)
        # no request is admitted to a vault with public access disabled except over an approved private endpoint
        if public == "Disabled" and decision.allowed:
            assert landing.kind == ENDPOINT and status == "Approved"
        # a private address is reached only from the endpoint's own network
        if landing.kind == ENDPOINT:
            assert location.virtual_network == VNET


def test_reverse_lookup_of_a_registered_machine_answers_inside_networks_that_see_its_zone() -> None:
    corp = "corp.internal"
    machine = Machine(f"{SUB}/virtualmachines/app-vm", "App-VM", SUBNET, "10.1.0.5", "203.0.113.9")
    zone = PrivateZone(f"{SUB}/privatednszones/{corp}", corp, (ZoneLink(VNET, registers=True),),
                       {("app-vm", "A"): RecordSet("A", 10, ("10.1.0.5",))})
    t = Topology(vnets=topology().vnets, subnets=topology().subnets, machines={machine.id: machine}, zones=(zone,))
    a = resolve(t, VNET, "5.0.1.10.in-addr.arpa", "PTR")
    assert a.rcode == "NOERROR" and [(r.type, r.value, r.ttl) for r in a.records] == [("PTR", f"app-vm.{corp}", 10)]
    assert resolve(t, OTHER, "5.0.1.10.in-addr.arpa", "PTR").records == ()  # a network that does not see the zone
    assert resolve(t, VNET, "6.0.1.10.in-addr.arpa", "PTR").records == ()  # nobody's address
    unregistered = Topology(vnets=t.vnets, subnets=t.subnets, machines=t.machines,
                            zones=(PrivateZone(zone.id, corp, (ZoneLink(VNET),), zone.records),))
    assert resolve(unregistered, VNET, "5.0.1.10.in-addr.arpa", "PTR").records == ()

"""arrive(topology, location, host): the typed walk a connection to a host makes, from resolver to landing."""

from __future__ import annotations

import dataclasses

from tests.unit.network.test_model import ELSEWHERE, MACHINE, OTHER, VNET, topology

from vaultlink.network.arrive import NO_RESOLVER, TIMED_OUT, UNRESOLVED, arrive
from vaultlink.network.location import INTERNET
from vaultlink.network.route import ENDPOINT, NOWHERE, PUBLIC
from vaultlink.network.topology import VirtualNetwork, region_address


def test_hosts_outside_the_model_are_always_reached() -> None:
    a = arrive(topology(), INTERNET, "Management.Azure.com")
    assert a.host == "management.azure.com" and a.landing is None and a.failure is None and a.dns == ()


def test_from_the_internet_a_vault_lands_on_its_public_front_end() -> None:
    a = arrive(topology(), INTERNET, "fabrikam.vault.azure.net")
    assert a.failure is None and a.landing is not None and a.landing.kind == PUBLIC
    assert a.landing.address == region_address("eastus") and a.dns and a.location == INTERNET


def test_inside_the_linked_network_it_lands_on_the_private_endpoint() -> None:
    a = arrive(topology(), MACHINE, "fabrikam.vault.azure.net")
    assert a.landing is not None and a.landing.kind == ENDPOINT and a.landing.address == "10.1.0.4"
    assert any("private zone" in reason for reason in a.dns)


def test_an_address_no_route_reaches_times_out() -> None:
    linked_elsewhere = topology(linked=(VNET, OTHER))  # OTHER gets the private answer but has no route to it
    a = arrive(linked_elsewhere, ELSEWHERE, "fabrikam.vault.azure.net")
    assert a.failure == TIMED_OUT and a.landing is not None and a.landing.kind == NOWHERE
    assert a.why == a.landing.reason and "not reachable" in a.why


def test_names_that_do_not_resolve_and_resolvers_that_do_not_answer() -> None:
    missing = arrive(topology(record=None), MACHINE, "fabrikam.vault.azure.net")
    assert missing.failure == UNRESOLVED and missing.landing is None and "NXDOMAIN" in missing.why
    t = topology()
    custom = dataclasses.replace(t, vnets={**t.vnets, VNET: VirtualNetwork(VNET, ("10.1.0.0/16",), ("10.9.9.9",))})
    silent = arrive(custom, MACHINE, "fabrikam.vault.azure.net")
    assert silent.failure == NO_RESOLVER and "custom DNS server" in silent.why

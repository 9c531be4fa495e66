"""The on-premises check from a machine in a site: forwarders for vault.azure.net and vaultcore.azure.net to an
inbound endpoint in a linked, connected network pass; none, only one, or one whose target has no link to the
zone fail with the forwarder to add (the model's arrangements from tests/unit/network/test_hybrid.py)."""

from __future__ import annotations

import dataclasses

from tests.unit.network.test_hybrid import PRIVATE, ZONE, inbound_address, site, world

from vaultlink.diagnose.checks import run_checks
from vaultlink.diagnose.report import Report, Verdict
from vaultlink.diagnose.snapshot import Resources, Snapshot
from vaultlink.network.topology import Machine, Topology, site_view


def from_site(t: Topology) -> Report:
    laptop = Machine("site:corp/laptop", "laptop", site_view("corp"), "192.168.1.10", "203.0.113.80")
    snap = Snapshot(dataclasses.replace(t, machines={laptop.id: laptop}), Resources([]))
    location = snap.machine_location("laptop")
    assert location is not None
    return run_checks(snap, "fabrikam", location)


def failing(r: Report) -> list[str]:
    return [x.check for x in r.results if x.verdict == Verdict.FAIL]


def test_forwarders_to_a_linked_inbound_endpoint_pass() -> None:
    r = from_site(world(1, inbound=(0,), sites=(site(to=inbound_address(0)),)))
    assert failing(r) == []
    assert r.result("onpremises").summary == f"site corp's DNS server answers fabrikam.vault.azure.net with {PRIVATE}"
    assert r.result("link").verdict == Verdict.NOT_APPLICABLE
    assert (r.client.landing, r.client.addresses) == ("private-endpoint", (PRIVATE,))


def test_no_forwarders_fail_with_both_to_add() -> None:
    r = from_site(world(1, inbound=(0,), sites=(site(),)))
    assert failing(r) == ["onpremises"]
    assert r.result("onpremises").summary == "no conditional forwarder for vault.azure.net, vaultcore.azure.net"
    fix = r.result("onpremises").fix
    assert fix is not None and fix.commands == (
        f"vaultlink site forwarder add corp --zone vault.azure.net --to {inbound_address(0)}",
        f"vaultlink site forwarder add corp --zone vaultcore.azure.net --to {inbound_address(0)}")
    assert r.result("firewall").verdict == Verdict.NOT_APPLICABLE  # the public refusal follows from the forwarders


def test_a_privatelink_only_forwarder_behind_an_upstream_names_the_missing_zones() -> None:
    r = from_site(world(1, inbound=(0,), sites=(site(to=inbound_address(0), zones=(ZONE,)),)))
    assert failing(r) == ["onpremises"]
    assert r.result("onpremises").summary == "no conditional forwarder for vault.azure.net, vaultcore.azure.net"


def test_a_forwarder_to_a_resolver_without_the_zone_names_that_forwarder() -> None:
    unlinked = world(2, linked=(0,), inbound=(1,), sites=(site(to=inbound_address(1), vnets=(0, 1)),))
    r = from_site(unlinked)
    assert failing(r) == ["onpremises"]
    assert r.result("onpremises").summary.startswith("the forwarder for vault")
    assert r.result("onpremises").summary.endswith(f"reaches no resolver that has {ZONE}")

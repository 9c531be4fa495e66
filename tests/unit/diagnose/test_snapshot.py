"""snapshot_of over wire resources: the network model from the one projection (network/wire.py), a network's
embedded subnets as resources, a vault's connections and an endpoint's zone groups found as children, ids
spelled as the wire spelled them, and locations by machine name, machine id or network id."""

from __future__ import annotations

from tests.unit.diagnose import wire

from vaultlink.diagnose.checks import UnknownLocation, location_of
from vaultlink.diagnose.snapshot import snapshot_of


def test_the_model_and_the_bodies_of_the_seed() -> None:
    snap = snapshot_of(wire.seed(), public_addresses={wire.VM.lower(): "203.0.113.7"})
    topology = snap.topology
    assert set(topology.subnets) == {wire.SUBNET.lower()}  # embedded in the network's body
    assert [(pe.id, pe.address) for pe in topology.endpoints] == [(wire.PE.lower(), "10.1.0.4")]
    assert topology.vaults["fabrikam"].public_network_access == "Disabled"
    assert [z.name for z in topology.zones] == ["privatelink.vaultcore.azure.net"]
    assert [c["name"] for c in snap.children(wire.VAULT, "privateendpointconnections")] == ["pe1.1f3c"]
    assert str(snap.spelled(wire.VAULT.lower())) == wire.VAULT
    assert snap.role_assignments is None
    machine = location_of(snap, "vm:VM1")
    assert (machine.private_address, machine.public_address, machine.subnet) == ("10.1.0.5", "203.0.113.7",
                                                                                 wire.SUBNET.lower())
    assert location_of(snap, f"vm:{wire.VM}") == machine
    inside = location_of(snap, wire.VNET)
    assert inside.virtual_network == wire.VNET.lower() and not inside.on_internet
    assert location_of(snap, "internet").on_internet


def test_an_unknown_location_is_a_clear_error() -> None:
    snap = snapshot_of(wire.seed())
    for where, words in (("vm:nosuch", "No machine named 'nosuch'"), ("somewhere", "'somewhere' is not a location")):
        try:
            location_of(snap, where)
            raise AssertionError(where)
        except UnknownLocation as e:
            assert words in str(e)


def test_resources_without_ids_or_properties_are_left_out() -> None:
    snap = snapshot_of([{"name": "no id"}, {"id": "not an id"}, {"id": wire.VAULT, "name": "fabrikam",
                                                                   "type": "Microsoft.KeyVault/vaults"}])
    assert dict(snap.topology.vaults) == {}

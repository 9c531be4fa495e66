"""The projection of control-plane records into the network model (arm/projection.py): a write to a record
set, a link or a vault patches the snapshot, and the patched snapshot is always the one a rebuild from the
store gives; any other write rebuilds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultlink.arm.projection import Snapshots, build
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.persistent import PersistentMap
from vaultlink.store import Store, open_store

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers"
VNET = f"{SUB}/Microsoft.Network/virtualNetworks/vnet"
ZONE = f"{SUB}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"


def vault_body(name: str, public: str = "Enabled") -> dict[str, Any]:
    return {"id": f"{SUB}/Microsoft.KeyVault/vaults/{name}", "name": name, "location": "eastus",
            "properties": {"publicNetworkAccess": public, "networkAcls": {"defaultAction": "Allow"}}}


def record_body(name: str, address: str) -> dict[str, Any]:
    return {"id": f"{ZONE}/A/{name}", "name": name, "properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}}


def link_body(name: str, policy: str) -> dict[str, Any]:
    return {"id": f"{ZONE}/virtualNetworkLinks/{name}", "name": name,
            "properties": {"virtualNetwork": {"id": VNET}, "resolutionPolicy": policy}}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'projection.db'}")
    with s.transaction() as tx:
        tx.put(RESOURCE, VNET.lower(), {"id": VNET, "name": "vnet",
                                        "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}})
        tx.put(RESOURCE, ZONE.lower(), {"id": ZONE, "name": "privatelink.vaultcore.azure.net", "properties": {}})
    yield s
    s.close()


def write(store: Store, snapshots: Snapshots, path: str, body: dict[str, Any] | None) -> None:
    with store.transaction() as tx:
        if body is None:
            tx.delete(RESOURCE, path.lower())
        else:
            tx.put(RESOURCE, path.lower(), body)
    snapshots.changed(path)


def test_a_record_set_write_patches_the_snapshot_in_place_of_a_rebuild(store: Store) -> None:
    snapshots = Snapshots(store)
    before = snapshots()
    write(store, snapshots, f"{ZONE}/A/vault1", record_body("vault1", "10.1.0.4"))
    assert snapshots.patched == 1
    after = snapshots()
    assert after is not before and after == build(store)
    assert after.zones[0].records[("vault1", "A")].values == ("10.1.0.4",)
    assert isinstance(after.zones[0].records, PersistentMap)
    assert before.zones[0].records == {}  # the old snapshot is unchanged for whoever still holds it
    write(store, snapshots, f"{ZONE}/A/vault1", None)
    assert snapshots.patched == 2 and snapshots() == build(store)


def test_writes_that_touch_more_than_their_record_rebuild(store: Store) -> None:
    snapshots = Snapshots(store)
    snapshots()
    write(store, snapshots, VNET, {"id": VNET, "name": "vnet",
                                   "properties": {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}}})
    assert snapshots.patched == 0
    assert snapshots().vnets[VNET.lower()].prefixes == ("10.2.0.0/16",)
    write(store, snapshots, f"{SUB}/Microsoft.KeyVault/vaults/kv1", vault_body("kv1"))
    write(store, snapshots, f"{SUB}/Microsoft.KeyVault/vaults/kv1", None)  # a vault's delete takes more with it
    assert snapshots.patched == 1 and "kv1" not in snapshots().vaults


def test_another_writer_in_between_makes_the_next_use_rebuild(store: Store) -> None:
    snapshots, other = Snapshots(store), Snapshots(store)
    snapshots()
    write(store, other, f"{ZONE}/A/elsewhere", record_body("elsewhere", "10.1.0.9"))
    write(store, snapshots, f"{ZONE}/A/here", record_body("here", "10.1.0.5"))
    assert snapshots.patched == 0  # the generation moved twice: this process cannot patch what it did not see
    assert set(snapshots().zones[0].records) == {("elsewhere", "A"), ("here", "A")}


names = st.sampled_from(["a", "b", "c", "d"])
writes = st.one_of(
    st.tuples(st.just("record"), names, st.one_of(st.none(), st.sampled_from(["10.1.0.4", "10.1.0.5"]))),
    st.tuples(st.just("link"), names, st.one_of(st.none(), st.sampled_from(["Default", "NxDomainRedirect"]))),
    st.tuples(st.just("vault"), names, st.one_of(st.none(), st.sampled_from(["Enabled", "Disabled"]))),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(writes, max_size=12))
def test_the_patched_snapshot_is_always_the_rebuilt_one(tmp_path_factory: pytest.TempPathFactory,
                                                         sequence: list[tuple[str, str, str | None]]) -> None:
    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('p') / 'projection.db'}")
    try:
        with s.transaction() as tx:
            tx.put(RESOURCE, ZONE.lower(), {"id": ZONE, "name": "privatelink.vaultcore.azure.net", "properties": {}})
        snapshots = Snapshots(s)
        snapshots()
        for kind, name, value in sequence:
            if kind == "record":
                write(s, snapshots, f"{ZONE}/A/{name}", None if value is None else record_body(name, value))
            elif kind == "link":
                write(s, snapshots, f"{ZONE}/virtualNetworkLinks/{name}", None if value is None else link_body(name, value))
            else:
                write(s, snapshots, f"{SUB}/Microsoft.KeyVault/vaults/kv{name}",
                      None if value is None else vault_body(f"kv{name}", value))
            assert snapshots() == build(s)
    finally:
        s.close()


@given(st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers()))))
def test_a_persistent_map_reads_as_the_dict_it_stands_for(changes: list[tuple[int, int | None]]) -> None:
    expected: dict[int, int] = {}
    current: PersistentMap[int, int] = PersistentMap()
    for key, value in changes:
        before = dict(current)
        if value is None:
            expected.pop(key, None)
            changed = current.without(key)
        else:
            expected[key] = value
            changed = current.set(key, value)
        assert dict(current) == before  # the old map is untouched
        current = changed
        assert dict(current) == expected and len(current) == len(expected)
        assert all(current.get(k) == v and k in current for k, v in expected.items())

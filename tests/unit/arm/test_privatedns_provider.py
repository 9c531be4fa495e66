"""The private DNS provider over a real store, without HTTP: the limits too large to reach through a client
(links per zone, registration links, zones per network, record sets per zone), the linked-access check, the
per-network index the DNS server reads, the record-set count, and the deletion hooks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vaultlink.arm import dnsrecords
from vaultlink.arm.dispatch import Call, Reply, RouteTable
from vaultlink.arm.operations import Operations
from vaultlink.arm.paging import walk_top_level
from vaultlink.arm.providers.privatedns import links as links_module
from vaultlink.arm.providers.privatedns import schemas
from vaultlink.arm.providers.privatedns.routes import routes
from vaultlink.arm.providers.resources.service import ResourceManager
from vaultlink.arm.resources import GROUP, RESOURCE, Resources, group_key
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.identity.directory import Directory
from vaultlink.identity.rbac import Authorizer
from vaultlink.identity.tokens import Caller
from vaultlink.store import open_store

SUB = "00000000-0000-0000-0000-0000000000aa"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


@dataclass
class World:
    services: Services
    router: RouteTable
    caller: Caller

    def call(self, method: str, path: str, body: Any = None, caller: Caller | None = None, **headers: str) -> Reply:
        route, params = self.router.find(method, path)
        call = Call(method=method, path=path, params=params, query={}, headers=headers,
                    body=b"" if body is None else json.dumps(body).encode(), host="management.azure.com",
                    api_version="2024-06-01", caller=caller or self.caller)
        return route.operation(call)

    def group(self, name: str) -> str:
        with self.services.store.transaction() as tx:
            tx.put(GROUP, group_key(SUB, name), {"id": f"/subscriptions/{SUB}/resourceGroups/{name}", "name": name,
                                                 "location": "eastus", "type": "Microsoft.Resources/resourceGroups"})
        return name

    def vnet(self, group: str, name: str) -> ResourceId:
        rid = ResourceId(SUB, group, "Microsoft.Network", ("virtualNetworks",), (name,))
        with self.services.store.transaction() as tx:
            tx.put(RESOURCE, rid.key, {"id": str(rid), "name": name, "type": "Microsoft.Network/virtualNetworks",
                                       "location": "eastus", "properties": {"resourceGuid": str(uuid.uuid4())}})
        return rid

    def zone(self, group: str, name: str) -> str:
        assert self.call("PUT", zone_path(group, name), {"location": "global"}).status == 201
        return name

    def link(self, group: str, zone: str, name: str, vnet: ResourceId, registration: bool = False,
             caller: Caller | None = None) -> Reply:
        body = {"location": "global", "properties": {"virtualNetwork": {"id": str(vnet)}, "registrationEnabled": registration}}
        return self.call("PUT", zone_path(group, zone) + f"/virtualNetworkLinks/{name}", body, caller=caller)


def zone_path(group: str, zone: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{zone}"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    services = Services(store=store, directory=Directory(store), authorizer=Authorizer(store),
                        operations=Operations(store, False), resources=Resources(store))
    caller = Caller(tenant_id=str(uuid.uuid4()), object_id=str(uuid.uuid4()), app_id=str(uuid.uuid4()), kind="app", name="tests")
    services.authorizer.assign(scope=f"/subscriptions/{SUB}", role_id=OWNER, principal_id=caller.object_id,
                               principal_type="ServicePrincipal")
    try:
        yield World(services, RouteTable(routes(services)), caller)
    finally:
        store.close()


def test_links_per_zone_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "MAX_LINKS", 2)
    rg = world.group("rg")
    zone = world.zone(rg, "a.com")
    for i in range(2):
        world.link(rg, zone, f"l{i}", world.vnet(rg, f"v{i}"))
    with pytest.raises(errors.Conflict) as err:
        world.link(rg, zone, "l2", world.vnet(rg, "v2"))
    assert "already has 2 virtual network links" in err.value.message


def test_registration_links_per_zone_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "MAX_REGISTRATION_LINKS", 1)
    rg = world.group("rg")
    zone = world.zone(rg, "a.com")
    world.link(rg, zone, "l0", world.vnet(rg, "v0"), registration=True)
    with pytest.raises(errors.Conflict) as err:
        world.link(rg, zone, "l1", world.vnet(rg, "v1"), registration=True)
    assert "auto-registration" in err.value.message
    assert world.link(rg, zone, "l1", world.vnet(rg, "v1")).status == 201


def test_zones_per_network_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(links_module, "MAX_ZONES_PER_NETWORK", 2)
    rg = world.group("rg")
    vnet = world.vnet(rg, "v")
    for name in ("a.com", "b.com"):
        world.link(rg, world.zone(rg, name), "l", vnet)
    with pytest.raises(errors.Conflict) as err:
        world.link(rg, world.zone(rg, "c.com"), "l", vnet)
    assert "already linked to 2 private zones" in err.value.message


def test_record_sets_per_zone_limit(world: World) -> None:
    rg = world.group("rg")
    zone = world.zone(rg, "a.com")
    key = ResourceId.parse(zone_path(rg, zone)).key
    with world.services.store.transaction() as tx:
        rec = tx.get(RESOURCE, key)
        assert rec is not None
        body = {**rec.body, "properties": {**rec.body["properties"], "maxNumberOfRecordSets": 2}}
        tx.put(RESOURCE, key, body, expect=rec.version)
    assert world.call("PUT", zone_path(rg, zone) + "/A/one", {"properties": {}}).status == 201
    with pytest.raises(errors.Conflict) as err:
        world.call("PUT", zone_path(rg, zone) + "/A/two", {"properties": {}})
    assert "already has 2 record sets" in err.value.message
    assert world.call("PUT", zone_path(rg, zone) + "/A/one", {"properties": {"ttl": 5}}).status == 200


def test_joining_a_network_needs_its_join_action(world: World) -> None:
    rg = world.group("rg")
    zone = world.zone(rg, "a.com")
    vnet = world.vnet(rg, "v")
    stranger = Caller(tenant_id=world.caller.tenant_id, object_id=str(uuid.uuid4()), app_id="app-2", kind="app")
    with pytest.raises(errors.AzureError) as err:
        world.link(rg, zone, "l", vnet, caller=stranger)
    assert err.value.status == 403 and err.value.code == "LinkedAuthorizationFailed"
    assert "Microsoft.Network/virtualNetworks/join/action" in err.value.message and str(vnet) in err.value.message
    assert world.link(rg, zone, "l", vnet).status == 201


def test_linked_zones_is_what_a_network_sees(world: World) -> None:
    rg = world.group("rg")
    vnet, other = world.vnet(rg, "v"), world.vnet(rg, "w")
    for name in ("privatelink.vaultcore.azure.net", "b.com"):
        world.link(rg, world.zone(rg, name), "l", vnet, registration=name == "b.com")
    world.link(rg, world.zone(rg, "c.com"), "l", other)
    seen = dnsrecords.linked_zones(world.services.store, str(vnet).upper())
    assert [ResourceId.parse(z).name for z, _ in seen] == ["b.com", "privatelink.vaultcore.azure.net"]
    assert [body["properties"]["registrationEnabled"] for _, body in seen] == [True, False]
    assert [ResourceId.parse(z).name for z, _ in dnsrecords.linked_zones(world.services.store, other)] == ["c.com"]
    assert dnsrecords.linked_zones(world.services.store, ResourceId(SUB, rg, "Microsoft.Network", ("virtualNetworks",), ("none",))) == []

    world.vnet(rg, "v")  # made again: a new resourceGuid, none of the old links
    assert dnsrecords.linked_zones(world.services.store, vnet) == []
    assert world.link(rg, "b.com", "again", vnet, registration=True).status == 201
    world.call("DELETE", zone_path(rg, "b.com") + "/virtualNetworkLinks/l")  # the old link leaves the new one indexed
    assert [ResourceId.parse(z).name for z, _ in dnsrecords.linked_zones(world.services.store, vnet)] == ["b.com"]


def _delete_group(world: World, name: str) -> None:
    rm = ResourceManager(world.services)
    path = f"/subscriptions/{SUB}/resourcegroups/{name}"
    rm.delete_group(Call(method="DELETE", path=path, params={"subscriptionId": SUB, "resourceGroupName": name}, query={},
                         headers={}, body=b"", host="management.azure.com", caller=world.caller))


def test_group_deletes_run_the_hooks(world: World) -> None:
    net_rg, dns_rg = world.group("net"), world.group("dns")
    vnet = world.vnet(net_rg, "v")
    world.link(dns_rg, world.zone(dns_rg, "a.com"), "l", vnet, registration=True)
    world.link(dns_rg, world.zone(dns_rg, "b.com"), "l", vnet)
    assert len(dnsrecords.linked_zones(world.services.store, vnet)) == 2

    _delete_group(world, net_rg)  # the network's links, in another group, go with it
    assert world.services.store.list(dnsrecords.LINK_INDEX) == []
    assert world.call("GET", zone_path(dns_rg, "a.com")).body["properties"]["numberOfVirtualNetworkLinks"] == 0
    assert world.call("DELETE", zone_path(dns_rg, "a.com")).status == 200

    world.group("net")
    vnet = world.vnet("net", "v")
    world.link(dns_rg, "b.com", "l", vnet)
    _delete_group(world, dns_rg)  # the zone's group: index entries and counts leave with it
    assert world.services.store.list(dnsrecords.LINK_INDEX) == []
    assert world.services.store.list(dnsrecords.RECORD_SET_COUNT) == []


def test_zone_groups_a_records_are_counted(world: World) -> None:
    rg = world.group("rg")
    zone = ResourceId.parse(zone_path(rg, world.zone(rg, "privatelink.vaultcore.azure.net")))
    with world.services.store.transaction() as tx:
        dnsrecords.put_a_record(tx, zone, "vault1", ["10.0.0.4"], 10)
        dnsrecords.put_a_record(tx, zone, "vault1", ["10.0.0.4", "10.0.0.5"], 10)
        dnsrecords.put_a_record(tx, zone, "vault2", ["10.0.0.6"], 10)
    assert world.call("GET", zone_path(rg, zone.name)).body["properties"]["numberOfRecordSets"] == 3
    shown = world.call("GET", zone_path(rg, zone.name) + "/A/vault1").body
    assert '"' not in shown["etag"] and "metadata" not in shown["properties"]
    with world.services.store.transaction() as tx:
        dnsrecords.remove_a_record(tx, zone, "vault1", ["10.0.0.4"])
        dnsrecords.remove_a_record(tx, zone, "vault2", ["10.0.0.6"])
    assert world.call("GET", zone_path(rg, zone.name)).body["properties"]["numberOfRecordSets"] == 2
    with world.services.store.transaction() as tx:  # a lost count is rebuilt from the zone's contents
        tx.delete(dnsrecords.RECORD_SET_COUNT, zone.key)
        dnsrecords.put_a_record(tx, zone, "vault3", ["10.0.0.7"], 10)
    assert world.call("GET", zone_path(rg, zone.name)).body["properties"]["numberOfRecordSets"] == 3


def test_zone_listing_skips_each_zones_contents(world: World) -> None:
    rg = world.group("rg")
    names = ["a.com", "a.com-x", "a.com.x", "b.com"]
    for name in names:
        world.zone(rg, name)
        world.call("PUT", zone_path(rg, name) + "/TXT/t", {"properties": {"txtRecords": [{"value": ["v"]}]}})
    prefix = ResourceId(SUB, rg).key + "/providers/microsoft.network/privatednszones/"
    assert [r.body["name"] for r in walk_top_level(world.services.store, prefix, 1)] == names
    assert [r.body["name"] for r in walk_top_level(world.services.store, prefix, 1, after=prefix + "a.com-x")] == names[2:]

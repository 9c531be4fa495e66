"""The requests `vaultlink import` sends (diagnose/importplan.py), planned from the recorded export in
export_seed/ and from broken copies of it: names, addresses and states kept, the subscription mapped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from vaultlink.diagnose.exported import read_export
from vaultlink.diagnose.importplan import plan_import

SEED = Path(__file__).parent / "export_seed"
OLD = "79ed4c51-c719-461d-9307-80adc54da6b2"
NEW = "00000000-0000-0000-0000-00000000beef"
TENANT = "11111111-1111-1111-1111-111111111111"


def test_the_requests_come_in_dependency_order_in_the_new_subscription() -> None:
    plan = plan_import(read_export(SEED), NEW, TENANT)
    kinds = [r.what.split(" ")[0] for r in plan.requests]
    assert kinds == ["resource", "virtual", "key", "private", "virtual", "private", "DNS"]
    assert all(f"/subscriptions/{NEW}/" in r.id and OLD not in json.dumps(r.body) for r in plan.requests)
    assert plan.mapping is not None and OLD in plan.mapping and NEW in plan.mapping
    vault = next(r for r in plan.requests if r.what.startswith("key vault"))
    assert vault.body is not None and vault.body["properties"]["tenantId"] == TENANT
    assert "privateEndpointConnections" not in vault.body["properties"]
    assert vault.body["properties"]["enableRbacAuthorization"] is True


def test_an_endpoint_keeps_its_interface_name_and_address() -> None:
    plan = plan_import(read_export(SEED), NEW, TENANT)
    endpoint = next(r for r in plan.requests if r.what.startswith("private endpoint"))
    props = endpoint.body["properties"] if endpoint.body else {}
    assert props["customNetworkInterfaceName"] == "pe1.nic.ea30fc5d-4a76-40a8-9c18-7db389a70e00"
    [config] = props["ipConfigurations"]
    assert config["name"] == "privateEndpointIpConfig.b0272883-fea9-4e16-8a32-38cf13060733"
    assert config["properties"] == {"groupId": "vault", "memberName": "default", "privateIPAddress": "10.0.0.4"}
    [connection] = props["privateLinkServiceConnections"]
    assert connection["properties"]["groupIds"] == ["vault"]
    assert [c.status for c in plan.connections] == ["Approved"]


def test_records_come_last_and_the_zones_own_soa_is_left_alone() -> None:
    plan = plan_import(read_export(SEED), NEW, TENANT)
    assert [r.id.rsplit("/", 2)[-2:] for r in plan.records] == [["A", "kv-dx-1"], ["A", "other"]]
    assert plan.records[0].body == {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.0.4"}]}}
    assert any("role assignment" in note for note in plan.left_out)


def test_a_connection_the_vault_no_longer_lists_is_disconnected(tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(SEED, copy)
    vault = json.loads((copy / "keyvault.json").read_text())
    vault["properties"]["privateEndpointConnections"] = []
    (copy / "keyvault.json").write_text(json.dumps(vault))
    assert [c.status for c in plan_import(read_export(copy), NEW, TENANT).connections] == ["Disconnected"]


def test_the_vault_side_state_is_what_is_set(tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(SEED, copy)
    vault = json.loads((copy / "keyvault.json").read_text())
    vault["properties"]["privateEndpointConnections"][0]["privateLinkServiceConnectionState"] = {
        "status": "Rejected", "description": "not this one", "actionsRequired": "None"}
    (copy / "keyvault.json").write_text(json.dumps(vault))
    [state] = plan_import(read_export(copy), NEW, TENANT).connections
    assert (state.status, state.description) == ("Rejected", "not this one")


def test_an_endpoint_to_another_service_and_a_peering_are_left_out_and_said(tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(SEED, copy)
    [endpoint] = json.loads((copy / "private-endpoints.json").read_text())
    other = json.loads(json.dumps(endpoint).replace("Microsoft.KeyVault/vaults/kv-dx-1",
                                                     "Microsoft.Storage/storageAccounts/st1"))
    other["id"], other["name"] = other["id"].replace("/pe1", "/pe-storage"), "pe-storage"
    other["networkInterfaces"] = []
    (copy / "private-endpoints.json").write_text(json.dumps([endpoint, other]))
    (copy / "zone-groups/rg-dx.pe-storage.json").write_text("[]")
    plan = plan_import(read_export(copy), OLD, TENANT)
    assert plan.mapping is None
    assert [r.what for r in plan.requests if r.what.startswith("private endpoint")] == ["private endpoint pe1"]
    assert any("pe-storage" in note and "st1" in note for note in plan.left_out)


def test_peerings_between_exported_networks_are_rebuilt_after_both(tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(SEED, copy)
    [vnet] = json.loads((copy / "virtual-networks.json").read_text())
    hub = json.loads(json.dumps(vnet).replace("/virtualNetworks/vnet1", "/virtualNetworks/hub")
                     .replace("10.0.", "10.9."))
    hub["name"], hub["subnets"] = "hub", []
    outside = "/subscriptions/other/resourceGroups/x/providers/Microsoft.Network/virtualNetworks/far"
    vnet["virtualNetworkPeerings"] = [
        {"name": "to-hub", "remoteVirtualNetwork": {"id": hub["id"]}, "allowVirtualNetworkAccess": True,
         "allowForwardedTraffic": True, "useRemoteGateways": True, "peeringState": "Connected"},
        {"name": "to-far", "remoteVirtualNetwork": {"id": outside}, "allowVirtualNetworkAccess": True}]
    hub["virtualNetworkPeerings"] = [{"name": "to-spoke", "remoteVirtualNetwork": {"id": vnet["id"]},
                                      "allowVirtualNetworkAccess": True}]
    (copy / "virtual-networks.json").write_text(json.dumps([vnet, hub]))
    plan = plan_import(read_export(copy), OLD, TENANT)
    whats = [r.what for r in plan.requests]
    assert whats.index("peering to-hub of vnet1") > whats.index("virtual network hub")
    to_hub = next(r for r in plan.requests if r.what == "peering to-hub of vnet1")
    assert to_hub.id == vnet["id"] + "/virtualNetworkPeerings/to-hub"
    assert to_hub.body == {"properties": {"remoteVirtualNetwork": {"id": hub["id"]}, "allowVirtualNetworkAccess": True,
                                          "allowForwardedTraffic": True}}
    assert "peering to-spoke of hub" in whats and not any("to-far" in w for w in whats)
    assert any("to-far" in note and outside in note for note in plan.left_out)
    assert any("useRemoteGateways" in note and "to-hub" in note for note in plan.left_out)

"""The reader of state exported from Azure with az (diagnose/exported.py), over an export that the export
script's commands wrote with the real az against vaultlink (export_seed/: a vault with one auto-approved
endpoint, its zone group, a linked zone with the vault's record and another), and over broken copies of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vaultlink.diagnose import exported
from vaultlink.diagnose.exported import ExportError, read_export
from vaultlink.diagnose.exportscript import export_script

SEED = Path(__file__).parent / "export_seed"
VAULT = "kv-dx-1"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    copy = tmp_path / "export"
    shutil.copytree(SEED, copy)
    return copy


def by_type(found: exported.Exported, type_: str) -> list[dict]:
    return found.of_type(type_)


def test_every_resource_comes_out_in_the_wire_shape() -> None:
    found = read_export(SEED, VAULT)
    types = [r["type"] for r in found.resources]
    assert types[0] == "Microsoft.KeyVault/vaults" and found.vault is found.resources[0]
    assert sorted(set(types)) == sorted({
        "Microsoft.KeyVault/vaults", "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "Microsoft.Network/networkInterfaces",
        "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets",
        "Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/privateDnsZones/A", "Microsoft.Network/privateDnsZones/SOA"})
    for resource in found.resources:
        assert set(resource) <= set(exported.ENVELOPE) | {"properties"}, resource["id"]
        assert '"resourceGroup"' not in json.dumps(resource)
    [endpoint] = by_type(found, "Microsoft.Network/privateEndpoints")
    [connection] = endpoint["properties"]["privateLinkServiceConnections"]
    assert connection["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert connection["properties"]["privateLinkServiceId"] == found.vault["id"]
    assert endpoint["properties"]["subnet"] == {"id": found.vault["id"].split("/providers/")[0]
                                                + "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/snet1"}
    [nic] = by_type(found, "Microsoft.Network/networkInterfaces")
    assert nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.0.0.4"
    [vault_connection] = found.vault["properties"]["privateEndpointConnections"]
    assert vault_connection["properties"]["privateEndpoint"]["id"] == endpoint["id"]
    assert set(vault_connection) == {"id", "etag", "properties"}
    assert "createMode" not in found.vault["properties"]  # az's nulls for unset model fields are left out
    records = {r["name"]: r for r in by_type(found, "Microsoft.Network/privateDnsZones/A")}
    assert records[VAULT]["properties"]["aRecords"] == [{"ipv4Address": "10.0.0.4"}]
    [link] = by_type(found, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    assert link["properties"]["virtualNetwork"]["id"].endswith("/virtualNetworks/vnet1")
    [subnet] = by_type(found, "Microsoft.Network/virtualNetworks/subnets")
    assert subnet["properties"]["addressPrefix"] == "10.0.0.0/24"
    [group] = by_type(found, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    assert group["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"].endswith(
        "/privateDnsZones/privatelink.vaultcore.azure.net")
    assert found.subscription == "79ed4c51-c719-461d-9307-80adc54da6b2"
    assert found.role_assignments is not None and found.role_assignments[0]["properties"]["principalType"]
    assert all("roleDefinitionName" not in a["properties"] for a in found.role_assignments)


def test_the_vault_may_be_named_by_its_id_in_any_case() -> None:
    vault_id = read_export(SEED, VAULT).vault["id"]
    assert read_export(SEED, vault_id.upper()).vault["id"] == vault_id


def test_a_wire_shape_passes_through_unchanged() -> None:
    wire = {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z/A/a",
            "name": "a", "type": "Microsoft.Network/privateDnsZones/A", "properties": {"ttl": 10, "aRecords": []}}
    assert exported.record_set_wire(wire) == wire


def test_role_assignments_left_out_are_unknown(export: Path) -> None:
    (export / exported.ROLE_ASSIGNMENTS).unlink()
    manifest = json.loads((export / exported.MANIFEST).read_text())
    (export / exported.MANIFEST).write_text(json.dumps({**manifest, "roleAssignments": False}))
    assert read_export(export, VAULT).role_assignments is None


@pytest.mark.parametrize("relative, words", [
    (exported.MANIFEST, "manifest.json is missing"),
    (exported.KEYVAULT, "keyvault.json is missing"),
    (exported.ENDPOINTS, "private-endpoints.json is missing"),
    (exported.VNETS, "virtual-networks.json is missing"),
    (exported.ZONES, "private-dns-zones.json is missing"),
    ("private-dns/rg-dx.privatelink.vaultcore.azure.net.links.json",
     "private-dns/rg-dx.privatelink.vaultcore.azure.net.links.json is missing"),
    ("private-dns/rg-dx.privatelink.vaultcore.azure.net.records.json", "records.json is missing"),
    ("zone-groups/rg-dx.pe1.json", "zone-groups/rg-dx.pe1.json is missing"),
    ("nics/rg-dx.pe1.nic.ea30fc5d-4a76-40a8-9c18-7db389a70e00.json", "nics/ has no file for the network interface"),
])
def test_a_missing_file_is_named(export: Path, relative: str, words: str) -> None:
    (export / relative).unlink()
    with pytest.raises(ExportError, match=words.replace(".", r"\.").replace("/", "/")):
        read_export(export, VAULT)


def test_role_assignments_promised_but_missing_are_an_error(export: Path) -> None:
    (export / exported.ROLE_ASSIGNMENTS).unlink()
    with pytest.raises(ExportError, match="role-assignments.json is missing"):
        read_export(export, VAULT)


@pytest.mark.parametrize("relative", [exported.KEYVAULT, exported.ENDPOINTS, exported.ZONES,
                                      "private-dns/rg-dx.privatelink.vaultcore.azure.net.records.json"])
def test_truncated_json_is_named(export: Path, relative: str) -> None:
    text = (export / relative).read_text()
    (export / relative).write_text(text[: len(text) // 2])
    with pytest.raises(ExportError, match=rf"{relative.replace('.', '[.]')} in .* is not whole JSON"):
        read_export(export, VAULT)


def test_json_nested_deeper_than_az_writes_is_named(export: Path) -> None:
    (export / exported.VNETS).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ExportError, match="virtual-networks.json in .* is not what az writes .*MaxDepth of 64"):
        read_export(export, VAULT)


def test_an_empty_file_is_named(export: Path) -> None:
    (export / exported.VNETS).write_text("")
    with pytest.raises(ExportError, match="virtual-networks.json in .* is empty"):
        read_export(export, VAULT)


def test_another_vaults_export_is_refused(export: Path) -> None:
    with pytest.raises(ExportError, match="exported for the vault 'kv-dx-1', not 'kv-other'"):
        read_export(export, "kv-other")
    vault = json.loads((export / exported.KEYVAULT).read_text())
    vault["name"] = "kv-other"
    vault["id"] = vault["id"].replace(VAULT, "kv-other")
    (export / exported.KEYVAULT).write_text(json.dumps(vault))
    with pytest.raises(ExportError, match="keyvault.json in .* describes the vault .*kv-other, not kv-dx-1: the "
                                          "files of another vault's export"):
        read_export(export, VAULT)


def test_files_of_the_wrong_kind_are_refused(export: Path) -> None:
    shutil.copy(export / exported.ZONES, export / exported.VNETS)
    with pytest.raises(ExportError, match="virtual-networks.json holds a resource of type "
                                          "'Microsoft.Network/privateDnsZones'"):
        read_export(export, VAULT)


def test_a_single_object_where_a_list_belongs_is_refused(export: Path) -> None:
    [endpoint] = json.loads((export / exported.ENDPOINTS).read_text())
    (export / exported.ENDPOINTS).write_text(json.dumps(endpoint))
    with pytest.raises(ExportError, match="private-endpoints.json should hold a JSON list"):
        read_export(export, VAULT)


def test_records_of_another_zone_are_refused(export: Path) -> None:
    relative = export / "private-dns/rg-dx.privatelink.vaultcore.azure.net.records.json"
    records = json.loads(relative.read_text())
    records[0]["id"] = records[0]["id"].replace("privatelink.vaultcore.azure.net", "privatelink.vault.azure.net")
    relative.write_text(json.dumps(records))
    with pytest.raises(ExportError, match="which is not in the zone"):
        read_export(export, VAULT)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is not a directory"):
        read_export(tmp_path / "nothing", VAULT)


def test_the_script_names_every_file_the_reader_reads() -> None:
    script = export_script(VAULT, "rg-dx")
    for name in (exported.MANIFEST, exported.KEYVAULT, exported.ENDPOINTS, exported.VNETS, exported.ZONES,
                 exported.ROLE_ASSIGNMENTS, '"$DIR/nics/$(group_of "$nic").${nic##*/}.json"', '.links.json"', '.records.json"',
                 '"$DIR/zone-groups/$(group_of "$pe").${pe##*/}.json"'):
        assert name in script
    assert "VAULT=kv-dx-1" in script and "GROUP=rg-dx" in script
    assert export_script("kv", "my group", subscription="s1").count("'my group'") == 1


def test_older_az_prints_nulls_for_every_unset_field_even_in_references() -> None:
    """az before its network commands were generated from the REST specs printed the SDK models whole: a
    reference to a subnet or an interface came with every other field null, and unset lists null too."""
    endpoint = {
        "customDnsConfigs": [], "etag": 'W/"e1"', "location": "eastus2", "name": "pe-old", "tags": None,
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/pe-old",
        "type": "Microsoft.Network/privateEndpoints", "provisioningState": "Succeeded", "resourceGroup": "g",
        "manualPrivateLinkServiceConnections": [{
            "etag": 'W/"e2"', "groupIds": None, "name": "c", "requestMessage": None, "resourceGroup": "g",
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/pe-old/"
                  "manualPrivateLinkServiceConnections/c",
            "privateLinkServiceConnectionState": {"actionsRequired": "None", "description": "gone",
                                                  "status": "Disconnected"},
            "privateLinkServiceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv",
            "provisioningState": "Succeeded",
            "type": "Microsoft.Network/privateEndpoints/manualPrivateLinkServiceConnections"}],
        "networkInterfaces": [{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                                     "networkInterfaces/pe-old.nic.1", "ipConfigurations": None, "name": None,
                               "etag": None, "type": None, "resourceGroup": "g"}],
        "privateLinkServiceConnections": [],
        "subnet": {"addressPrefix": None, "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                                                "virtualNetworks/v/subnets/a", "privateEndpoints": None,
                   "resourceGroup": "g", "name": None},
    }
    wire = exported.endpoint_wire(endpoint)
    assert set(wire) == {"id", "name", "type", "location", "etag", "properties"}
    props = wire["properties"]
    assert props["subnet"] == {"id": endpoint["subnet"]["id"]}
    assert props["networkInterfaces"] == [{"id": endpoint["networkInterfaces"][0]["id"]}]
    [connection] = props["manualPrivateLinkServiceConnections"]
    assert connection["properties"]["privateLinkServiceConnectionState"]["status"] == "Disconnected"
    assert "groupIds" not in connection["properties"] and connection["etag"] == 'W/"e2"'


def _script_functions() -> str:
    return "\n".join(line for line in export_script(VAULT, "rg-dx").splitlines()
                     if line.startswith(("ids() ", "group_of() ")))


def test_the_scripts_loops_take_every_listed_id_once(tmp_path: Path) -> None:
    """The script's own `ids` and `group_of`, run by bash over a list of two endpoints in two groups (one id
    spelled in another case) and over an empty list."""
    import subprocess

    [endpoint] = json.loads((SEED / exported.ENDPOINTS).read_text())
    second = json.loads(json.dumps(endpoint).replace("/resourceGroups/rg-dx/", "/resourcegroups/RG.Two/")
                        .replace("/pe1", "/pe2").replace("pe1.nic", "pe2.nic"))
    (tmp_path / "endpoints.json").write_text(json.dumps([endpoint, second, endpoint], indent=2))
    (tmp_path / "empty.json").write_text("[]\n")
    program = f"""set -euo pipefail
{_script_functions()}
ids "$1/endpoints.json" privateEndpoints | while IFS= read -r id; do echo "pe $(group_of "$id") ${{id##*/}}"; done
ids "$1/endpoints.json" networkInterfaces | while IFS= read -r id; do echo "nic $(group_of "$id") ${{id##*/}}"; done
ids "$1/empty.json" privateDnsZones | while IFS= read -r id; do echo "zone $id"; done
echo done
"""
    done = subprocess.run(["bash", "-c", program, "bash", str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "done" and len(lines) == 5
    assert sorted(lines[:-1]) == [
        "nic RG.Two pe2.nic.ea30fc5d-4a76-40a8-9c18-7db389a70e00",
        "nic rg-dx pe1.nic.ea30fc5d-4a76-40a8-9c18-7db389a70e00",
        "pe RG.Two pe2", "pe rg-dx pe1"]

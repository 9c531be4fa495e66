"""Virtual machines through the real azure-mgmt-compute SDK (and azure-mgmt-network for their interfaces):
create, get, list, update and delete; dynamic private addresses shared with private endpoints; what a delete
gives back (the interface and its address, or a detached interface); bad input that changes nothing; and a
resource group's delete."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.keyvaults import make_vault
from tests.clients.machines_support import Cloud, cloud, inline_vm, unique
from tests.clients.network_support import cli
from tests.vaultlink_process import Running, start


@pytest.fixture(scope="module")
def az(vaultlink: Running) -> Cloud:
    return cloud(vaultlink)


@pytest.fixture
def rg(az: Cloud) -> str:
    return az.group()


@pytest.fixture
def subnet_id(az: Cloud, rg: str) -> str:
    subnet: str = az.vnet(rg).properties.subnets[0].id
    return subnet


def refused(call: Any, *args: Any) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        result = call(*args)
        if hasattr(result, "result"):
            result.result()
    return err.value


def subnet_holders(az: Cloud, subnet_id: str) -> list[str]:
    parts = subnet_id.split("/")
    subnet = az.network.subnets.get(parts[4], parts[8], parts[10])
    return [c.id for c in subnet.properties.ip_configurations or []]


def test_create_get_list_and_delete(az: Cloud, rg: str, subnet_id: str) -> None:
    body = inline_vm(subnet_id, nic="web-nic", osProfile={"adminUsername": "azureuser", "adminPassword": "S3cret!pass"},
                     storageProfile={"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                        "sku": "server", "version": "latest"}})
    vm = az.compute.virtual_machines.begin_create_or_update(rg, "web", body).result()
    p = vm.properties
    assert (vm.type, vm.name, vm.location, p.provisioning_state) == ("Microsoft.Compute/virtualMachines", "web", "eastus",
                                                                     "Succeeded")
    assert vm.id == f"/subscriptions/{az.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/web"
    assert str(uuid.UUID(p.vm_id)) == p.vm_id and p.time_created is not None
    assert p.hardware_profile.vm_size == "Standard_B1s"
    assert p.os_profile.admin_username == "azureuser" and p.os_profile.computer_name == "web"
    assert "adminPassword" not in vm["properties"]["osProfile"]
    assert p.storage_profile.image_reference.offer == "ubuntu-24_04-lts"
    [ref] = p.network_profile.network_interfaces
    assert ref.id == f"/subscriptions/{az.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/web-nic"
    assert (ref.properties.primary, ref.properties.delete_option) == (True, "Delete")
    [config] = p.network_profile.network_interface_configurations
    assert config.name == "web-nic" and config.properties.ip_configurations[0].properties.subnet.id == subnet_id

    nic = az.nic_of(vm)
    assert (nic.type, nic.location, nic.properties.virtual_machine.id, nic.properties.primary) == (
        "Microsoft.Network/networkInterfaces", "eastus", vm.id, True)
    assert nic.properties.private_endpoint is None and nic.properties.mac_address
    [ip] = nic.properties.ip_configurations
    assert (ip.name, ip.properties.private_ip_address, ip.properties.private_ip_allocation_method,
            ip.properties.subnet.id, ip.properties.primary) == ("ipconfig1", "10.0.1.4", "Dynamic", subnet_id, True)
    assert subnet_holders(az, subnet_id) == [ip.id]

    fetched = az.compute.virtual_machines.get(rg, "WEB")
    assert fetched.id == vm.id and fetched.properties.vm_id == p.vm_id
    view = az.compute.virtual_machines.get(rg, "web", expand="instanceView").properties.instance_view
    assert [s.code for s in view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]
    assert vm.id in [v.id for v in az.compute.virtual_machines.list(rg)]
    assert vm.id in [v.id for v in az.compute.virtual_machines.list_all()]

    az.compute.virtual_machines.begin_delete(rg, "web").result()
    with pytest.raises(ResourceNotFoundError):
        az.compute.virtual_machines.get(rg, "web")
    with pytest.raises(ResourceNotFoundError):
        az.network.network_interfaces.get(rg, "web-nic")
    assert subnet_holders(az, subnet_id) == []
    assert vm.id not in [v.id for v in az.compute.virtual_machines.list(rg)]
    az.compute.virtual_machines.begin_delete(rg, "web").result()  # gone already: 204, still a success
    assert az.address_of(az.vm(rg, subnet_id)) == "10.0.1.4"  # the address went back


def test_addresses_are_shared_with_private_endpoints(vaultlink: Running, az: Cloud, rg: str, subnet_id: str) -> None:
    vault = KeyVaultManagementClient(az.credential, az.subscription_id).vaults.get("rg-data", make_vault(vaultlink))
    first = az.vm(rg, subnet_id)
    endpoint = az.network.private_endpoints.begin_create_or_update(rg, unique("pe-"), {
        "location": "eastus", "properties": {"subnet": {"id": subnet_id}, "privateLinkServiceConnections": [
            {"name": "to-vault", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}).result()
    second = az.vm(rg, subnet_id)
    parts = endpoint.properties.network_interfaces[0].id.split("/")
    pe_nic = az.network.network_interfaces.get(parts[4], parts[-1])
    assert (az.address_of(first), pe_nic.properties.ip_configurations[0].properties.private_ip_address,
            az.address_of(second)) == ("10.0.1.4", "10.0.1.5", "10.0.1.6")

    az.compute.virtual_machines.begin_delete(rg, first.name).result()
    third = az.vm(rg, subnet_id)
    assert az.address_of(third) == "10.0.1.4"
    az.network.private_endpoints.begin_delete(rg, endpoint.name).result()
    assert az.address_of(az.vm(rg, subnet_id)) == "10.0.1.5"


def test_a_detached_interface_stays_and_can_be_attached_again(az: Cloud, rg: str, subnet_id: str) -> None:
    vm = az.vm(rg, subnet_id, nic="kept-nic", delete_option="Detach")
    err = refused(az.network.network_interfaces.begin_delete, rg, "kept-nic")
    assert (err.status_code, err.error.code) == (400, "NicInUse")
    assert vm.id in err.error.message

    az.compute.virtual_machines.begin_delete(rg, vm.name).result()
    nic = az.network.network_interfaces.get(rg, "kept-nic")
    assert nic.properties.virtual_machine is None
    assert nic.properties.ip_configurations[0].properties.private_ip_address == "10.0.1.4"
    assert len(subnet_holders(az, subnet_id)) == 1

    again = az.compute.virtual_machines.begin_create_or_update(rg, "again", {"location": "eastus", "properties": {
        "networkProfile": {"networkInterfaces": [{"id": nic.id, "properties": {"deleteOption": "Delete"}}]}}}).result()
    assert az.address_of(again) == "10.0.1.4"
    assert az.network.network_interfaces.get(rg, "kept-nic").properties.virtual_machine.id == again.id
    other = refused(az.compute.virtual_machines.begin_create_or_update, rg, "thief", {"location": "eastus", "properties": {
        "networkProfile": {"networkInterfaces": [{"id": nic.id}]}}})
    assert (other.status_code, other.error.code) == (400, "NicInUse")

    az.compute.virtual_machines.begin_delete(rg, "again").result()
    with pytest.raises(ResourceNotFoundError):
        az.network.network_interfaces.get(rg, "kept-nic")
    assert subnet_holders(az, subnet_id) == []


def test_a_detached_interface_can_be_deleted(az: Cloud, rg: str, subnet_id: str) -> None:
    vm = az.vm(rg, subnet_id, nic="spare-nic", delete_option="Detach")
    az.compute.virtual_machines.begin_delete(rg, vm.name).result()
    az.network.network_interfaces.begin_delete(rg, "spare-nic").result()
    assert subnet_holders(az, subnet_id) == []


@pytest.mark.parametrize("change, status, code, words", [
    (lambda b, s: b["properties"]["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]
     ["ipConfigurations"][0]["properties"]["subnet"].update(id=s.replace("/subnets/default", "/subnets/nope")),
     400, "InvalidResourceReference", "/subnets/nope"),
    (lambda b, s: b.update(location="westus"), 400, "InvalidResourceReference", "same region"),
    (lambda b, s: b["properties"].update(hardwareProfile={"vmSize": "Huge VM"}), 400, "InvalidParameter", "Huge VM"),
    (lambda b, s: b["properties"].pop("networkProfile"), 400, "InvalidParameter", "networkProfile"),
    (lambda b, s: b["properties"]["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]
     ["ipConfigurations"][0]["properties"].update(publicIPAddressConfiguration={"name": "pip"}),
     400, "NotSupported", "public IP"),
    (lambda b, s: b["properties"]["networkProfile"]["networkInterfaceConfigurations"][0]["properties"].update(
        deleteOption="Shred"), 400, "InvalidParameter", "Shred"),
    (lambda b, s: b["properties"]["networkProfile"].update(networkInterfaces=[{"id": "/not/a/nic"}]),
     400, "InvalidParameter", "/not/a/nic"),
])
def test_bad_input_changes_nothing(az: Cloud, rg: str, subnet_id: str, change: Any, status: int, code: str,
                                   words: str) -> None:
    body = inline_vm(subnet_id, nic="bad-nic")
    change(body, subnet_id)
    err = refused(az.compute.virtual_machines.begin_create_or_update, rg, "bad", body)
    assert (err.status_code, err.error.code) == (status, code), err.message
    assert words in err.error.message
    with pytest.raises(ResourceNotFoundError):
        az.compute.virtual_machines.get(rg, "bad")
    with pytest.raises(ResourceNotFoundError):
        az.network.network_interfaces.get(rg, "bad-nic")
    assert subnet_holders(az, subnet_id) == []


def test_bad_names_and_missing_groups(az: Cloud, rg: str, subnet_id: str) -> None:
    err = refused(az.compute.virtual_machines.begin_create_or_update, rg, "-bad-", inline_vm(subnet_id))
    assert (err.status_code, err.error.code) == (400, "InvalidResourceName")
    err = refused(az.compute.virtual_machines.begin_create_or_update, unique("rg-none-"), "vm", inline_vm(subnet_id))
    assert (err.status_code, err.error.code) == (404, "ResourceGroupNotFound")
    err = refused(az.compute.virtual_machines.get, rg, "absent")
    assert (err.status_code, err.error.code) == (404, "ResourceNotFound")
    assert err.error.message.startswith("The Resource 'Microsoft.Compute/virtualMachines/absent' under resource group")


def test_a_taken_interface_name_is_refused(az: Cloud, rg: str, subnet_id: str) -> None:
    az.vm(rg, subnet_id, nic="shared-name")
    err = refused(az.compute.virtual_machines.begin_create_or_update, rg, "second", inline_vm(subnet_id, nic="shared-name"))
    assert (err.status_code, err.error.code) == (409, "NetworkInterfaceNameInUse")
    assert len(subnet_holders(az, subnet_id)) == 1


def test_update_changes_size_and_tags_but_not_interfaces(az: Cloud, rg: str, subnet_id: str) -> None:
    vm = az.vm(rg, subnet_id, name="resize")
    round_trip = az.compute.virtual_machines.get(rg, "resize").as_dict()
    round_trip["properties"]["hardwareProfile"]["vmSize"] = "Standard_D2s_v5"
    round_trip["tags"] = {"team": "platform"}
    updated = az.compute.virtual_machines.begin_create_or_update(rg, "resize", round_trip).result()
    assert updated.properties.hardware_profile.vm_size == "Standard_D2s_v5" and updated.tags == {"team": "platform"}
    assert (updated.properties.vm_id, az.address_of(updated)) == (vm.properties.vm_id, "10.0.1.4")
    assert updated.etag != vm.etag

    patched = az.compute.virtual_machines.begin_update(rg, "resize", {"tags": {"team": "apps"}}).result()
    assert patched.tags == {"team": "apps"} and patched.properties.hardware_profile.vm_size == "Standard_D2s_v5"

    other = az.vm(rg, subnet_id)
    moved = az.compute.virtual_machines.get(rg, "resize").as_dict()
    moved["properties"]["networkProfile"] = {"networkInterfaces": [{"id": other.properties.network_profile.network_interfaces[0].id}]}
    moved["properties"]["networkProfile"]["networkInterfaceConfigurations"] = []
    err = refused(az.compute.virtual_machines.begin_create_or_update, rg, "resize", moved)
    assert (err.status_code, err.error.code) == (400, "NotSupported")
    elsewhere = az.compute.virtual_machines.get(rg, "resize").as_dict()
    elsewhere["location"] = "westus"
    err = refused(az.compute.virtual_machines.begin_create_or_update, rg, "resize", elsewhere)
    assert (err.status_code, err.error.code) == (409, "InvalidResourceLocation")


def test_deleting_the_group_frees_the_addresses_elsewhere(az: Cloud) -> None:
    network_group, machine_group = az.group(), az.group()
    subnet_id = az.vnet(network_group).properties.subnets[0].id
    az.vm(machine_group, subnet_id)
    az.vm(machine_group, subnet_id, nic="left-behind", delete_option="Detach")
    err = refused(az.network.virtual_networks.begin_delete, network_group, subnet_id.split("/")[8])
    assert err.status_code == 400
    groups = ResourceManagementClient(az.credential, az.subscription_id).resource_groups  # type: ignore[arg-type]
    refused(groups.begin_delete, network_group)  # the machines in the other group still use the subnet
    assert len(subnet_holders(az, subnet_id)) == 2
    groups.begin_delete(machine_group).result()
    assert subnet_holders(az, subnet_id) == []
    assert az.address_of(az.vm(az.group(), subnet_id)) == "10.0.1.4"


def test_vm_ids_are_guids_and_etags_change(az: Cloud, rg: str, subnet_id: str) -> None:
    vm = az.vm(rg, subnet_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", vm.properties.vm_id)
    assert vm.etag and vm.etag == az.compute.virtual_machines.get(rg, vm.name).etag


def test_polling_clients_see_the_same_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With long-running operations answered the slow way (201/202 and polling URLs), the SDK's pollers
    finish create, update and delete."""
    running = start(tmp_path / "data", "--async-operations")
    try:
        for name, value in running.env_exports().items():
            monkeypatch.setenv(name, value)
        az = cloud(running)
        rg = az.group()
        subnet_id = az.vnet(rg).properties.subnets[0].id
        vm = az.vm(rg, subnet_id, name="polled")
        assert (vm.properties.provisioning_state, az.address_of(vm)) == ("Succeeded", "10.0.1.4")
        assert az.compute.virtual_machines.begin_update(rg, "polled", {"tags": {"a": "b"}}).result().tags == {"a": "b"}
        az.compute.virtual_machines.begin_delete(rg, "polled").result()
        assert list(az.compute.virtual_machines.list(rg)) == [] and subnet_holders(az, subnet_id) == []
    finally:
        running.stop()
    assert "Traceback" not in running.log.read_text()


def test_joining_a_subnet_needs_the_join_action_there(vaultlink: Running, az: Cloud) -> None:
    network_group, machine_group = az.group(), az.group()
    subnet_id = az.vnet(network_group).properties.subnets[0].id
    tenant = vaultlink.credentials["tenantId"]
    sp = cli(vaultlink, "sp-create", unique("vm-maker-"), "--tenant", tenant)
    scope = f"/subscriptions/{az.subscription_id}/resourceGroups/"
    cli(vaultlink, "role-assign", "--assignee", sp["appId"], "--role", "Contributor", "--scope", scope + machine_group)
    maker = ComputeManagementClient(ClientSecretCredential(tenant, sp["appId"], sp["secret"]), az.subscription_id)
    err = refused(maker.virtual_machines.begin_create_or_update, machine_group, "vm", inline_vm(subnet_id))
    assert (err.status_code, err.error.code) == (403, "LinkedAuthorizationFailed")
    assert "Microsoft.Network/virtualNetworks/subnets/join/action" in err.error.message and subnet_id in err.error.message
    assert subnet_holders(az, subnet_id) == []

    cli(vaultlink, "role-assign", "--assignee", sp["appId"], "--role", "Network Contributor", "--scope", scope + network_group)
    made = maker.virtual_machines.begin_create_or_update(machine_group, "vm", inline_vm(subnet_id)).result()
    assert az.address_of(made) == "10.0.1.4"

"""Auto-registration of virtual machines in a private zone, through the real azure-mgmt-privatedns SDK, the real
az CLI and `nslookup` run as a machine (`vaultlink vm exec`): records appear with the machine and go with it or
with the link, a record written by hand takes precedence until it is deleted, a network registers in one zone
only, private endpoints never register, and all of it holds after a restart."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.clients.machines_support import Cloud, cloud, unique, vaultlink_cli, vm_json
from tests.clients.network_support import VAULT_ZONE, Net
from tests.vaultlink_process import Running, exported

pytestmark = pytest.mark.skipif(shutil.which("nslookup") is None, reason="nslookup (dnsutils) is installed by `make test`")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server, exported(server):
        yield server


@pytest.fixture(scope="module")
def sdk(running: Running) -> Cloud:
    return cloud(running)


@pytest.fixture(scope="module")
def dns(sdk: Cloud) -> PrivateDnsManagementClient:
    return PrivateDnsManagementClient(sdk.credential, sdk.subscription_id)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    return az


def zone_with_registration(sdk: Cloud, dns: PrivateDnsManagementClient, group: str, vnet: Any,
                           zone: str | None = None, link: str = "reg") -> str:
    zone = zone or f"{unique('corp')}.internal"
    dns.private_zones.begin_create_or_update(group, zone, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(group, zone, link, {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet.id}, "registrationEnabled": True}}).result()
    return zone


def a_records(dns: PrivateDnsManagementClient, group: str, zone: str) -> dict[str, tuple[list[str], bool, int]]:
    """name -> (addresses, isAutoRegistered, ttl) of the zone's A record sets."""
    return {r.name: ([a.ipv4_address for a in r.a_records], bool(r.is_auto_registered), r.ttl)
            for r in dns.record_sets.list_by_type(group, zone, "A")}


def nslookup_from(running: Running, machine: str, name: str) -> str:
    """`nslookup NAME` run as the machine, against its network's resolver."""
    host, port = vm_json(running, "show", machine)["dnsServer"].rsplit(":", 1)
    return vaultlink_cli(running, "vm", "exec", machine, "--", "nslookup", f"-port={port}", name, host,
                         check=False).stdout


def create_vm(running: Running, name: str, group: str, vnet: str) -> dict[str, Any]:
    return vm_json(running, "create", name, "-g", group, "--vnet", vnet, "--subnet", "default")


def test_a_machine_registers_under_its_name_and_goes_with_it(running: Running, sdk: Cloud,
                                                             dns: PrivateDnsManagementClient) -> None:
    group = sdk.group()
    vnet = sdk.vnet(group)
    zone = zone_with_registration(sdk, dns, group, vnet)
    machine = create_vm(running, "app-vm", group, vnet.name)
    address = machine["privateIp"]

    assert a_records(dns, group, zone) == {"app-vm": ([address], True, 10)}
    record = dns.record_sets.get(group, zone, "A", "app-vm")
    assert record.fqdn == f"app-vm.{zone}." and record.is_auto_registered
    out = nslookup_from(running, "app-vm", f"app-vm.{zone}")
    assert f"Name:\tapp-vm.{zone}\nAddress: {address}" in out, out
    reverse = nslookup_from(running, "app-vm", address)  # Azure DNS answers PTR for registered machines
    assert f"{'.'.join(reversed(address.split('.')))}.in-addr.arpa\tname = app-vm.{zone}." in reverse, reverse

    running.restart()
    assert a_records(dns, group, zone) == {"app-vm": ([address], True, 10)}
    assert f"Address: {address}" in nslookup_from(running, "app-vm", f"app-vm.{zone}")
    assert f"name = app-vm.{zone}." in nslookup_from(running, "app-vm", address)

    sdk.compute.virtual_machines.begin_delete(group, "app-vm").result()
    assert a_records(dns, group, zone) == {}
    other = create_vm(running, "other-vm", group, vnet.name)["name"]
    assert f"can't find app-vm.{zone}: NXDOMAIN" in nslookup_from(running, other, f"app-vm.{zone}")


def test_the_link_brings_existing_machines_and_takes_them_away(running: Running, sdk: Cloud,
                                                               dns: PrivateDnsManagementClient) -> None:
    group = sdk.group()
    vnet = sdk.vnet(group)
    first = create_vm(running, unique("early-"), group, vnet.name)
    zone = f"{unique('corp')}.internal"
    dns.private_zones.begin_create_or_update(group, zone, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(group, zone, "resolve-only", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}}).result()
    assert a_records(dns, group, zone) == {}

    dns.virtual_network_links.begin_update(group, zone, "resolve-only", {"properties": {
        "registrationEnabled": True}}).result()
    assert a_records(dns, group, zone) == {first["name"]: ([first["privateIp"]], True, 10)}
    second = create_vm(running, unique("late-"), group, vnet.name)
    assert set(a_records(dns, group, zone)) == {first["name"], second["name"]}

    dns.virtual_network_links.begin_delete(group, zone, "resolve-only").result()
    assert a_records(dns, group, zone) == {}


def test_a_manual_record_takes_precedence_until_it_is_deleted(running: Running, sdk: Cloud,
                                                              dns: PrivateDnsManagementClient, az: Az) -> None:
    group = sdk.group()
    vnet = sdk.vnet(group)
    zone = f"{unique('corp')}.internal"
    az("network", "private-dns", "zone", "create", "-g", group, "-n", zone)
    link = az("network", "private-dns", "link", "vnet", "create", "-g", group, "-z", zone, "-n", "reg",
              "-v", vnet.id, "-e", "true")
    assert link["registrationEnabled"] is True
    machine = create_vm(running, unique("web-"), group, vnet.name)
    name = machine["name"]
    listed = az("network", "private-dns", "record-set", "a", "list", "-g", group, "-z", zone)
    assert [(r["name"], r["isAutoRegistered"], r["aRecords"]) for r in listed] == \
        [(name, True, [{"ipv4Address": machine["privateIp"]}])]

    # `az ... record-set a create` sends If-None-Match: *, which the machine's record refuses like any existing
    # set; a PUT without it writes over the machine's record
    dns.record_sets.create_or_update(group, zone, "A", name, {"properties": {
        "ttl": 300, "aRecords": [{"ipv4Address": "10.0.1.200"}]}})
    assert a_records(dns, group, zone) == {name: (["10.0.1.200"], False, 300)}
    assert "Address: 10.0.1.200" in nslookup_from(running, name, f"{name}.{zone}")
    other = create_vm(running, unique("db-"), group, vnet.name)  # registration goes on for the other names
    assert a_records(dns, group, zone)[other["name"]] == ([other["privateIp"]], True, 10)

    az("network", "private-dns", "record-set", "a", "delete", "-g", group, "-z", zone, "-n", name, "--yes")
    assert a_records(dns, group, zone)[name] == ([machine["privateIp"]], True, 10)
    assert f"Address: {machine['privateIp']}" in nslookup_from(running, name, f"{name}.{zone}")


def test_a_network_registers_in_one_zone_only(running: Running, sdk: Cloud, dns: PrivateDnsManagementClient) -> None:
    group = sdk.group()
    vnet = sdk.vnet(group)
    first = zone_with_registration(sdk, dns, group, vnet)
    second = f"{unique('other')}.internal"
    dns.private_zones.begin_create_or_update(group, second, {"location": "global"}).result()
    with pytest.raises(HttpResponseError) as refused:
        dns.virtual_network_links.begin_create_or_update(group, second, "reg2", {"location": "global", "properties": {
            "virtualNetwork": {"id": vnet.id}, "registrationEnabled": True}}).result()
    # As Azure words it (recorded in the azurerm Terraform module's upgrade notes and users' reports)
    assert refused.value.status_code == 409 and refused.value.error.code == "Conflict"
    assert refused.value.error.message == (
        "A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled; conflicting "
        f"Private DNS zone is '{dns.private_zones.get(group, first).id.lower()}'.")
    with pytest.raises(HttpResponseError):
        dns.virtual_network_links.get(group, second, "reg2")
    # a resolution link beside it is fine
    dns.virtual_network_links.begin_create_or_update(group, second, "resolve", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}}).result()


def test_private_endpoints_never_register(running: Running, sdk: Cloud, dns: PrivateDnsManagementClient) -> None:
    group = sdk.group()
    vnet = sdk.vnet(group)
    zone = zone_with_registration(sdk, dns, group, vnet, zone=VAULT_ZONE)
    net = Net.default(running)
    vault = net.vault(group)
    net.endpoint(group, vnet.subnets[0].id, vault)
    machine = create_vm(running, unique("app-"), group, vnet.name)
    assert a_records(dns, group, zone) == {machine["name"]: ([machine["privateIp"]], True, 10)}

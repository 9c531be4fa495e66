"""What a virtual machine's request body may say, checked before anything is written (arm/providers/compute)."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.arm.providers.compute import schemas
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId

VM = ResourceId("sub", "rg", "Microsoft.Compute", ("virtualMachines",), ("web",))
SUBNET = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/net/subnets/default"
NIC = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/"


def body(*configs: dict[str, Any], refs: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    network: dict[str, Any] = {"networkInterfaceConfigurations": list(configs)}
    if refs is not None:
        network["networkInterfaces"] = refs
    return {"location": "eastus", "properties": {"networkProfile": network, **props}}


def config(name: str | None = "nic", *ips: dict[str, Any], **props: Any) -> dict[str, Any]:
    ips = ips or ({"name": "ipconfig1", "properties": {"subnet": {"id": SUBNET}}},)
    out: dict[str, Any] = {"properties": {"ipConfigurations": list(ips), **props}}
    if name is not None:
        out["name"] = name
    return out


def test_an_inline_interface_defaults() -> None:
    spec = schemas.parse(VM, body(config(None)))
    [c] = spec.configurations
    assert (c.name, str(c.nic), c.delete_option, c.primary) == ("web-nic", NIC + "web-nic", "Delete", None)
    assert [(ip.name, str(ip.subnet), ip.primary) for ip in c.ip_configurations] == [("ipconfig1", SUBNET, True)]
    assert spec.vm_size is None and schemas.primary_of(spec, c.nic) is True
    assert schemas.delete_option_of(spec, c.nic, None) == "Delete"


def test_write_only_fields_are_dropped_and_the_computer_name_defaults() -> None:
    spec = schemas.parse(VM, body(config(), osProfile={"adminUsername": "u", "adminPassword": "p", "customData": "x"}))
    assert spec.os_profile == {"adminUsername": "u", "computerName": "web", "secrets": []}


def test_references_and_configurations_name_each_interface_once() -> None:
    spec = schemas.parse(VM, body(config("nic"), refs=[{"id": NIC + "NIC", "properties": {"deleteOption": "detach"}}]))
    assert [str(n) for n in spec.nic_ids()] == [NIC + "nic"]
    assert schemas.delete_option_of(spec, spec.nic_ids()[0], None) == "Detach"
    given = schemas.parse(VM, body(refs=[{"id": NIC + "old"}]))
    assert schemas.delete_option_of(given, given.nic_ids()[0], None) == "Detach"


@pytest.mark.parametrize("request_body, code", [
    (body(config(), hardwareProfile={"vmSize": "Enormous"}), "InvalidParameter"),
    (body(), "InvalidParameter"),
    (body(config("a"), config("b")), "InvalidParameter"),  # two interfaces, neither primary
    (body(config("a"), config("A")), "InvalidParameter"),  # the same interface twice
    (body(config("nic", {"name": "x", "properties": {}})), "InvalidParameter"),  # no subnet
    (body(config("nic", {"name": "a", "properties": {"subnet": {"id": SUBNET}}},
                 {"name": "b", "properties": {"subnet": {"id": SUBNET}}})), "InvalidParameter"),  # no primary IP
    (body(config(deleteOption="Keep")), "InvalidParameter"),
    (body(config(), refs=[{"id": SUBNET}]), "InvalidParameter"),
    (body(config("nic", {"name": "a", "properties": {"subnet": {"id": SUBNET}, "privateIPAddressVersion": "IPv6"}})),
     "NotSupported"),
    (body(config("bad name!")), "InvalidResourceName"),
    ({"properties": {}}, "LocationRequired"),
])
def test_bad_bodies_are_refused_before_anything_is_written(request_body: dict[str, Any], code: str) -> None:
    with pytest.raises(errors.AzureError) as err:
        schemas.parse(VM, request_body)
    assert err.value.code == code, err.value.message


def test_an_update_may_leave_the_network_profile_out() -> None:
    spec = schemas.parse(VM, {"location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v5"}}})
    assert (spec.network_given, spec.vm_size) == (False, "Standard_D2s_v5")


def test_the_primary_interface_comes_first_on_the_wire() -> None:
    first, second = ResourceId.parse(NIC + "a"), ResourceId.parse(NIC + "b")
    profile = schemas.network_profile(None, None, [(first, False, "Delete"), (second, True, "Detach")])
    assert [i["id"] for i in profile["networkInterfaces"]] == [str(second), str(first)]
    assert "networkInterfaceConfigurations" not in profile and "networkApiVersion" not in profile

"""Wire shapes of Microsoft.Compute/virtualMachines: what a request body may say (parsed and checked before
anything is written) and what a stored VM looks like on the wire.

A VM names its network interfaces in one of two ways, both in `properties.networkProfile`:
`networkInterfaces: [{id, properties{primary, deleteOption}}]` (interfaces that exist already) or
`networkInterfaceConfigurations: [{name, properties{primary, deleteOption, ipConfigurations[...]}}]` (the VM
creates them, named after the configuration). Only dynamically allocated private IPv4 addresses are
supported. The admin password and custom data are write-only: never stored, never echoed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.providers.compute import errors as compute
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId

VIRTUAL_MACHINES = "Microsoft.Compute/virtualMachines"
NETWORK_INTERFACES = "Microsoft.Network/networkInterfaces"
SUBNETS = "Microsoft.Network/virtualNetworks/subnets"
SUCCEEDED = "Succeeded"
DEFAULT_SIZE = "Standard_B1s"
DELETE, DETACH = "Delete", "Detach"
VM_SIZE = re.compile(r"(?i)(standard|basic)_[a-z0-9]+(?:[_-][a-z0-9]+)*")
WRITE_ONLY_OS_FIELDS = ("adminPassword", "customData")
VM_NAME_RULE = ("The name can be up to 64 characters long. It must begin with a word character, and it must end "
                "with a word character or with '_'. The name may contain word characters or '.', '-', '_'.")


@dataclass(frozen=True)
class IpConfiguration:
    name: str
    subnet: ResourceId
    primary: bool


@dataclass(frozen=True)
class NicConfiguration:
    """An interface the VM creates for itself."""

    name: str
    nic: ResourceId
    primary: bool | None
    delete_option: str
    accelerated: bool
    ip_configurations: tuple[IpConfiguration, ...]
    wire: dict[str, Any]


@dataclass(frozen=True)
class NicReference:
    """An interface named by id."""

    nic: ResourceId
    primary: bool | None
    delete_option: str | None


@dataclass(frozen=True)
class VmSpec:
    rid: ResourceId
    location: str
    tags: dict[str, str] | None
    vm_size: str | None
    storage_profile: dict[str, Any] | None
    os_profile: dict[str, Any] | None
    network_given: bool
    network_api_version: str | None
    configurations: tuple[NicConfiguration, ...]
    references: tuple[NicReference, ...]

    def nic_ids(self) -> list[ResourceId]:
        """Every interface the request names, configurations first, each once."""
        out = [c.nic for c in self.configurations]
        out += [r.nic for r in self.references if r.nic not in out]
        return out


# ---- request --------------------------------------------------------------------------------------------

def _object(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise compute.InvalidParameter(f"The value of parameter '{field}' must be an object.", target=field)
    return value


def _list(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise compute.InvalidParameter(f"The value of parameter '{field}' must be an array of objects.", target=field)
    return list(value)


def _bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise compute.InvalidParameter(f"The value '{value}' of parameter '{field}' is not a boolean.", target=field)


def _delete_option(value: Any, field: str) -> str | None:
    if value is None:
        return None
    for option in (DELETE, DETACH):
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise compute.InvalidParameter(
        f"The value '{value}' of parameter '{field}' is not valid. It must be one of: Delete, Detach.", target=field)


def vm_size_of(props: dict[str, Any]) -> str | None:
    hardware = _object(props.get("hardwareProfile"), "hardwareProfile")
    size = (hardware or {}).get("vmSize")
    if size is None:
        return None
    if not isinstance(size, str) or not VM_SIZE.fullmatch(size):
        raise compute.InvalidVmSize(value=size, target="vmSize")
    return size


def _os_profile(value: Any, vm: str) -> dict[str, Any] | None:
    profile = _object(value, "osProfile")
    if profile is None:
        return None
    echo = {k: copy.deepcopy(v) for k, v in profile.items() if k not in WRITE_ONLY_OS_FIELDS}
    computer = echo.setdefault("computerName", vm)
    if not isinstance(computer, str) or not 1 <= len(computer) <= 64:
        raise compute.InvalidParameter(f"The value '{computer}' of parameter 'computerName' is not valid.",
                                       target="computerName")
    echo.setdefault("secrets", [])
    return echo


def _storage_profile(value: Any) -> dict[str, Any] | None:
    profile = _object(value, "storageProfile")
    if profile is None:
        return None
    for field in ("imageReference", "osDisk"):
        _object(profile.get(field), field)
    echo = copy.deepcopy(profile)
    echo["dataDisks"] = _list(echo.get("dataDisks"), "dataDisks")
    return echo


def _ip_configuration(item: dict[str, Any], index: int, count: int) -> tuple[IpConfiguration, dict[str, Any]]:
    name = item.get("name") or f"ipconfig{index + 1}"
    field = f"networkInterfaceConfigurations.ipConfigurations[{index}]"
    if not isinstance(name, str):
        raise compute.InvalidParameter(f"The value of parameter '{field}.name' must be a string.", target=f"{field}.name")
    props = _object(item.get("properties"), f"{field}.properties") or {}
    if props.get("publicIPAddressConfiguration") is not None:
        raise errors.NotSupported(what="public IP addresses on virtual machines (a machine's internet traffic leaves "
                                  "from the public address vaultlink gives it)")
    version = props.get("privateIPAddressVersion") or "IPv4"
    if not isinstance(version, str) or version.lower() != "ipv4":
        raise errors.NotSupported(what=f"privateIPAddressVersion '{version}': only IPv4 addresses are allocated")
    subnet_ref = _object(props.get("subnet"), f"{field}.subnet")
    subnet_text = (subnet_ref or {}).get("id")
    subnet = ResourceId.try_parse(subnet_text) if isinstance(subnet_text, str) else None
    if subnet is None or subnet.type.lower() != SUBNETS.lower():
        raise compute.RequiredParameterMissing(name="subnet", target=f"{field}.properties.subnet")
    primary = _bool(props.get("primary"), f"{field}.primary")
    config = IpConfiguration(name, subnet, bool(primary) if count > 1 else True)
    wire = {"name": name, "properties": {"subnet": {"id": str(subnet)}, "privateIPAddressVersion": "IPv4",
                                         **({"primary": primary} if primary is not None else {})}}
    return config, wire


def _configuration(rid: ResourceId, item: dict[str, Any], index: int, count: int) -> NicConfiguration:
    field = f"networkInterfaceConfigurations[{index}]"
    name = item.get("name")
    if name is None and count == 1:
        name = f"{rid.name}-nic"
    if not isinstance(name, str) or not name:
        raise compute.RequiredParameterMissing(name="name", target=f"{field}.name")
    tracked.check_network_name(name, NETWORK_INTERFACES, 1, 80)
    nic = rid.group_id.provider("Microsoft.Network", "networkInterfaces", name)
    props = _object(item.get("properties"), f"{field}.properties") or {}
    primary = _bool(props.get("primary"), f"{field}.primary")
    accelerated = bool(_bool(props.get("enableAcceleratedNetworking"), f"{field}.enableAcceleratedNetworking"))
    delete_option = _delete_option(props.get("deleteOption"), f"{field}.deleteOption") or DELETE
    items = _list(props.get("ipConfigurations"), f"{field}.ipConfigurations")
    if not items:
        raise compute.RequiredParameterMissing(name="ipConfigurations", target=f"{field}.ipConfigurations")
    parsed = [_ip_configuration(c, i, len(items)) for i, c in enumerate(items)]
    configs = tuple(c for c, _ in parsed)
    if len({c.name.lower() for c in configs}) != len(configs):
        raise compute.InvalidNetworkProfile(message=f"The IP configurations of {field} must have distinct names.",
                                            target=f"{field}.ipConfigurations")
    if len(configs) > 1 and sum(c.primary for c in configs) != 1:
        raise compute.InvalidNetworkProfile(
            message=f"Exactly one IP configuration of network interface configuration '{name}' must be primary.",
            target=f"{field}.ipConfigurations")
    if len({c.subnet.parent for c in configs}) != 1:
        raise compute.InvalidNetworkProfile(
            message=f"The IP configurations of network interface configuration '{name}' must be in one virtual network.",
            target=f"{field}.ipConfigurations")
    wire_props: dict[str, Any] = {"deleteOption": delete_option, "enableAcceleratedNetworking": accelerated,
                                  "enableIPForwarding": False, "ipConfigurations": [w for _, w in parsed]}
    if primary is not None:
        wire_props["primary"] = primary
    wire = {"name": name, "properties": wire_props}
    return NicConfiguration(name, nic, primary, delete_option, accelerated, configs, wire)


def _reference(item: dict[str, Any], index: int) -> NicReference:
    field = f"networkInterfaces[{index}]"
    text = item.get("id")
    nic = ResourceId.try_parse(text) if isinstance(text, str) else None
    if nic is None or nic.type.lower() != NETWORK_INTERFACES.lower():
        raise compute.InvalidParameter(f"The value '{text}' of parameter '{field}.id' is not a network interface id.",
                                       target=f"{field}.id")
    props = _object(item.get("properties"), f"{field}.properties") or {}
    return NicReference(nic, _bool(props.get("primary"), f"{field}.primary"),
                        _delete_option(props.get("deleteOption"), f"{field}.deleteOption"))


def parse(rid: ResourceId, body: dict[str, Any]) -> VmSpec:
    """Checks everything a request says that can be checked without the store."""
    tracked.check_name(rid.name, type_=VIRTUAL_MACHINES, low=1, high=64, pattern=tracked.NETWORK_NAME_PATTERN,
                       rule=VM_NAME_RULE)
    location = tracked.location_of(body, VIRTUAL_MACHINES)
    tags = tracked.tags_of(body.get("tags"))
    props = tracked.properties_of(body)
    network = _object(props.get("networkProfile"), "networkProfile")
    configs: tuple[NicConfiguration, ...] = ()
    refs: tuple[NicReference, ...] = ()
    api: str | None = None
    if network is not None:
        items = _list(network.get("networkInterfaceConfigurations"), "networkInterfaceConfigurations")
        configs = tuple(_configuration(rid, c, i, len(items)) for i, c in enumerate(items))
        refs = tuple(_reference(r, i) for i, r in enumerate(_list(network.get("networkInterfaces"), "networkInterfaces")))
        version = network.get("networkApiVersion")
        api = version if isinstance(version, str) else None
        if len({c.nic for c in configs}) != len(configs):
            raise compute.InvalidNetworkProfile(
                message="The network interface configurations must have distinct names.",
                target="networkInterfaceConfigurations")
    spec = VmSpec(rid, location, tags, vm_size_of(props), _storage_profile(props.get("storageProfile")),
                  _os_profile(props.get("osProfile"), rid.name), network is not None, api, configs, refs)
    if spec.network_given:
        _check_primary(spec)
    return spec


def _check_primary(spec: VmSpec) -> None:
    if not spec.nic_ids():
        raise compute.RequiredParameterMissing(name="networkProfile.networkInterfaces",
                                               target="networkProfile.networkInterfaces")
    if len(spec.nic_ids()) > 1 and sum(1 for n in spec.nic_ids() if primary_of(spec, n)) != 1:
        raise compute.InvalidNetworkProfile(
            message=f"Virtual machine {spec.rid.name} has more than one network interface: exactly one of them must "
            "be marked primary.", target="networkProfile")


def primary_of(spec: VmSpec, nic: ResourceId) -> bool:
    for c in spec.configurations:
        if c.nic == nic and c.primary is not None:
            return c.primary
    for r in spec.references:
        if r.nic == nic and r.primary is not None:
            return r.primary
    return len(spec.nic_ids()) == 1


def delete_option_of(spec: VmSpec, nic: ResourceId, current: str | None) -> str:
    """What happens to an interface when the VM goes: as the request says, else as it was, else the default
    (Delete for an interface the VM created from a configuration, Detach for one it was given)."""
    for r in spec.references:
        if r.nic == nic and r.delete_option is not None:
            return r.delete_option
    for c in spec.configurations:
        if c.nic == nic:
            return c.delete_option
    return current or DETACH


# ---- bodies ---------------------------------------------------------------------------------------------

def network_profile(api: str | None, configurations: list[dict[str, Any]] | None,
                    interfaces: list[tuple[ResourceId, bool, str]]) -> dict[str, Any]:
    """The primary interface first: it is the one the machine's traffic leaves from."""
    profile: dict[str, Any] = {}
    if api:
        profile["networkApiVersion"] = api
    if configurations:
        profile["networkInterfaceConfigurations"] = configurations
    ordered = sorted(interfaces, key=lambda i: not i[1])
    profile["networkInterfaces"] = [
        {"id": str(nic), "properties": {"primary": primary, "deleteOption": option}} for nic, primary, option in ordered
    ]
    return profile


def virtual_machine(spec: VmSpec, *, vm_id: str, created: str, network: dict[str, Any], vm_size: str,
                    storage: dict[str, Any] | None, os_profile: dict[str, Any] | None) -> dict[str, Any]:
    props: dict[str, Any] = {"hardwareProfile": {"vmSize": vm_size}}
    if storage is not None:
        props["storageProfile"] = storage
    if os_profile is not None:
        props["osProfile"] = os_profile
    props["networkProfile"] = network
    props["provisioningState"] = SUCCEEDED
    props["vmId"] = vm_id
    props["timeCreated"] = created
    return tracked.envelope(spec.rid, properties=props, location=spec.location, tags=spec.tags)


def instance_view(body: dict[str, Any], now: str) -> dict[str, Any]:
    """A running machine's instance view, for `$expand=instanceView`."""
    computer = (body["properties"].get("osProfile") or {}).get("computerName", body["name"])
    return {
        "computerName": computer,
        "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "time": now},
            {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"},
        ],
    }


def interfaces_of(body: dict[str, Any]) -> list[tuple[ResourceId, bool, str]]:
    """(interface, primary, deleteOption) of a stored VM."""
    out = []
    for ref in (body["properties"].get("networkProfile") or {}).get("networkInterfaces") or []:
        props = ref.get("properties") or {}
        out.append((ResourceId.parse(ref["id"]), bool(props.get("primary")), str(props.get("deleteOption") or DETACH)))
    return out

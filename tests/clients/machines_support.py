"""What the virtual-machine client tests share: the real ComputeManagementClient and NetworkManagementClient
as the default service principal, a group with a virtual network, VM bodies in the wire shape, and the
`vaultlink` command."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def vaultlink_cli(running: Running, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`vaultlink ARGS`, with --data-dir before any `--` (what follows it is a command's own)."""
    split = args.index("--") if "--" in args else len(args)
    argv = [sys.executable, "-m", "vaultlink", *args[:split], "--data-dir", str(running.data_dir), *args[split:]]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def vm_json(running: Running, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(vaultlink_cli(running, "vm", *args, "-o", "json").stdout)
    return data


def inline_vm(subnet_id: str, *, nic: str | None = None, location: str = "eastus", delete_option: str | None = None,
              **props: Any) -> dict[str, Any]:
    """A VM body whose interface the VM creates (the current SDK's networkInterfaceConfigurations)."""
    config: dict[str, Any] = {"primary": True, "ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": subnet_id}, "privateIPAddressVersion": "IPv4"}}]}
    if delete_option:
        config["deleteOption"] = delete_option
    configuration: dict[str, Any] = {"properties": config}
    if nic is not None:
        configuration["name"] = nic
    return {"location": location, "properties": {
        "networkProfile": {"networkApiVersion": "2024-07-01", "networkInterfaceConfigurations": [configuration]},
        **props}}


@dataclass
class Cloud:
    running: Running
    credential: ClientSecretCredential
    subscription_id: str

    @property
    def compute(self) -> ComputeManagementClient:
        return ComputeManagementClient(self.credential, self.subscription_id)  # type: ignore[arg-type]

    @property
    def network(self) -> NetworkManagementClient:
        return NetworkManagementClient(self.credential, self.subscription_id)  # type: ignore[arg-type]

    def group(self, location: str = "eastus") -> str:
        name = unique("rg-vm-")
        ResourceManagementClient(self.credential, self.subscription_id).resource_groups.create_or_update(  # type: ignore[arg-type]
            name, {"location": location})
        return name

    def vnet(self, group: str, name: str | None = None, location: str = "eastus") -> Any:
        return self.network.virtual_networks.begin_create_or_update(group, name or unique("vnet-"), {
            "location": location,
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                           "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.1.0/24"}}]},
        }).result()

    def vm(self, group: str, subnet_id: str, name: str | None = None, **kw: Any) -> Any:
        return self.compute.virtual_machines.begin_create_or_update(
            group, name or unique("vm-"), inline_vm(subnet_id, **kw)).result()

    def nic_of(self, vm: Any) -> Any:
        parts = vm.properties.network_profile.network_interfaces[0].id.split("/")
        return self.network.network_interfaces.get(parts[4], parts[-1])

    def address_of(self, vm: Any) -> str:
        address: str = self.nic_of(vm).properties.ip_configurations[0].properties.private_ip_address
        return address


def cloud(running: Running) -> Cloud:
    c = running.credentials
    credential = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"])
    return Cloud(running, credential, c["subscriptionId"])

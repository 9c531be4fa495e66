"""Routes of Microsoft.Compute's virtual machines, and the deletion hooks that free a machine's addresses
when its resource group goes."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.compute import schemas, vms
from vaultlink.arm.providers.compute.vms import VirtualMachines
from vaultlink.arm.services import Services

C = "Microsoft.Compute"
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute"
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
VM = GROUP + "/virtualMachines/{vmName}"


def routes(services: Services) -> list[Route]:
    services.hooks.on(schemas.VIRTUAL_MACHINES, vms.group_deleted)
    services.hooks.on(schemas.NETWORK_INTERFACES, vms.interface_group_deleted)

    v = VirtualMachines(services)
    VMS = schemas.VIRTUAL_MACHINES
    return [
        Route("VirtualMachines_ListAll", "GET", SUB + "/virtualMachines", v.list_resources, C, "virtualMachines", action=VMS + "/read"),
        Route("VirtualMachines_List", "GET", GROUP + "/virtualMachines", v.list_resources, C, "virtualMachines", action=VMS + "/read"),
        Route("VirtualMachines_Get", "GET", VM, v.get, C, "virtualMachines", action=VMS + "/read"),
        Route("VirtualMachines_CreateOrUpdate", "PUT", VM, v.put, C, "virtualMachines", action=VMS + "/write"),
        Route("VirtualMachines_Update", "PATCH", VM, v.patch, C, "virtualMachines", action=VMS + "/write"),
        Route("VirtualMachines_Delete", "DELETE", VM, v.delete, C, "virtualMachines", action=VMS + "/delete"),
    ]

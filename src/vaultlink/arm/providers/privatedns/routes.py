"""Routes of Microsoft.Network/privateDnsZones, and the deletion hooks that keep links and their indexes whole
when a resource group or a virtual network goes.

Literal segments win over `{recordType}`, so `{zone}/virtualNetworkLinks/...` and `{zone}/ALL` never reach the
record-set routes. The api-versions are the private DNS ones (versions.py key "microsoft.network/privatednszones").
"""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.privatedns.links import (
    VirtualNetworkLinks,
    link_deleted,
    virtual_network_deleted,
)
from vaultlink.arm.providers.privatedns.model import OPERATION_RESULTS, OPERATION_STATUSES
from vaultlink.arm.providers.privatedns.recordsets import RecordSets
from vaultlink.arm.providers.privatedns.zones import PrivateZones, zone_deleted
from vaultlink.arm.services import Services

NS = "Microsoft.Network/privateDnsZones"
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
ZONES = GROUP + "/providers/Microsoft.Network/privateDnsZones"
ZONE = ZONES + "/{privateZoneName}"
LINKS = ZONE + "/virtualNetworkLinks"
ACTION = "Microsoft.Network/privateDnsZones"
OPERATIONS = GROUP + "/providers/Microsoft.Network"


def routes(services: Services) -> list[Route]:
    zones, links, sets = PrivateZones(services), VirtualNetworkLinks(services), RecordSets(services)
    services.hooks.on("Microsoft.Network/privateDnsZones", zone_deleted)
    services.hooks.on("Microsoft.Network/privateDnsZones/virtualNetworkLinks", link_deleted)
    services.hooks.on("Microsoft.Network/virtualNetworks", virtual_network_deleted)
    z, lk, rs = "privateDnsZones", "privateDnsZones/virtualNetworkLinks", "privateDnsZones/recordSets"
    return [
        Route("PrivateZones_List", "GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Network/privateDnsZones",
              zones.list_by_subscription, NS, z, action=f"{ACTION}/read"),
        Route("PrivateZones_ListByResourceGroup", "GET", ZONES, zones.list_by_group, NS, z, action=f"{ACTION}/read"),
        Route("PrivateZones_CreateOrUpdate", "PUT", ZONE, zones.put, NS, z, action=f"{ACTION}/write"),
        Route("PrivateZones_Update", "PATCH", ZONE, zones.patch, NS, z, action=f"{ACTION}/write"),
        Route("PrivateZones_Get", "GET", ZONE, zones.get, NS, z, action=f"{ACTION}/read"),
        Route("PrivateZones_Delete", "DELETE", ZONE, zones.delete, NS, z, action=f"{ACTION}/delete"),
        Route("VirtualNetworkLinks_List", "GET", LINKS, links.list, NS, lk, action=f"{ACTION}/virtualNetworkLinks/read"),
        Route("VirtualNetworkLinks_CreateOrUpdate", "PUT", LINKS + "/{virtualNetworkLinkName}", links.put, NS, lk, action=f"{ACTION}/virtualNetworkLinks/write"),
        Route("VirtualNetworkLinks_Update", "PATCH", LINKS + "/{virtualNetworkLinkName}", links.patch, NS, lk, action=f"{ACTION}/virtualNetworkLinks/write"),
        Route("VirtualNetworkLinks_Get", "GET", LINKS + "/{virtualNetworkLinkName}", links.get, NS, lk, action=f"{ACTION}/virtualNetworkLinks/read"),
        Route("VirtualNetworkLinks_Delete", "DELETE", LINKS + "/{virtualNetworkLinkName}", links.delete, NS, lk,
              action=f"{ACTION}/virtualNetworkLinks/delete"),
        Route("RecordSets_List", "GET", ZONE + "/ALL", sets.list_all, NS, rs, action=f"{ACTION}/ALL/read"),
        Route("RecordSets_ListByType", "GET", ZONE + "/{recordType}", sets.list_by_type, NS, rs, action=ACTION + "/{recordType}/read"),
        Route("RecordSets_CreateOrUpdate", "PUT", ZONE + "/{recordType}/{relativeRecordSetName}", sets.put, NS, rs, action=ACTION + "/{recordType}/write"),
        Route("RecordSets_Update", "PATCH", ZONE + "/{recordType}/{relativeRecordSetName}", sets.patch, NS, rs, action=ACTION + "/{recordType}/write"),
        Route("RecordSets_Get", "GET", ZONE + "/{recordType}/{relativeRecordSetName}", sets.get, NS, rs, action=ACTION + "/{recordType}/read"),
        Route("RecordSets_Delete", "DELETE", ZONE + "/{recordType}/{relativeRecordSetName}", sets.delete, NS, rs,
              action=ACTION + "/{recordType}/delete"),
        # Where clients poll zone and link operations (model.finish), with the private DNS api-versions.
        Route("LongRunningOperation_GetStatus", "GET", f"{OPERATIONS}/{OPERATION_STATUSES}/{{operationId}}", services.operations.status, NS,
              OPERATION_STATUSES, action=f"Microsoft.Network/{OPERATION_STATUSES}/read"),
        Route("LongRunningOperation_GetResult", "GET", f"{OPERATIONS}/{OPERATION_RESULTS}/{{operationId}}", services.operations.result, NS,
              OPERATION_RESULTS, action=f"Microsoft.Network/{OPERATION_RESULTS}/read"),
    ]

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
        Route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Network/privateDnsZones",
              zones.list_by_subscription, NS, z, action=f"{ACTION}/read"),
        Route("GET", ZONES, zones.list_by_group, NS, z, action=f"{ACTION}/read"),
        Route("PUT", ZONE, zones.put, NS, z, action=f"{ACTION}/write"),
        Route("PATCH", ZONE, zones.patch, NS, z, action=f"{ACTION}/write"),
        Route("GET", ZONE, zones.get, NS, z, action=f"{ACTION}/read"),
        Route("DELETE", ZONE, zones.delete, NS, z, action=f"{ACTION}/delete"),
        Route("GET", LINKS, links.list, NS, lk, action=f"{ACTION}/virtualNetworkLinks/read"),
        Route("PUT", LINKS + "/{virtualNetworkLinkName}", links.put, NS, lk, action=f"{ACTION}/virtualNetworkLinks/write"),
        Route("PATCH", LINKS + "/{virtualNetworkLinkName}", links.patch, NS, lk, action=f"{ACTION}/virtualNetworkLinks/write"),
        Route("GET", LINKS + "/{virtualNetworkLinkName}", links.get, NS, lk, action=f"{ACTION}/virtualNetworkLinks/read"),
        Route("DELETE", LINKS + "/{virtualNetworkLinkName}", links.delete, NS, lk,
              action=f"{ACTION}/virtualNetworkLinks/delete"),
        Route("GET", ZONE + "/ALL", sets.list_all, NS, rs, action=f"{ACTION}/ALL/read"),
        Route("GET", ZONE + "/{recordType}", sets.list_by_type, NS, rs, action=ACTION + "/{recordType}/read"),
        Route("PUT", ZONE + "/{recordType}/{relativeRecordSetName}", sets.put, NS, rs, action=ACTION + "/{recordType}/write"),
        Route("PATCH", ZONE + "/{recordType}/{relativeRecordSetName}", sets.patch, NS, rs, action=ACTION + "/{recordType}/write"),
        Route("GET", ZONE + "/{recordType}/{relativeRecordSetName}", sets.get, NS, rs, action=ACTION + "/{recordType}/read"),
        Route("DELETE", ZONE + "/{recordType}/{relativeRecordSetName}", sets.delete, NS, rs,
              action=ACTION + "/{recordType}/delete"),
        # Where clients poll zone and link operations (model.finish), with the private DNS api-versions.
        Route("GET", f"{OPERATIONS}/{OPERATION_STATUSES}/{{operationId}}", services.operations.status, NS,
              OPERATION_STATUSES, action=f"Microsoft.Network/{OPERATION_STATUSES}/read"),
        Route("GET", f"{OPERATIONS}/{OPERATION_RESULTS}/{{operationId}}", services.operations.result, NS,
              OPERATION_RESULTS, action=f"Microsoft.Network/{OPERATION_RESULTS}/read"),
    ]

"""Routes of Microsoft.Network's virtual networks, subnets, network interfaces, private endpoints and their
DNS zone groups; and the deletion hooks that keep a resource group's delete from leaving anything behind."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.network import endpoints, peerings, vnets
from vaultlink.arm.providers.network.endpoints import PrivateEndpoints
from vaultlink.arm.providers.network.gateways import CONNECTION, LNG, PARAMS, VNG, Gateways
from vaultlink.arm.providers.network.nics import NetworkInterfaces
from vaultlink.arm.providers.network.peerings import VirtualNetworkPeerings
from vaultlink.arm.providers.network.subnets import Subnets
from vaultlink.arm.providers.network.vnets import VirtualNetworks
from vaultlink.arm.providers.network.zonegroups import PrivateDnsZoneGroups
from vaultlink.arm.services import Services

N = "Microsoft.Network"
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Network"
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
VNET = GROUP + "/virtualNetworks/{virtualNetworkName}"
SUBNET = VNET + "/subnets/{subnetName}"
PEERING = VNET + "/virtualNetworkPeerings/{virtualNetworkPeeringName}"
NIC = GROUP + "/networkInterfaces/{networkInterfaceName}"
PE = GROUP + "/privateEndpoints/{privateEndpointName}"
ZONE_GROUP = PE + "/privateDnsZoneGroups/{privateDnsZoneGroupName}"


def routes(services: Services) -> list[Route]:
    services.hooks.on("Microsoft.Network/privateEndpoints", endpoints.group_deleted)
    services.hooks.on("Microsoft.Network/virtualNetworks", vnets.group_deleted)
    services.hooks.on("Microsoft.Network/virtualNetworks", peerings.network_deleted)

    v = VirtualNetworks(services)
    s = Subnets(services)
    n = NetworkInterfaces(services)
    p = PrivateEndpoints(services)
    z = PrivateDnsZoneGroups(services)
    vp = VirtualNetworkPeerings(services)
    VP = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
    VN, SN, NI, PEP, ZG = ("Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets",
                           "Microsoft.Network/networkInterfaces", "Microsoft.Network/privateEndpoints",
                           "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    gateway_routes = []
    for kind, group in ((VNG, "VirtualNetworkGateways"), (LNG, "LocalNetworkGateways"),
                        (CONNECTION, "VirtualNetworkGatewayConnections")):
        g, plural = Gateways(services, kind), kind.split("/", 1)[1]
        one = f"{GROUP}/{plural}/{{{PARAMS[kind]}}}"
        gateway_routes += [
            Route(f"{group}_List", "GET", f"{GROUP}/{plural}", g.list_resources, N, plural, action=kind + "/read"),
            Route(f"{group}_Get", "GET", one, g.get, N, plural, action=kind + "/read"),
            Route(f"{group}_CreateOrUpdate", "PUT", one, g.put, N, plural, action=kind + "/write"),
            Route(f"{group}_Delete", "DELETE", one, g.delete, N, plural, action=kind + "/delete"),
        ]
    return gateway_routes + [
        Route("VirtualNetworks_ListAll", "GET", SUB + "/virtualNetworks", v.list_resources, N, "virtualNetworks", action=VN + "/read"),
        Route("VirtualNetworks_List", "GET", GROUP + "/virtualNetworks", v.list_resources, N, "virtualNetworks", action=VN + "/read"),
        Route("VirtualNetworks_Get", "GET", VNET, v.get, N, "virtualNetworks", action=VN + "/read"),
        Route("VirtualNetworks_CreateOrUpdate", "PUT", VNET, v.put, N, "virtualNetworks", action=VN + "/write"),
        Route("VirtualNetworks_UpdateTags", "PATCH", VNET, v.patch, N, "virtualNetworks", action=VN + "/write"),
        Route("VirtualNetworks_Delete", "DELETE", VNET, v.delete, N, "virtualNetworks", action=VN + "/delete"),
        Route("VirtualNetworks_CheckIPAddressAvailability", "GET", VNET + "/CheckIPAddressAvailability", v.check_ip_address_availability, N, "virtualNetworks",
              action=VN + "/CheckIPAddressAvailability/read"),

        Route("Subnets_List", "GET", VNET + "/subnets", s.list_resources, N, "virtualNetworks/subnets", action=SN + "/read"),
        Route("Subnets_Get", "GET", SUBNET, s.get, N, "virtualNetworks/subnets", action=SN + "/read"),
        Route("Subnets_CreateOrUpdate", "PUT", SUBNET, s.put, N, "virtualNetworks/subnets", action=SN + "/write"),
        Route("Subnets_Delete", "DELETE", SUBNET, s.delete, N, "virtualNetworks/subnets", action=SN + "/delete"),

        Route("VirtualNetworkPeerings_List", "GET", VNET + "/virtualNetworkPeerings", vp.list_resources, N, "virtualNetworks/virtualNetworkPeerings",
              action=VP + "/read"),
        Route("VirtualNetworkPeerings_Get", "GET", PEERING, vp.get, N, "virtualNetworks/virtualNetworkPeerings", action=VP + "/read"),
        Route("VirtualNetworkPeerings_CreateOrUpdate", "PUT", PEERING, vp.put, N, "virtualNetworks/virtualNetworkPeerings", action=VP + "/write"),
        Route("VirtualNetworkPeerings_Delete", "DELETE", PEERING, vp.delete, N, "virtualNetworks/virtualNetworkPeerings", action=VP + "/delete"),

        Route("NetworkInterfaces_ListAll", "GET", SUB + "/networkInterfaces", n.list_resources, N, "networkInterfaces", action=NI + "/read"),
        Route("NetworkInterfaces_List", "GET", GROUP + "/networkInterfaces", n.list_resources, N, "networkInterfaces", action=NI + "/read"),
        Route("NetworkInterfaces_Get", "GET", NIC, n.get, N, "networkInterfaces", action=NI + "/read"),
        Route("NetworkInterfaces_CreateOrUpdate", "PUT", NIC, n.put, N, "networkInterfaces", action=NI + "/write"),
        Route("NetworkInterfaces_UpdateTags", "PATCH", NIC, n.patch, N, "networkInterfaces", action=NI + "/write"),
        Route("NetworkInterfaces_Delete", "DELETE", NIC, n.delete, N, "networkInterfaces", action=NI + "/delete"),

        Route("PrivateEndpoints_ListBySubscription", "GET", SUB + "/privateEndpoints", p.list_resources, N, "privateEndpoints", action=PEP + "/read"),
        Route("PrivateEndpoints_List", "GET", GROUP + "/privateEndpoints", p.list_resources, N, "privateEndpoints", action=PEP + "/read"),
        Route("PrivateEndpoints_Get", "GET", PE, p.get, N, "privateEndpoints", action=PEP + "/read"),
        Route("PrivateEndpoints_CreateOrUpdate", "PUT", PE, p.put, N, "privateEndpoints", action=PEP + "/write"),
        Route("PrivateEndpoints_Delete", "DELETE", PE, p.delete, N, "privateEndpoints", action=PEP + "/delete"),

        Route("PrivateDnsZoneGroups_List", "GET", PE + "/privateDnsZoneGroups", z.list_resources, N, "privateEndpoints/privateDnsZoneGroups",
              action=ZG + "/read"),
        Route("PrivateDnsZoneGroups_Get", "GET", ZONE_GROUP, z.get, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/read"),
        Route("PrivateDnsZoneGroups_CreateOrUpdate", "PUT", ZONE_GROUP, z.put, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/write"),
        Route("PrivateDnsZoneGroups_Delete", "DELETE", ZONE_GROUP, z.delete, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/delete"),
    ]

"""Routes of Microsoft.Network's virtual networks, subnets, network interfaces, private endpoints and their
DNS zone groups; and the deletion hooks that keep a resource group's delete from leaving anything behind."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.network import endpoints, vnets
from vaultlink.arm.providers.network.endpoints import PrivateEndpoints
from vaultlink.arm.providers.network.nics import NetworkInterfaces
from vaultlink.arm.providers.network.subnets import Subnets
from vaultlink.arm.providers.network.vnets import VirtualNetworks
from vaultlink.arm.providers.network.zonegroups import PrivateDnsZoneGroups
from vaultlink.arm.services import Services

N = "Microsoft.Network"
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Network"
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
VNET = GROUP + "/virtualNetworks/{virtualNetworkName}"
SUBNET = VNET + "/subnets/{subnetName}"
NIC = GROUP + "/networkInterfaces/{networkInterfaceName}"
PE = GROUP + "/privateEndpoints/{privateEndpointName}"
ZONE_GROUP = PE + "/privateDnsZoneGroups/{privateDnsZoneGroupName}"


def routes(services: Services) -> list[Route]:
    services.hooks.on("Microsoft.Network/privateEndpoints", endpoints.group_deleted)
    services.hooks.on("Microsoft.Network/virtualNetworks", vnets.group_deleted)

    v = VirtualNetworks(services)
    s = Subnets(services)
    n = NetworkInterfaces(services)
    p = PrivateEndpoints(services)
    z = PrivateDnsZoneGroups(services)
    VN, SN, NI, PEP, ZG = ("Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets",
                           "Microsoft.Network/networkInterfaces", "Microsoft.Network/privateEndpoints",
                           "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    return [
        Route("GET", SUB + "/virtualNetworks", v.list_resources, N, "virtualNetworks", action=VN + "/read"),
        Route("GET", GROUP + "/virtualNetworks", v.list_resources, N, "virtualNetworks", action=VN + "/read"),
        Route("GET", VNET, v.get, N, "virtualNetworks", action=VN + "/read"),
        Route("PUT", VNET, v.put, N, "virtualNetworks", action=VN + "/write"),
        Route("PATCH", VNET, v.patch, N, "virtualNetworks", action=VN + "/write"),
        Route("DELETE", VNET, v.delete, N, "virtualNetworks", action=VN + "/delete"),
        Route("GET", VNET + "/CheckIPAddressAvailability", v.check_ip_address_availability, N, "virtualNetworks",
              action=VN + "/CheckIPAddressAvailability/read"),

        Route("GET", VNET + "/subnets", s.list_resources, N, "virtualNetworks/subnets", action=SN + "/read"),
        Route("GET", SUBNET, s.get, N, "virtualNetworks/subnets", action=SN + "/read"),
        Route("PUT", SUBNET, s.put, N, "virtualNetworks/subnets", action=SN + "/write"),
        Route("DELETE", SUBNET, s.delete, N, "virtualNetworks/subnets", action=SN + "/delete"),

        Route("GET", SUB + "/networkInterfaces", n.list_resources, N, "networkInterfaces", action=NI + "/read"),
        Route("GET", GROUP + "/networkInterfaces", n.list_resources, N, "networkInterfaces", action=NI + "/read"),
        Route("GET", NIC, n.get, N, "networkInterfaces", action=NI + "/read"),
        Route("PUT", NIC, n.put, N, "networkInterfaces", action=NI + "/write"),
        Route("PATCH", NIC, n.patch, N, "networkInterfaces", action=NI + "/write"),
        Route("DELETE", NIC, n.delete, N, "networkInterfaces", action=NI + "/delete"),

        Route("GET", SUB + "/privateEndpoints", p.list_resources, N, "privateEndpoints", action=PEP + "/read"),
        Route("GET", GROUP + "/privateEndpoints", p.list_resources, N, "privateEndpoints", action=PEP + "/read"),
        Route("GET", PE, p.get, N, "privateEndpoints", action=PEP + "/read"),
        Route("PUT", PE, p.put, N, "privateEndpoints", action=PEP + "/write"),
        Route("DELETE", PE, p.delete, N, "privateEndpoints", action=PEP + "/delete"),

        Route("GET", PE + "/privateDnsZoneGroups", z.list_resources, N, "privateEndpoints/privateDnsZoneGroups",
              action=ZG + "/read"),
        Route("GET", ZONE_GROUP, z.get, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/read"),
        Route("PUT", ZONE_GROUP, z.put, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/write"),
        Route("DELETE", ZONE_GROUP, z.delete, N, "privateEndpoints/privateDnsZoneGroups", action=ZG + "/delete"),
    ]

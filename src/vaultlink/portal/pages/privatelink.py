"""What both create flows (the key vault wizard's private endpoint blade and the private endpoint wizard) send:
the private endpoint's body, and the DNS integration the real portal does — create privatelink.vaultcore.azure.net
when it is missing, link it to the endpoint's network, and give the endpoint a private DNS zone group, which writes
the A record."""

from __future__ import annotations

from typing import Any

from vaultlink.portal.arm import Arm

VAULT_ZONE = "privatelink.vaultcore.azure.net"
VAULT_GROUP_ID = "vault"


def endpoint_path(subscription: str, group: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network/privateEndpoints/{name}"


def zone_path(subscription: str, group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{VAULT_ZONE}"


def endpoint_body(*, location: str, subnet: str, resource: str, name: str, manual: bool = False,
                  request_message: str = "", nic_name: str = "", static_ip: str = "",
                  tags: dict[str, str] | None = None) -> dict[str, Any]:
    connection: dict[str, Any] = {"name": name, "properties": {"privateLinkServiceId": resource,
                                                               "groupIds": [VAULT_GROUP_ID]}}
    if manual:
        connection["properties"]["requestMessage"] = request_message
    props: dict[str, Any] = {
        "subnet": {"id": subnet},
        "customNetworkInterfaceName": nic_name or f"{name}-nic",
        "privateLinkServiceConnections": [] if manual else [connection],
        "manualPrivateLinkServiceConnections": [connection] if manual else [],
    }
    if static_ip:
        props["ipConfigurations"] = [{"name": f"{name}-ipconfig", "properties": {
            "groupId": VAULT_GROUP_ID, "memberName": "default", "privateIPAddress": static_ip}}]
    body: dict[str, Any] = {"location": location, "properties": props}
    if tags:
        body["tags"] = tags
    return body


async def ensure_zone(arm: Arm, subscription: str, group: str) -> str:
    """GET the zone, PUT it when missing."""
    path = zone_path(subscription, group)
    if await arm.find(path) is None:
        await arm.put(path, {"location": "global"})
    return path


async def ensure_link(arm: Arm, zone: str, vnet_id: str) -> str:
    """GET the zone's links, PUT one to the network when none links it."""
    for link in await arm.all(f"{zone}/virtualNetworkLinks"):
        if link["properties"]["virtualNetwork"]["id"].lower() == vnet_id.lower():
            return str(link["id"])
    name = vnet_id.rsplit("/", 1)[1] + "-link"
    body = {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}
    made = await arm.put(f"{zone}/virtualNetworkLinks/{name}", body)
    return str(made["id"]) if made else f"{zone}/virtualNetworkLinks/{name}"


async def add_zone_group(arm: Arm, endpoint: str, zone: str) -> str:
    """PUT the endpoint's zone group `default` naming the zone: the A record follows."""
    path = f"{endpoint}/privateDnsZoneGroups/default"
    await arm.put(path, {"properties": {"privateDnsZoneConfigs": [
        {"name": VAULT_ZONE.replace(".", "-"), "properties": {"privateDnsZoneId": zone}}]}})
    return path


def tags_of(names: list[str], values: list[str]) -> dict[str, str]:
    return {n: v for n, v in zip(names, values, strict=False) if n}

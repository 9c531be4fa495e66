"""Wire shapes of Microsoft.Network: what a stored record looks like on the wire, and the small value checks
(enums, references, lists) request bodies go through.

Virtual networks are stored without their subnets and subnets without what uses them; the bodies below add
both when a resource is read, so they are never stale.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vaultlink.core import errors
from vaultlink.core.ids import ResourceId

SUCCEEDED = "Succeeded"

PRIVATE_ENDPOINT_NETWORK_POLICIES = ("Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled")
PRIVATE_LINK_SERVICE_NETWORK_POLICIES = ("Enabled", "Disabled")
PRIVATE_ENDPOINT_VNET_POLICIES = ("Disabled", "Basic")

CONNECTION_TYPE = "Microsoft.Network/privateEndpoints/privateLinkServiceConnections"
MANUAL_CONNECTION_TYPE = "Microsoft.Network/privateEndpoints/manualPrivateLinkServiceConnections"
IP_CONFIGURATION_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"
DELEGATION_TYPE = "Microsoft.Network/virtualNetworks/subnets/delegations"


def enum_value(value: Any, allowed: tuple[str, ...], field: str, default: str) -> str:
    """Azure accepts enum values in any case and echoes them in its own."""
    if value is None:
        return default
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise errors.InvalidRequestFormat(
        f"Cannot parse the request: the value '{value}' of '{field}' is not valid. It must be one of: "
        f"{', '.join(allowed)}."
    )


def string_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.InvalidRequestFormat(f"Cannot parse the request: '{field}' must be an array of strings.")
    return list(value)


def object_list(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise errors.InvalidRequestFormat(f"Cannot parse the request: '{field}' must be an array of objects.")
    return list(value)


def props_of(item: dict[str, Any], field: str) -> dict[str, Any]:
    props = item.get("properties") or {}
    if not isinstance(props, dict):
        raise errors.InvalidRequestFormat(f"Cannot parse the request: '{field}.properties' must be an object.")
    return props


def mac_address(seed: str) -> str:
    """A stable MAC address in Azure's range (00-0D-3A) and its dashed, upper-case form."""
    digest = hashlib.sha256(seed.encode()).hexdigest().upper()
    return "-".join(["00", "0D", "3A", digest[0:2], digest[2:4], digest[4:6]])


# ---- bodies -------------------------------------------------------------------------------------------

def virtual_network(stored: dict[str, Any], subnets: list[dict[str, Any]]) -> dict[str, Any]:
    props = dict(stored["properties"])
    props["subnets"] = subnets
    return {**stored, "properties": props}


def subnet(stored: dict[str, Any], holders: list[dict[str, Any]]) -> dict[str, Any]:
    """A subnet with the IP configurations and private endpoints that use it (read-only, from its holders)."""
    props = dict(stored["properties"])
    if holders:
        props["ipConfigurations"] = [{"id": h["ipConfiguration"]} for h in holders]
        endpoints = [{"id": h["privateEndpoint"]} for h in holders if h.get("privateEndpoint")]
        if endpoints:
            props["privateEndpoints"] = endpoints
    return {**stored, "properties": props}


def delegation(subnet_id: ResourceId, item: dict[str, Any], etag: str) -> dict[str, Any]:
    name = item.get("name")
    props = props_of(item, "delegations")
    service = props.get("serviceName")
    if not isinstance(name, str) or not name or not isinstance(service, str) or "/" not in service:
        raise errors.InvalidRequestFormat(
            "Cannot parse the request: each of 'delegations' needs a 'name' and a 'properties.serviceName' such as "
            "'Microsoft.Web/serverFarms'."
        )
    return {
        "id": str(subnet_id.child("delegations", name)),
        "name": name,
        "type": DELEGATION_TYPE,
        "etag": etag,
        "properties": {"serviceName": service, "actions": string_list(props.get("actions"), "actions"),
                       "provisioningState": SUCCEEDED},
    }


def service_endpoint(item: dict[str, Any]) -> dict[str, Any]:
    service = item.get("service")
    if not isinstance(service, str) or not service.lower().startswith("microsoft."):
        raise errors.InvalidRequestFormat(
            f"Cannot parse the request: the service endpoint service '{service}' is not valid; it names a service "
            "such as 'Microsoft.KeyVault'."
        )
    locations = string_list(item.get("locations"), "serviceEndpoints.locations") or ["*"]
    return {"service": service, "locations": locations, "provisioningState": SUCCEEDED}


def connection(
    endpoint: ResourceId, name: str, *, manual: bool, target: str, group_ids: list[str], request_message: str | None,
    state: dict[str, str], etag: str,
) -> dict[str, Any]:
    collection = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    props: dict[str, Any] = {
        "provisioningState": SUCCEEDED,
        "privateLinkServiceId": target,
        "groupIds": group_ids,
    }
    if request_message is not None:
        props["requestMessage"] = request_message
    props["privateLinkServiceConnectionState"] = state
    return {
        "id": f"{endpoint}/{collection}/{name}",
        "name": name,
        "type": MANUAL_CONNECTION_TYPE if manual else CONNECTION_TYPE,
        "etag": etag,
        "properties": props,
    }


def nic_ip_configuration(
    nic: ResourceId, name: str, etag: str, *, address: str, method: str, subnet_id: str,
    group_id: str, member: str, fqdns: list[str], primary: bool,
) -> dict[str, Any]:
    return {
        "id": str(nic.child("ipConfigurations", name)),
        "name": name,
        "etag": etag,
        "type": IP_CONFIGURATION_TYPE,
        "properties": {
            "provisioningState": SUCCEEDED,
            "privateIPAddress": address,
            "privateIPAllocationMethod": method,
            "subnet": {"id": subnet_id},
            "primary": primary,
            "privateIPAddressVersion": "IPv4",
            "privateLinkConnectionProperties": {"groupId": group_id, "requiredMemberName": member, "fqdns": fqdns},
        },
    }


def network_interface_properties(
    nic: ResourceId, *, guid: str, ip_configurations: list[dict[str, Any]], endpoint: ResourceId
) -> dict[str, Any]:
    return {
        "provisioningState": SUCCEEDED,
        "resourceGuid": guid,
        "ipConfigurations": ip_configurations,
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        "macAddress": mac_address(nic.key),
        "enableAcceleratedNetworking": False,
        "vnetEncryptionSupported": False,
        "enableIPForwarding": False,
        "disableTcpStateTracking": False,
        "hostedWorkloads": [],
        "tapConfigurations": [],
        "privateEndpoint": {"id": str(endpoint)},
        "nicType": "Standard",
        "auxiliaryMode": "None",
        "auxiliarySku": "None",
    }


def record_set(zone_name: str, record_name: str, addresses: list[str], ttl: int) -> dict[str, Any]:
    return {
        "recordType": "A",
        "recordSetName": record_name,
        "fqdn": f"{record_name}.{zone_name}".lower(),
        "ttl": ttl,
        "ipAddresses": addresses,
        "provisioningState": SUCCEEDED,
    }


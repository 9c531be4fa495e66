"""The Azure side of a VPN to an on-premises site: `virtualNetworkGateways` (in a network's GatewaySubnet),
`localNetworkGateways` (the site's VPN device: its public address and address space) and `connections` (IPsec
between the two). Provisioning is instant.

A connection's `connectionStatus` is read, never stored: Connected when a vaultlink site (arm/sites.py) has the
local network gateway's `gatewayIpAddress` as its public address, NotConnected otherwise, as Azure reports a
connection whose device does not answer. Public IP addresses are not modelled: a gateway's `publicIPAddress`
reference is kept as given.
"""

from __future__ import annotations

import uuid
from typing import Any

from vaultlink.arm import sites, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network import schemas, subnets
from vaultlink.arm.providers.network.base import (
    Provider,
    check_conditions,
    check_same_location,
    network_id,
    parse_ref,
    scope_id,
)
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing
from vaultlink.store import Reader, Transaction

GATEWAY_SUBNET = "gatewaysubnet"
VNG, LNG, CONNECTION = ("Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/localNetworkGateways",
                        "Microsoft.Network/connections")
PARAMS = {VNG: "virtualNetworkGatewayName", LNG: "localNetworkGatewayName", CONNECTION: "virtualNetworkGatewayConnectionName"}


# UNCONFIRMED code: not found in any source.
class GatewaySubnetRequired(errors.BadRequest):
    """Virtual network gateway {gateway} must use the subnet named GatewaySubnet of a virtual network, not {subnet}."""


def connection_status(reader: Reader, stored: dict[str, Any]) -> str:
    local = (stored["properties"].get("localNetworkGateway2") or {}).get("id")
    rec = reader.get(RESOURCE, str(local).lower()) if local else None
    address = (rec.body["properties"].get("gatewayIpAddress") if rec is not None else None) or ""
    return "Connected" if address and sites.by_public_address(reader, address) is not None else "NotConnected"


def _ref_of(props: dict[str, Any], field: str) -> ResourceId:
    value = props.get(field)
    if isinstance(value, dict) and "id" not in value and isinstance(value.get("properties"), dict):
        value = {"id": value.get("id")}
    return parse_ref(value, field)


class Gateways(Provider):
    """The three resource types, one class: `kind` is the type."""

    def __init__(self, services: Any, kind: str) -> None:
        super().__init__(services)
        self.kind = kind

    def _rid(self, call: Call) -> ResourceId:
        return network_id(call, (self.kind.split("/", 1)[1], PARAMS[self.kind]))

    def body_of(self, stored: dict[str, Any]) -> dict[str, Any]:
        if self.kind != CONNECTION:
            return stored
        return {**stored, "properties": {**stored["properties"], "connectionStatus": connection_status(self.store, stored)}}

    def get(self, call: Call) -> Reply:
        return Reply(200, self.body_of(self.table.require(self._rid(call)).body))

    def list_resources(self, call: Call) -> Reply:
        scope = scope_id(call)
        if scope.resource_group is not None:
            self.services.resources.require_group(scope.subscription, scope.resource_group)
        return Reply(200, {"value": [self.body_of(r.body) for r in self.table.of_type(scope, self.kind)]})

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        location = tracked.location_of(item, rid.type)
        tags = tracked.tags_of(item.get("tags"))
        props = tracked.properties_of(item)

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            check_same_location(current, location, rid)
            shaped = {VNG: self._gateway, LNG: self._local, CONNECTION: self._connection}[self.kind](tx, rid, props)
            guid = current.body["properties"]["resourceGuid"] if current else str(uuid.uuid4())
            stored = tracked.envelope(rid if current is None else ResourceId.parse(current.body["id"]), location=location,
                                      tags=tags, properties={**shaped, "resourceGuid": guid,
                                                             "provisioningState": schemas.SUCCEEDED})
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            return Reply(200 if current else 201, self.body_of(stored))

        return self.finish(call, self.write(work), location)

    def _gateway(self, tx: Transaction, rid: ResourceId, props: dict[str, Any]) -> dict[str, Any]:
        configs = schemas.object_list(props.get("ipConfigurations"), "ipConfigurations")
        if not configs:
            raise errors.InvalidRequestFormat(f"Cannot parse the request: gateway {rid} needs 'ipConfigurations'.")
        out = []
        for i, config in enumerate(configs):
            cprops = schemas.props_of(config, "ipConfigurations")
            subnet = parse_ref(cprops.get("subnet"), f"ipConfigurations[{i}].subnet")
            if subnet.name.lower() != GATEWAY_SUBNET or tx.get(RESOURCE, subnet.key) is None:
                raise GatewaySubnetRequired(gateway=str(rid), subnet=str(subnet))
            entry: dict[str, Any] = {"subnet": {"id": str(subnet)}, "privateIPAllocationMethod": "Dynamic"}
            if cprops.get("publicIPAddress") is not None:
                entry["publicIPAddress"] = {"id": str(parse_ref(cprops["publicIPAddress"], "publicIPAddress"))}
            name = str(config.get("name") or f"ipconfig{i}")
            out.append({"id": f"{rid}/ipConfigurations/{name}", "name": name, "properties": entry})
        gateway_type = schemas.enum_value(props.get("gatewayType"), ("Vpn", "ExpressRoute"), "gatewayType", "Vpn")
        if gateway_type != "Vpn":
            raise errors.NotSupported(what="ExpressRoute gateways")
        return {"ipConfigurations": out, "gatewayType": gateway_type,
                "vpnType": schemas.enum_value(props.get("vpnType"), ("RouteBased", "PolicyBased"), "vpnType", "RouteBased"),
                "sku": props.get("sku") or {"name": "VpnGw1", "tier": "VpnGw1"},
                "enableBgp": bool(props.get("enableBgp", False)), "activeActive": bool(props.get("activeActive", False))}

    def _local(self, tx: Transaction, rid: ResourceId, props: dict[str, Any]) -> dict[str, Any]:
        address = props.get("gatewayIpAddress")
        try:
            addressing.parse_address(address)
        except addressing.AddressError:
            raise errors.InvalidRequestFormat(
                f"Cannot parse the request: 'gatewayIpAddress' of {rid} must be an IPv4 address, not {address!r}.") from None
        space = props.get("localNetworkAddressSpace") or {}
        prefixes = subnets.parse_prefixes(schemas.string_list(space.get("addressPrefixes") if isinstance(space, dict)
                                                              else None, "localNetworkAddressSpace.addressPrefixes"), rid)
        return {"gatewayIpAddress": str(address), "localNetworkAddressSpace": {"addressPrefixes": [str(p) for p in prefixes]}}

    def _connection(self, tx: Transaction, rid: ResourceId, props: dict[str, Any]) -> dict[str, Any]:
        kind = schemas.enum_value(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute", "VPNClient"),
                                  "connectionType", "IPsec")
        if kind != "IPsec":
            raise errors.NotSupported(what=f"{kind} connections (vaultlink models IPsec connections to a site)")
        gateway = _ref_of(props, "virtualNetworkGateway1")
        local = _ref_of(props, "localNetworkGateway2")
        for ref in (gateway, local):
            if tx.get(RESOURCE, ref.key) is None:
                raise net.InvalidResourceReference(referenced=str(ref), resource=str(rid))
        out: dict[str, Any] = {"connectionType": kind, "virtualNetworkGateway1": {"id": str(gateway)},
                               "localNetworkGateway2": {"id": str(local)},
                               "routingWeight": int(props.get("routingWeight") or 0),
                               "enableBgp": bool(props.get("enableBgp", False)), "connectionProtocol": "IKEv2"}
        # the shared key is a secret: Azure reads it back only through its own sharedkey operation, and
        # vaultlink's tunnels need none, so it is not kept
        return out

    def delete(self, call: Call) -> Reply:
        return self.delete_one(call, self._rid(call))

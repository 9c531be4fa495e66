"""Subnets: `/virtualNetworks/{vnet}/subnets/{subnet}`, and the rules a subnet obeys wherever it is written
(its own PUT, or inline in its virtual network's PUT).

A subnet's prefixes are IPv4 CIDRs of /29 or larger, inside one of its network's address ranges and disjoint
from every other subnet of the network. A prefix that holds allocated addresses cannot be removed, and a
subnet that holds any cannot be deleted. What uses a subnet (`ipConfigurations`, `privateEndpoints`) is read
from its address allocations, never stored on the subnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import allocation, schemas
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import Provider, check_conditions, network_id, parse_ref
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing
from vaultlink.store import Reader, Record, Transaction

SUBNETS = "subnets"


@dataclass(frozen=True)
class SubnetSpec:
    """A validated subnet, ready to store."""

    rid: ResourceId
    prefixes: list[IPv4Network]
    body: dict[str, Any]


def parse_prefixes(texts: list[Any], resource: ResourceId) -> list[IPv4Network]:
    """CIDR prefixes of a virtual network or subnet, refused in Azure's words."""
    out = []
    for text in texts:
        try:
            out.append(addressing.parse_prefix(text))
        except addressing.AddressError as e:
            if e.problem == addressing.AddressError.HOST_BITS:
                raise net.NetcfgInvalidIPAddressPrefix(prefix=text, resource=str(resource), network=str(e.network)) from None
            if e.problem == addressing.AddressError.IPV6:
                raise errors.NotSupported(what=f"IPv6 address prefixes ('{text}' of {resource})") from None
            raise net.InvalidAddressPrefixFormat(prefix=text, resource=str(resource)) from None
    return out


def parse(rid: ResourceId, item: dict[str, Any], vnet_name: str) -> SubnetSpec:
    """Validates a subnet's request body (its `properties`) into the record to store."""
    tracked.check_network_name(rid.name, rid.type, 1, 80)
    props = schemas.props_of(item, "subnets")
    single, many = props.get("addressPrefix"), props.get("addressPrefixes")
    texts = schemas.string_list(many, "addressPrefixes") if many else ([single] if single is not None else [])
    if not texts:
        raise net.NetcfgInvalidSubnet(
            f"Subnet '{rid.name}' is not valid in virtual network '{vnet_name}': it needs an addressPrefix or "
            "addressPrefixes.", subnet=rid.name, vnet=vnet_name,
        )
    prefixes = parse_prefixes(texts, rid)
    if many and single is not None and parse_prefixes([single], rid)[0] not in prefixes:
        raise net.NetcfgInvalidSubnet(
            f"Subnet '{rid.name}' is not valid in virtual network '{vnet_name}': addressPrefix '{single}' is not one "
            f"of its addressPrefixes.", subnet=rid.name, vnet=vnet_name,
        )
    for p in prefixes:
        if not addressing.LARGEST_SUBNET <= p.prefixlen <= addressing.SMALLEST_SUBNET:
            raise net.NetcfgInvalidSubnet(subnet=rid.name, vnet=vnet_name)
    if addressing.first_overlap(prefixes) is not None:
        raise net.NetcfgSubnetRangesOverlap(subnet=rid.name, vnet=vnet_name)

    etag = new_etag()
    stored: dict[str, Any] = {}
    if single is not None:
        stored["addressPrefix"] = str(parse_prefixes([single], rid)[0])
    if many:
        stored["addressPrefixes"] = [str(p) for p in prefixes]
    for field in ("networkSecurityGroup", "routeTable", "natGateway"):
        if props.get(field) is not None:
            stored[field] = {"id": str(parse_ref(props[field], field))}
    if props.get("serviceEndpoints") is not None:
        stored["serviceEndpoints"] = [
            schemas.service_endpoint(s) for s in schemas.object_list(props["serviceEndpoints"], "serviceEndpoints")
        ]
    stored["delegations"] = [
        schemas.delegation(rid, d, etag) for d in schemas.object_list(props.get("delegations"), "delegations")
    ]
    stored["privateEndpointNetworkPolicies"] = schemas.enum_value(
        props.get("privateEndpointNetworkPolicies"), schemas.PRIVATE_ENDPOINT_NETWORK_POLICIES,
        "privateEndpointNetworkPolicies", "Disabled",
    )
    stored["privateLinkServiceNetworkPolicies"] = schemas.enum_value(
        props.get("privateLinkServiceNetworkPolicies"), schemas.PRIVATE_LINK_SERVICE_NETWORK_POLICIES,
        "privateLinkServiceNetworkPolicies", "Enabled",
    )
    if props.get("defaultOutboundAccess") is not None:
        if not isinstance(props["defaultOutboundAccess"], bool):
            raise errors.InvalidRequestFormat("Cannot parse the request: 'defaultOutboundAccess' must be true or false.")
        stored["defaultOutboundAccess"] = props["defaultOutboundAccess"]
    stored["provisioningState"] = schemas.SUCCEEDED
    body = {"id": str(rid), "name": rid.name, "etag": etag, "type": rid.type, "properties": stored}
    return SubnetSpec(rid, addressing.ordered(prefixes), body)


def check_layout(vnet: ResourceId, spaces: list[IPv4Network], specs: list[SubnetSpec]) -> None:
    """Every subnet inside one of the network's ranges, and no two subnets overlapping."""
    for i, spec in enumerate(specs):
        for p in spec.prefixes:
            if not addressing.within_any(spaces, p):
                raise net.NetcfgSubnetRangeOutsideVnet(subnet=spec.rid.name, vnet=vnet.name)
        for other in specs[:i]:
            if any(addressing.overlaps(a, b) for a in spec.prefixes for b in other.prefixes):
                raise net.NetcfgSubnetRangesOverlap(subnet=spec.rid.name, vnet=vnet.name)


def check_prefix_change(tx: Transaction, spec: SubnetSpec, current: dict[str, Any]) -> bool:
    """Refuses dropping a prefix that holds addresses; True when the prefixes change at all."""
    old = allocation.prefixes_of(current)
    for prefix in old:
        if prefix not in spec.prefixes and allocation.first_holder(tx, spec.rid, prefix) is not None:
            raise net.InUsePrefixCannotBeDeleted(prefix=str(prefix), subnet=spec.rid.name)
    return old != spec.prefixes


def check_deletable(tx: Transaction, subnet: ResourceId) -> None:
    holder = allocation.first_holder(tx, subnet)
    if holder is not None:
        raise net.InUseSubnetCannotBeDeleted(subnet=subnet.name, holder=holder["ipConfiguration"])


def store(tx: Transaction, spec: SubnetSpec, current: Record | None) -> dict[str, Any]:
    if current is not None and check_prefix_change(tx, spec, current.body):
        tx.delete(allocation.HINT, spec.rid.key)  # the allocator restarts from the new lowest prefix
    body = spec.body
    if current is not None:  # ARM keeps the casing the resource was created with
        body = {**body, "id": current.body["id"], "name": current.body["name"]}
    tx.put(RESOURCE, spec.rid.key, body, expect=current.version if current else 0)
    return body


def remove(tx: Transaction, subnet: Record) -> None:
    rid = ResourceId.parse(subnet.body["id"])
    check_deletable(tx, rid)
    allocation.forget(tx, rid)
    tx.delete(RESOURCE, subnet.key, expect=subnet.version)


def body_of(tx: Reader, stored: dict[str, Any]) -> dict[str, Any]:
    return schemas.subnet(stored, allocation.holders(tx, ResourceId.parse(stored["id"])))


def of_network(tx: Reader, vnet: ResourceId) -> list[Record]:
    prefix = f"{vnet.key}/{SUBNETS}/"
    return [r for r in tx.list(RESOURCE, prefix) if "/" not in r.key[len(prefix):]]


def spaces_of(vnet: dict[str, Any]) -> list[IPv4Network]:
    return [addressing.parse_prefix(p) for p in vnet["properties"]["addressSpace"]["addressPrefixes"]]


def touch(tx: Transaction, vnet: Record) -> None:
    """A subnet changed: its virtual network's etag changes too, as the network's body includes it."""
    tx.put(RESOURCE, vnet.key, {**vnet.body, "etag": new_etag()}, expect=vnet.version)


class Subnets(Provider):
    def _ids(self, call: Call) -> tuple[ResourceId, ResourceId]:
        rid = network_id(call, ("virtualNetworks", "virtualNetworkName"), (SUBNETS, "subnetName"))
        assert rid.parent is not None
        return rid.parent, rid

    def get(self, call: Call) -> Reply:
        _, rid = self._ids(call)
        return Reply(200, body_of(self.store, self.table.require(rid).body))

    def list_resources(self, call: Call) -> Reply:
        vnet = network_id(call, ("virtualNetworks", "virtualNetworkName"))
        self.table.require(vnet)
        return Reply(200, {"value": [body_of(self.store, r.body) for r in self.table.children(vnet, SUBNETS)]})

    def put(self, call: Call) -> Reply:
        vnet_id, rid = self._ids(call)
        item = call.json()

        def work(tx: Transaction) -> tuple[Reply, str]:
            tracked.require_group(tx, rid)
            vnet = self.table.require(vnet_id, tx)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            spec = parse(rid, item, vnet.body["name"])
            others = [
                SubnetSpec(ResourceId.parse(r.body["id"]), allocation.prefixes_of(r.body), r.body)
                for r in self.table.children(vnet_id, SUBNETS, tx) if r.key != rid.key
            ]
            check_layout(vnet_id, spaces_of(vnet.body), [*others, spec])
            if current is not None:
                check_prefix_change(tx, spec, current.body)
            stored = store(tx, spec, current)
            touch(tx, vnet)
            return Reply(200 if current else 201, body_of(tx, stored)), vnet.body["location"]

        reply, location = self.write(work)
        return self.finish(call, reply, location)

    def delete(self, call: Call) -> Reply:
        vnet_id, rid = self._ids(call)

        def work(tx: Transaction) -> str | None:
            vnet = self.table.require(vnet_id, tx)
            current = self.table.get(rid, tx)
            if current is None:
                return None
            check_conditions(call, current, rid)
            remove(tx, current)
            touch(tx, vnet)
            return str(vnet.body["location"])

        location = self.write(work)
        return Reply(204) if location is None else self.deleted(call, location)

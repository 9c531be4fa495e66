"""DNS resolvers and their endpoints: `/dnsResolvers/{r}`, `/inboundEndpoints/{e}`, `/outboundEndpoints/{e}`.

A resolver sits in one virtual network (one resolver per network), in that network's region. Each endpoint takes
a subnet of that network delegated to Microsoft.Network/dnsResolvers and used by nothing else. An inbound
endpoint takes an address in its subnet (the lowest free one, .4 in a fresh subnet, or a static one), held like
any NIC's, so the subnet shows it; an outbound endpoint takes no address. Up to five of each per resolver. A
resolver cannot be deleted while it has endpoints, nor an outbound endpoint while a ruleset uses it.
"""

from __future__ import annotations

import uuid
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.dnsresolver import errors as dr
from vaultlink.arm.providers.network import allocation
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import Provider, check_conditions, check_same_location, parse_ref
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction

NAMESPACE = "Microsoft.Network"
RESOLVER_TYPE = "Microsoft.Network/dnsResolvers"
INBOUND, OUTBOUND = "inboundEndpoints", "outboundEndpoints"
DELEGATION = "microsoft.network/dnsresolvers"


def resolver_id(call: Call, *more: tuple[str, str]) -> ResourceId:
    pairs = (("dnsResolvers", "dnsResolverName"), *more)
    return ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"], NAMESPACE,
                      tuple(t for t, _ in pairs), tuple(call.params[p] for _, p in pairs))


def children(tx: Reader, parent: ResourceId, kind: str) -> list[Record]:
    prefix = f"{parent.key}/{kind.lower()}/"
    return [r for r in tx.list(RESOURCE, prefix) if "/" not in r.key[len(prefix):]]


def body(rid: ResourceId, current: Record | None, location: str | None, tags: dict[str, str] | None,
         props: dict[str, Any], call: Call) -> dict[str, Any]:
    """The stored body: Azure's envelope, the resource guid kept across updates, systemData."""
    if current is not None:
        rid = ResourceId.parse(current.body["id"])
    guid = current.body["properties"]["resourceGuid"] if current else str(uuid.uuid4())
    previous = current.body.get("systemData") if current else None
    return tracked.envelope(rid, properties={**props, "resourceGuid": guid, "provisioningState": "Succeeded"},
                            location=location, tags=tags, systemData=tracked.system_data(call.caller, previous))


class Base(Provider):
    """Get, list and delete, shared by every resource of the provider."""

    def reply(self, stored: dict[str, Any]) -> Reply:
        return Reply(200, stored)

    def get_one(self, rid: ResourceId) -> Reply:
        if rid.parent is not None and rid.parent.parent is None:
            self.table.require(rid.parent)
        return Reply(200, self.table.require(rid).body)

    def list_children(self, parent: ResourceId, kind: str) -> Reply:
        self.table.require(parent)
        return Reply(200, {"value": [r.body for r in children(self.store, parent, kind)]})

    def list_top(self, call: Call, type_: str) -> Reply:
        if "resourceGroupName" in call.params:
            scope = ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"])
            self.services.resources.require_group(scope.subscription, scope.resource_group or "")
        else:
            scope = ResourceId(call.params["subscriptionId"])
        return Reply(200, {"value": [r.body for r in self.table.of_type(scope, type_)]})


def vnet_of_subnet(subnet: ResourceId) -> str:
    return subnet.key.rsplit("/subnets/", 1)[0]


def check_subnet(tx: Transaction, resolver: Record, subnet_id: ResourceId, endpoint: ResourceId) -> Record:
    """The subnet exists, is in the resolver's network, is delegated to dnsResolvers and holds nothing else."""
    subnet = tx.get(RESOURCE, subnet_id.key)
    if subnet is None:
        raise net.InvalidResourceReference(referenced=str(subnet_id), resource=str(endpoint))
    vnet = str(resolver.body["properties"]["virtualNetwork"]["id"])
    if vnet_of_subnet(subnet_id) != vnet.lower():
        raise dr.SubnetNotInResolverVirtualNetwork(subnet=str(subnet_id), vnet=vnet, resolver=resolver.body["id"])
    delegated = [str((d.get("properties") or {}).get("serviceName", "")).lower()
                 for d in subnet.body["properties"].get("delegations") or []]
    if DELEGATION not in delegated:
        raise dr.SubnetNotDelegatedToDnsResolver(subnet=str(subnet_id))
    for other in (*children(tx, ResourceId.parse(resolver.body["id"]), INBOUND),
                  *children(tx, ResourceId.parse(resolver.body["id"]), OUTBOUND)):
        if other.key != endpoint.key and subnet_id.key in _subnets_of(other.body):
            raise dr.SubnetNotDedicated(subnet=str(subnet_id), holder=other.body["id"])
    holder = allocation.first_holder(tx, subnet_id)
    if holder is not None and not str(holder.get("ipConfiguration", "")).lower().startswith(endpoint.key):
        raise dr.SubnetNotDedicated(subnet=str(subnet_id), holder=holder["ipConfiguration"])
    return subnet


def _subnets_of(stored: dict[str, Any]) -> set[str]:
    props = stored["properties"]
    refs = [c.get("subnet") or {} for c in props.get("ipConfigurations") or []] + [props.get("subnet") or {}]
    return {str(r["id"]).lower() for r in refs if r.get("id")}


class DnsResolvers(Base):
    def _rid(self, call: Call) -> ResourceId:
        return resolver_id(call)

    def get(self, call: Call) -> Reply:
        return self.get_one(self._rid(call))

    def list_group(self, call: Call) -> Reply:
        return self.list_top(call, RESOLVER_TYPE)

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        location = tracked.location_of(item, rid.type)
        tags = tracked.tags_of(item.get("tags"))
        props = tracked.properties_of(item)
        vnet_id = parse_ref(props.get("virtualNetwork"), "virtualNetwork")

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            check_same_location(current, location, rid)
            vnet = tx.get(RESOURCE, vnet_id.key)
            if vnet is None:
                raise net.InvalidResourceReference(referenced=str(vnet_id), resource=str(rid))
            if vnet.body["location"] != location:
                raise dr.DifferentRegion(what="Virtual network", name=vnet.body["id"], actual=vnet.body["location"],
                                         other=f"DNS resolver {rid}", expected=location)
            if current is not None and str(current.body["properties"]["virtualNetwork"]["id"]).lower() != vnet_id.key:
                raise errors.InvalidRequestFormat(f"Cannot change the virtual network of DNS resolver {rid}.")
            for other in self.table.of_type(ResourceId(rid.subscription), RESOLVER_TYPE, tx):
                if other.key != rid.key and str(other.body["properties"]["virtualNetwork"]["id"]).lower() == vnet_id.key:
                    raise dr.VirtualNetworkHasDnsResolver(vnet=vnet.body["id"], other=other.body["id"])
            stored = body(rid, current, location, tags, {"virtualNetwork": {"id": vnet.body["id"]},
                                                         "dnsResolverState": "Connected"}, call)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            return Reply(200 if current else 201, stored)

        return self.finish(call, self.write(work), location)

    def delete(self, call: Call) -> Reply:
        rid = self._rid(call)

        def remove(tx: Transaction, current: Record) -> None:
            if children(tx, rid, INBOUND) or children(tx, rid, OUTBOUND):
                raise dr.ResourceHasChildren(what="DNS resolver", name=str(rid), children="inbound or outbound endpoints")
            tx.delete(RESOURCE, current.key, expect=current.version)

        return self.delete_one(call, rid, remove)


class Endpoints(Base):
    """Inbound and outbound endpoints: `kind` says which."""

    def __init__(self, services: Any, kind: str) -> None:
        super().__init__(services)
        self.kind = kind

    def _rid(self, call: Call) -> ResourceId:
        param = "inboundEndpointName" if self.kind == INBOUND else "outboundEndpointName"
        return resolver_id(call, (self.kind, param))

    def get(self, call: Call) -> Reply:
        return self.get_one(self._rid(call))

    def list_resources(self, call: Call) -> Reply:
        return self.list_children(resolver_id(call), self.kind)

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        assert rid.parent is not None
        parent = rid.parent
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        location = tracked.location_of(item, rid.type)
        tags = tracked.tags_of(item.get("tags"))
        props = tracked.properties_of(item)
        if self.kind == INBOUND:
            configs = props.get("ipConfigurations")
            if not isinstance(configs, list) or len(configs) != 1 or not isinstance(configs[0], dict):
                raise errors.InvalidRequestFormat(
                    f"Cannot parse the request: inbound endpoint {rid} needs one item in 'ipConfigurations'.")
            config = configs[0]
            subnet_id = parse_ref(config.get("subnet"), "ipConfigurations[0].subnet")
            method = str(config.get("privateIpAllocationMethod") or "Dynamic")
            if method.lower() not in ("dynamic", "static"):
                raise errors.InvalidRequestFormat(
                    f"Cannot parse the request: privateIpAllocationMethod must be Dynamic or Static, not '{method}'.")
            method = method.capitalize()
            if method == "Static" and not config.get("privateIpAddress"):
                raise errors.InvalidRequestFormat("Cannot parse the request: a Static allocation needs privateIpAddress.")
        else:
            subnet_id = parse_ref(props.get("subnet"), "subnet")

        def work(tx: Transaction) -> Reply:
            resolver = self.table.require(parent, tx)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            check_same_location(current, location, rid)
            if location != resolver.body["location"]:
                raise dr.DifferentRegion(what="Endpoint", name=str(rid), actual=location,
                                         other=f"DNS resolver {parent}", expected=resolver.body["location"])
            if current is None and len(children(tx, parent, self.kind)) >= (
                    dr.MAX_INBOUND if self.kind == INBOUND else dr.MAX_OUTBOUND):
                raise dr.LimitExceeded(what=f"DNS resolver {parent}", limit=dr.MAX_INBOUND, items=self.kind)
            if current is not None and subnet_id.key not in _subnets_of(current.body):
                raise errors.InvalidRequestFormat(f"Cannot change the subnet of endpoint {rid}.")
            subnet = check_subnet(tx, resolver, subnet_id, rid)
            if self.kind == OUTBOUND:
                new_props: dict[str, Any] = {"subnet": {"id": subnet.body["id"]}}
            elif current is not None:
                new_props = {"ipConfigurations": current.body["properties"]["ipConfigurations"]}
            else:
                holder = allocation.Holder(f"{rid}/ipConfigurations/ipconfig", str(rid), method=method)
                prefixes = allocation.prefixes_of(subnet.body)
                address = allocation.claim(tx, subnet_id, prefixes, str(config["privateIpAddress"]), holder) \
                    if method == "Static" else allocation.allocate(tx, subnet_id, prefixes, holder)
                new_props = {"ipConfigurations": [{"subnet": {"id": subnet.body["id"]}, "privateIpAddress": address,
                                                   "privateIpAllocationMethod": method}]}
            stored = body(rid, current, location, tags, new_props, call)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            return Reply(200 if current else 201, stored)

        return self.finish(call, self.write(work), location)

    def delete(self, call: Call) -> Reply:
        return self.delete_one(call, self._rid(call), remove)


def remove(tx: Transaction, endpoint: Record) -> None:
    """Deletes an endpoint and frees its address; an outbound endpoint a ruleset uses stays."""
    for ruleset in tx.list(RESOURCE, ResourceId(ResourceId.parse(endpoint.body["id"]).subscription).key + "/"):
        if ruleset.body.get("type") != "Microsoft.Network/dnsForwardingRulesets":
            continue
        used = {str(r.get("id", "")).lower() for r in ruleset.body["properties"].get("dnsResolverOutboundEndpoints") or []}
        if endpoint.key in used:
            raise dr.ResourceHasChildren(what="Outbound endpoint", name=endpoint.body["id"],
                                         children=f"the forwarding ruleset {ruleset.body['id']} using it")
    for config in endpoint.body["properties"].get("ipConfigurations") or []:
        allocation.release(tx, ResourceId.parse(config["subnet"]["id"]), config["privateIpAddress"])
    tx.delete(RESOURCE, endpoint.key, expect=endpoint.version)


def group_deleted(tx: Transaction, rid: ResourceId, stored: dict[str, Any]) -> None:
    """A resolver going with its group frees its inbound endpoints' addresses."""
    for endpoint in children(tx, rid, INBOUND):
        for config in endpoint.body["properties"].get("ipConfigurations") or []:
            allocation.release(tx, ResourceId.parse(config["subnet"]["id"]), config["privateIpAddress"])

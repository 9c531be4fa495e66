"""Virtual networks: `/virtualNetworks/{vnet}`, their lists, tags, and CheckIPAddressAvailability.

A PUT is the whole network: its `subnets` array is the complete set of subnets afterwards, so subnets it
names are created or updated and subnets it leaves out are deleted (refused while they hold addresses), as
Azure does when a template redeploys a network without its subnets.
"""

from __future__ import annotations

import uuid
from ipaddress import IPv4Network
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import allocation, peerings, schemas, subnets
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import (
    Provider,
    check_conditions,
    check_same_location,
    listing,
    network_id,
    scope_id,
)
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing
from vaultlink.store import Reader, Record, Transaction

VIRTUAL_NETWORKS = "Microsoft.Network/virtualNetworks"


def parse_address_space(rid: ResourceId, props: dict[str, Any]) -> list[IPv4Network]:
    space = props.get("addressSpace") or {}
    texts = schemas.string_list(space.get("addressPrefixes") if isinstance(space, dict) else None,
                                "addressSpace.addressPrefixes")
    if not texts:
        raise errors.InvalidRequestFormat(
            f"Cannot parse the request: virtual network {rid} needs at least one address range in "
            "'addressSpace.addressPrefixes'."
        )
    spaces = subnets.parse_prefixes(texts, rid)
    pair = addressing.first_overlap(spaces)
    if pair is not None:
        raise net.VnetAddressSpacesOverlap(resource=str(rid), a=str(pair[0]), b=str(pair[1]))
    for space_ in spaces:
        bad = addressing.unusable_overlap(space_)
        if bad is not None:
            raise net.NetcfgInvalidAddressSpace(prefix=str(space_), resource=str(rid), reserved=str(bad))
    return spaces


def parse_dns_servers(rid: ResourceId, props: dict[str, Any]) -> list[str]:
    dhcp = props.get("dhcpOptions") or {}
    servers = schemas.string_list(dhcp.get("dnsServers") if isinstance(dhcp, dict) else None, "dhcpOptions.dnsServers")
    for server in servers:
        try:
            addressing.parse_address(server)
        except addressing.AddressError:
            raise net.InvalidDnsServerAddress(value=server, resource=str(rid)) from None
    return [str(addressing.parse_address(s)) for s in servers]


def parse_inline_subnets(rid: ResourceId, props: dict[str, Any]) -> list[subnets.SubnetSpec]:
    specs: list[subnets.SubnetSpec] = []
    seen: set[str] = set()
    for item in schemas.object_list(props.get("subnets"), "subnets"):
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise errors.InvalidRequestFormat("Cannot parse the request: each of 'subnets' needs a 'name'.")
        if name.lower() in seen:
            raise errors.InvalidRequestFormat(
                f"Cannot parse the request: resource {rid} has two child resources with the same name ({name})."
            )
        seen.add(name.lower())
        specs.append(subnets.parse(rid.child(subnets.SUBNETS, name), item, rid.name))
    return specs


class VirtualNetworks(Provider):
    def _rid(self, call: Call) -> ResourceId:
        return network_id(call, ("virtualNetworks", "virtualNetworkName"))

    def body_of(self, reader: Reader, stored: dict[str, Any], tx: Transaction | None = None) -> dict[str, Any]:
        rid = ResourceId.parse(stored["id"])
        body = schemas.virtual_network(stored, [subnets.body_of(reader, r.body)
                                                for r in self.table.children(rid, subnets.SUBNETS, tx)])
        body["properties"]["virtualNetworkPeerings"] = [peerings.body_of(reader, r.body)
                                                        for r in peerings.of_network(tx or reader, rid)]
        return body

    def get(self, call: Call) -> Reply:
        return Reply(200, self.body_of(self.store, self.table.require(self._rid(call)).body))

    def list_resources(self, call: Call) -> Reply:
        scope = scope_id(call)
        if scope.resource_group is not None:
            self.services.resources.require_group(scope.subscription, scope.resource_group)
        return listing([self.body_of(self.store, r.body) for r in self.table.of_type(scope, VIRTUAL_NETWORKS)])

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        tracked.check_network_name(rid.name, rid.type, 2, 64)
        body = call.json()
        location = tracked.location_of(body, rid.type)
        tags = tracked.tags_of(body.get("tags"))
        props = tracked.properties_of(body)
        spaces = parse_address_space(rid, props)
        dns_servers = parse_dns_servers(rid, props)
        policies = schemas.enum_value(props.get("privateEndpointVNetPolicies"), schemas.PRIVATE_ENDPOINT_VNET_POLICIES,
                                      "privateEndpointVNetPolicies", "Disabled")
        if props.get("enableDdosProtection"):
            raise errors.NotSupported(what="DDoS protection plans (enableDdosProtection)")
        inline_peerings = schemas.object_list(props.get("virtualNetworkPeerings"), "virtualNetworkPeerings")
        specs = parse_inline_subnets(rid, props)
        subnets.check_layout(rid, spaces, specs)

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            check_same_location(current, location, rid)
            existing = {r.key: r for r in self.table.children(rid, subnets.SUBNETS, tx)} if current else {}
            known = {r.body["name"].lower() for r in peerings.of_network(tx, rid)}
            if any(str(p.get("name", "")).lower() not in known for p in inline_peerings):
                # the network's own peerings come back in a read-modify-write; new ones are their own resource
                raise errors.NotSupported(what="creating peerings inline in a virtual network; create them as "
                                          "virtualNetworks/virtualNetworkPeerings")
            wanted = {s.rid.key for s in specs}
            gone = [r for key, r in existing.items() if key not in wanted]
            for record in gone:
                subnets.check_deletable(tx, ResourceId.parse(record.body["id"]))
            for spec in specs:
                if spec.rid.key in existing:
                    subnets.check_prefix_change(tx, spec, existing[spec.rid.key].body)

            stored = self._stored(rid, current, location, tags, spaces, dns_servers, policies)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            for record in gone:
                subnets.remove(tx, record)
            for spec in specs:
                subnets.store(tx, spec, existing.get(spec.rid.key))
            return Reply(200 if current else 201, self.body_of(tx, stored, tx))

        return self.finish(call, self.write(work), location)

    @staticmethod
    def _stored(
        rid: ResourceId, current: Record | None, location: str, tags: dict[str, str] | None,
        spaces: list[IPv4Network], dns_servers: list[str], policies: str,
    ) -> dict[str, Any]:
        if current is not None:
            rid = ResourceId.parse(current.body["id"])
        guid = current.body["properties"]["resourceGuid"] if current else str(uuid.uuid4())
        props: dict[str, Any] = {
            "provisioningState": schemas.SUCCEEDED,
            "resourceGuid": guid,
            "addressSpace": {"addressPrefixes": [str(s) for s in spaces]},
            "dhcpOptions": {"dnsServers": dns_servers},
            "virtualNetworkPeerings": [],
            "enableDdosProtection": False,
            "privateEndpointVNetPolicies": policies,
        }
        return tracked.envelope(rid, properties=props, location=location, tags=tags)

    def patch(self, call: Call) -> Reply:
        """UpdateTags: only the tags change."""
        rid = self._rid(call)
        body = call.json()
        tags = tracked.tags_of(body.get("tags"))

        def work(tx: Transaction) -> dict[str, Any]:
            current = self.table.require(rid, tx)
            check_conditions(call, current, rid)
            stored = {k: v for k, v in current.body.items() if k != "tags"}
            stored = {**stored, "etag": new_etag(), **({"tags": tags} if tags is not None else {})}
            tx.put(RESOURCE, rid.key, stored, expect=current.version)
            return self.body_of(tx, stored, tx)

        return Reply(200, self.write(work))

    def delete(self, call: Call) -> Reply:
        rid = self._rid(call)

        def remove_network(tx: Transaction, current: Record) -> None:
            remove(tx, current, self.table.children(rid, subnets.SUBNETS, tx))
            # then the other providers' clean-up for a vanished network (its private DNS links), in this
            # transaction; the network's own hook finds nothing left to free
            self.services.hooks.run(tx, rid, current.body)

        return self.delete_one(call, rid, remove_network)

    def check_ip_address_availability(self, call: Call) -> Reply:
        rid = self._rid(call)
        text = call.query.get("ipAddress")
        if not text:
            raise errors.MissingRequiredParameter(name="ipAddress")
        try:
            addressing.parse_address(text)
        except addressing.AddressError:
            raise errors.InvalidParameter(value=text, name="ipAddress") from None
        self.table.require(rid)
        found = [(ResourceId.parse(r.body["id"]), allocation.prefixes_of(r.body))
                 for r in self.table.children(rid, subnets.SUBNETS)]
        return Reply(200, allocation.availability(self.store, found, text))


def remove(tx: Transaction, vnet: Record, children: list[Record]) -> None:
    """Deletes the network and its subnets; refused while any subnet holds an address."""
    for record in children:
        subnets.check_deletable(tx, ResourceId.parse(record.body["id"]))
    for record in children:
        subnets.remove(tx, record)
    allocation.forget_network(tx, ResourceId.parse(vnet.body["id"]))
    tx.delete(RESOURCE, vnet.key, expect=vnet.version)


def group_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """A resource group is being deleted with this network in it. Its own private endpoints were unlinked
    first (their hooks run before, in key order); whatever else still holds an address lives elsewhere and
    keeps the network (and so the group) from being deleted."""
    for record in subnets.of_network(tx, rid):
        subnet_id = ResourceId.parse(record.body["id"])
        for holder in allocation.holders(tx, subnet_id):
            owner = ResourceId.try_parse(holder["networkInterface"])
            if owner is None or owner.group_id != rid.group_id:
                raise net.InUseSubnetCannotBeDeleted(subnet=subnet_id.name, holder=holder["ipConfiguration"])
        allocation.forget(tx, subnet_id)
    allocation.forget_network(tx, rid)

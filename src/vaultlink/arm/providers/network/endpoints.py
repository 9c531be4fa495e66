"""Private endpoints: `/privateEndpoints/{pe}` and their lists.

Creating an endpoint, in one transaction: check the subnet (same subscription and region as the endpoint,
and the caller may join it), the private-link resource (it exists; an automatic connection needs the caller
to hold the resource's approval action there and be in its tenant), the limits (1000 endpoints per virtual
network, the resource's own); then take an address (static, or the subnet's lowest free one), create the
read-only network interface that holds it, open the connection on the resource's side
(privatelink.connect), and store the endpoint. An update may change tags and custom DNS configurations only.
Deleting undoes all of it: the connection, the zone groups' DNS records, the interface and its address.
"""

from __future__ import annotations

import uuid
from typing import Any

from vaultlink.arm import catalog, privatelink, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import allocation, endpoint_spec, nics, schemas, zonegroups
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import (
    Provider,
    check_conditions,
    check_same_location,
    listing,
    network_id,
    scope_id,
)
from vaultlink.arm.providers.network.endpoint_spec import EndpointSpec
from vaultlink.arm.resources import REGISTRATION, RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.identity.tokens import Caller
from vaultlink.store import Record, Transaction

PRIVATE_ENDPOINTS = "Microsoft.Network/privateEndpoints"
MAX_PER_NETWORK = 1000
WRITE = "Microsoft.Network/privateEndpoints/write"
JOIN_SUBNET = "Microsoft.Network/virtualNetworks/subnets/join/action"


class PrivateEndpoints(Provider):
    def _rid(self, call: Call) -> ResourceId:
        return network_id(call, ("privateEndpoints", "privateEndpointName"))

    def get(self, call: Call) -> Reply:  # $expand is accepted and ignored: the body is always complete
        return Reply(200, self.table.require(self._rid(call)).body)

    def list_resources(self, call: Call) -> Reply:
        scope = scope_id(call)
        if scope.resource_group is not None:
            self.services.resources.require_group(scope.subscription, scope.resource_group)
        return listing([r.body for r in self.table.of_type(scope, PRIVATE_ENDPOINTS)])

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        spec = endpoint_spec.parse(rid, call.json())
        caller = call.caller_required

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            if current is not None:
                return Reply(200, self._update(tx, current, spec))
            return Reply(201, self._create(tx, spec, caller))

        return self.finish(call, self.write(work), spec.location)

    # ---- create ---------------------------------------------------------------------------------------
    def _create(self, tx: Transaction, spec: EndpointSpec, caller: Caller) -> dict[str, Any]:
        rid, conn = spec.rid, spec.connection
        subnet, vnet = self._subnet(tx, spec)
        self._require_link(caller, WRITE, rid, JOIN_SUBNET, ResourceId.parse(subnet.body["id"]))
        target = tx.get(RESOURCE, conn.target.key)
        if target is None:
            raise net.InvalidResourceReference(
                f"Resource {conn.target} referenced by resource {rid} was not found. Please make sure that the "
                "referenced resource exists.", referenced=str(conn.target), resource=str(rid),
            )
        target_id = ResourceId.parse(target.body["id"])
        if not conn.manual:
            self._require_approval(tx, caller, rid, target_id, conn.kind)
        vnet_id = ResourceId.parse(vnet.body["id"])
        if allocation.endpoints_in(tx, vnet_id) >= MAX_PER_NETWORK:
            raise net.PrivateEndpointCountLimitReached(vnet=str(vnet_id), limit=MAX_PER_NETWORK)
        nic_id = nics.nic_id(rid, spec.custom_nic_name or nics.default_name(rid))
        if tx.get(RESOURCE, nic_id.key) is not None:
            raise net.NetworkInterfaceNameInUse(nic=str(nic_id), endpoint=str(rid))

        subnet_id = ResourceId.parse(subnet.body["id"])
        members = self._addresses(tx, spec, subnet, nic_id)
        state, _ = privatelink.connect(tx, endpoint=rid, target=target_id, manual=conn.manual,
                                       request_message=conn.request_message)
        fqdns = conn.kind.fqdns(target_id.name)
        nic = nics.endpoint_nic(nic_id, endpoint=rid, location=spec.location, subnet_id=str(subnet_id),
                                members=members, fqdns=fqdns)
        tx.put(RESOURCE, nic_id.key, nic, expect=0)
        allocation.count_endpoint(tx, vnet_id, +1)

        connection = schemas.connection(
            rid, conn.name, manual=conn.manual, target=str(target_id), group_ids=conn.group_ids,
            request_message=conn.request_message, state=state, etag=new_etag(),
        )
        addresses = [m.address for m in members]
        props: dict[str, Any] = {
            "provisioningState": schemas.SUCCEEDED,
            "resourceGuid": str(uuid.uuid4()),
            "subnet": {"id": str(subnet_id)},
            "networkInterfaces": [{"id": str(nic_id)}],
            "privateLinkServiceConnections": [] if conn.manual else [connection],
            "manualPrivateLinkServiceConnections": [connection] if conn.manual else [],
            "customNetworkInterfaceName": spec.custom_nic_name or "",
            "applicationSecurityGroups": [],
            "ipConfigurations": [
                {**s.wire(), "type": "Microsoft.Network/privateEndpoints/ipConfigurations", "etag": nic["etag"]}
                for s in spec.static or []
            ],
            "customDnsConfigs": spec.custom_dns if spec.custom_dns is not None
            else [{"fqdn": f, "ipAddresses": addresses} for f in fqdns],
        }
        body = tracked.envelope(rid, properties=props, location=spec.location, tags=spec.tags)
        tx.put(RESOURCE, rid.key, body, expect=0)
        return body

    def _subnet(self, tx: Transaction, spec: EndpointSpec) -> tuple[Record, Record]:
        """The endpoint's subnet and its network, which must be in the endpoint's subscription and region."""
        rid = spec.rid
        vnet_id = spec.subnet.parent
        is_subnet = spec.subnet.type.lower() == "microsoft.network/virtualnetworks/subnets"
        subnet = tx.get(RESOURCE, spec.subnet.key) if is_subnet else None
        vnet = tx.get(RESOURCE, vnet_id.key) if subnet is not None and vnet_id is not None else None
        if subnet is None or vnet is None:
            raise net.InvalidResourceReference(referenced=str(spec.subnet), resource=str(rid))
        if vnet.body["location"] != spec.location or spec.subnet.subscription.lower() != rid.subscription.lower():
            raise net.InvalidResourceReference(referenced=vnet.body["id"], resource=str(rid))
        return subnet, vnet

    def _addresses(self, tx: Transaction, spec: EndpointSpec, subnet: Record, nic: ResourceId) -> list[nics.MemberAddress]:
        """The endpoint's addresses: the static ones asked for, or one dynamic address per required member."""
        subnet_id = ResourceId.parse(subnet.body["id"])
        prefixes = allocation.prefixes_of(subnet.body)
        conn = spec.connection
        out = []
        if spec.static:
            for s in spec.static:
                config = str(nic.child("ipConfigurations", s.name))
                holder = allocation.Holder(config, str(nic), str(spec.rid), "Static")
                address = allocation.claim(tx, subnet_id, prefixes, s.address, holder)
                out.append(nics.MemberAddress(s.name, address, "Static", s.group_id, s.member))
            return out
        for group in conn.group_ids:
            for member in conn.kind.required_members:
                name = nics.ip_configuration_name(None)
                holder = allocation.Holder(str(nic.child("ipConfigurations", name)), str(nic), str(spec.rid))
                address = allocation.allocate(tx, subnet_id, prefixes, holder)
                out.append(nics.MemberAddress(name, address, "Dynamic", group, member))
        return out

    def _require_link(self, caller: Caller, action: str, scope: ResourceId, linked_action: str,
                      linked: ResourceId) -> None:
        if not self.services.authorizer.decide(caller.object_id, linked_action, str(linked)).allowed:
            raise net.LinkedAuthorizationFailed(
                client=caller.name or caller.app_id, object_id=caller.object_id, action=action, scope=str(scope),
                linked_action=linked_action, linked_scope=str(linked),
            )

    def _require_approval(self, tx: Transaction, caller: Caller, rid: ResourceId, target: ResourceId,
                          kind: privatelink.LinkTarget) -> None:
        """An automatic connection approves itself: the caller must be allowed to approve on the resource, and
        be in its directory (a resource in another tenant takes manual requests only); and, as for any
        approval, the resource's provider must be registered on the endpoint's subscription."""
        sub = self.services.directory.subscription(target.subscription)
        same_tenant = sub is not None and sub["tenantId"].lower() == caller.tenant_id.lower()
        allowed = self.services.authorizer.decide(caller.object_id, kind.approval_action, str(target)).allowed
        if not (same_tenant and allowed):
            # privatelink.LinkedAuthorizationFailed cannot be raised: its template's {target} is the keyword
            # AzureError takes for the error's target. Same code and words here.
            raise net.LinkedAuthorizationFailed(
                client=caller.name or caller.app_id, object_id=caller.object_id, action=WRITE, scope=str(rid),
                linked_action=kind.approval_action, linked_scope=str(target),
            )
        registration = tx.get(REGISTRATION, f"{rid.subscription}/{kind.namespace}".lower())
        registered = (registration.body["registrationState"] == "Registered" if registration is not None
                      else kind.namespace.lower() in catalog.REGISTERED_BY_DEFAULT)
        if not registered:
            raise errors.AuthorizationFailed(
                f"{kind.namespace} provider must be registered on subscription containing private endpoint: {rid}"
            )

    # ---- update ---------------------------------------------------------------------------------------
    def _update(self, tx: Transaction, current: Record, spec: EndpointSpec) -> dict[str, Any]:
        body = current.body
        rid = ResourceId.parse(body["id"])
        check_same_location(current, spec.location, rid)
        current_subnet = ResourceId.parse(body["properties"]["subnet"]["id"])
        if current_subnet != spec.subnet:
            raise net.CannotChangeSubnetOnExistingPrivateEndpoint(
                endpoint=str(rid), current=str(current_subnet), requested=str(spec.subnet)
            )
        if not endpoint_spec.same_connection(body, spec.connection):
            raise net.CannotChangePrivateLinkConnectionOnPrivateEndpoint(
                endpoint=str(rid), connection=endpoint_spec.current_connection_id(body)
            )
        if not endpoint_spec.same_static(body, spec.static):
            raise net.CannotChangePrivateEndpointIpConfigurations(what="static IP configurations", endpoint=str(rid))
        if spec.custom_nic_name and spec.custom_nic_name != body["properties"].get("customNetworkInterfaceName"):
            raise net.CannotChangePrivateEndpointIpConfigurations(what="custom network interface name", endpoint=str(rid))
        props = dict(body["properties"])
        if spec.custom_dns is not None:
            props["customDnsConfigs"] = spec.custom_dns
        updated = {k: v for k, v in body.items() if k not in ("tags", "properties")}
        updated["etag"] = new_etag()
        if spec.tags is not None:
            updated["tags"] = spec.tags
        updated["properties"] = props
        tx.put(RESOURCE, current.key, updated, expect=current.version)
        return updated

    # ---- delete ---------------------------------------------------------------------------------------
    def delete(self, call: Call) -> Reply:
        def remove(tx: Transaction, current: Record) -> None:
            tear_down(tx, current.body)
            tx.delete(RESOURCE, current.key, expect=current.version)

        return self.delete_one(call, self._rid(call), remove)


def tear_down(tx: Transaction, body: dict[str, Any]) -> None:
    """Everything an endpoint brought with it goes: its connection (on the resource's side too), its zone
    groups and their DNS records, its network interface and the addresses that interface held."""
    rid = ResourceId.parse(body["id"])
    privatelink.endpoint_deleted(tx, body)
    zonegroups.remove_all(tx, rid)
    vnet: ResourceId | None = None
    for ref in body["properties"].get("networkInterfaces") or []:
        nic = nics.delete_for_endpoint(tx, ResourceId.parse(ref["id"]))
        for subnet, address in nics.addresses_of(nic or {}):
            allocation.release(tx, subnet, address)
            vnet = subnet.parent
    if vnet is not None:
        allocation.count_endpoint(tx, vnet, -1)


def group_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """The endpoint goes with its resource group: tear it down from its current state."""
    rec = tx.get(RESOURCE, rid.key)
    if rec is not None:
        tear_down(tx, rec.body)


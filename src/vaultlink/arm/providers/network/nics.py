"""Network interfaces: `/networkInterfaces/{nic}`.

vaultlink's network interfaces are the ones private endpoints create for themselves: read-only to users for
the endpoint's whole life (PUT and DELETE are refused as Azure refuses them; tags may change), deleted with
their endpoint. Their one IP configuration holds the endpoint's address in the endpoint's subnet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import allocation, schemas
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import Provider, check_conditions, listing, network_id, scope_id
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.routing import Call, Reply
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Record, Transaction

NETWORK_INTERFACES = "Microsoft.Network/networkInterfaces"
ENDPOINT_IP_CONFIGURATION = "privateEndpointIpConfig"


def nic_id(endpoint: ResourceId, name: str) -> ResourceId:
    return endpoint.group_id.provider("Microsoft.Network", "networkInterfaces", name)


def default_name(endpoint: ResourceId) -> str:
    """`{endpoint}.nic.{guid}`, the name Azure gives an endpoint's interface when none is asked for."""
    return f"{endpoint.name}.nic.{uuid.uuid4()}"


def ip_configuration_name(static_name: str | None) -> str:
    return static_name or f"{ENDPOINT_IP_CONFIGURATION}.{uuid.uuid4()}"


@dataclass(frozen=True)
class MemberAddress:
    """One address of an endpoint's interface: the IP configuration that holds it and the member it serves."""

    ip_configuration: str
    address: str
    method: str
    group_id: str
    member: str


def endpoint_nic(
    nic: ResourceId, *, endpoint: ResourceId, location: str, subnet_id: str, members: list[MemberAddress],
    fqdns: list[str],
) -> dict[str, Any]:
    """The body of a private endpoint's network interface."""
    etag = new_etag()
    configs = [
        schemas.nic_ip_configuration(
            nic, m.ip_configuration, etag, address=m.address, method=m.method, subnet_id=subnet_id,
            group_id=m.group_id, member=m.member, fqdns=fqdns, primary=i == 0,
        )
        for i, m in enumerate(members)
    ]
    props = schemas.network_interface_properties(nic, guid=str(uuid.uuid4()), ip_configurations=configs, endpoint=endpoint)
    body = tracked.envelope(nic, properties=props, location=location)
    body["etag"] = etag
    body["kind"] = "Regular"
    return body


def addresses_of(nic_body: dict[str, Any]) -> list[tuple[ResourceId, str]]:
    """(subnet, address) of each of the interface's IP configurations."""
    out = []
    for config in nic_body.get("properties", {}).get("ipConfigurations", []):
        p = config.get("properties", {})
        subnet = ResourceId.try_parse((p.get("subnet") or {}).get("id", ""))
        if subnet is not None and p.get("privateIPAddress"):
            out.append((subnet, str(p["privateIPAddress"])))
    return out


def refuse_change(nic_body: dict[str, Any]) -> None:
    endpoint = (nic_body.get("properties", {}).get("privateEndpoint") or {}).get("id")
    if endpoint:
        raise net.CannotModifyNicAttachedToPrivateEndpoint(nic=nic_body["id"], endpoint=endpoint)


def delete_for_endpoint(tx: Transaction, nic: ResourceId) -> dict[str, Any] | None:
    rec = tx.get(RESOURCE, nic.key)
    if rec is None:
        return None
    tx.delete(RESOURCE, rec.key)
    return rec.body


class NetworkInterfaceOperations(Provider):
    def _rid(self, call: Call) -> ResourceId:
        return network_id(call, ("networkInterfaces", "networkInterfaceName"))

    def get(self, call: Call) -> Reply:
        return Reply(200, self.table.require(self._rid(call)).body)

    def list_resources(self, call: Call) -> Reply:
        scope = scope_id(call)
        if scope.resource_group is not None:
            self.services.resources.require_group(scope.subscription, scope.resource_group)
        return listing([r.body for r in self.table.of_type(scope, NETWORK_INTERFACES)])

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        call.json()
        current = self.table.get(rid)
        if current is not None:
            refuse_change(current.body)
        raise errors.NotSupported(
            what="creating network interfaces yourself; private endpoints create theirs (vaultlink has no virtual "
            "machines for a network interface to serve)"
        )

    def patch(self, call: Call) -> Reply:
        """UpdateTags: the one change Azure allows on a private endpoint's interface."""
        rid = self._rid(call)
        tags = tracked.tags_of(call.json().get("tags"))

        def work(tx: Transaction) -> dict[str, Any]:
            current = self.table.require(rid, tx)
            check_conditions(call, current, rid)
            body = {k: v for k, v in current.body.items() if k != "tags"}
            body = {**body, "etag": new_etag(), **({"tags": tags} if tags is not None else {})}
            tx.put(RESOURCE, rid.key, body, expect=current.version)
            return body

        return Reply(200, self.write(work))

    def delete(self, call: Call) -> Reply:
        """Refused for a private endpoint's interface; any other interface gives its addresses back."""
        rid = self._rid(call)

        def work(tx: Transaction) -> Record | None:
            current = self.table.get(rid, tx)
            if current is not None:
                refuse_change(current.body)
                check_conditions(call, current, rid)
                for subnet, address in addresses_of(current.body):
                    allocation.release(tx, subnet, address)
                tx.delete(RESOURCE, current.key, expect=current.version)
            return current

        gone = self.write(work)
        return Reply(204) if gone is None else self.deleted(call, gone.body["location"])

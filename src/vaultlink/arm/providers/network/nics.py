"""Network interfaces: `/networkInterfaces/{nic}`.

vaultlink's network interfaces are the ones private endpoints and virtual machines create for themselves.
An endpoint's is read-only to users for the endpoint's whole life (PUT and DELETE are refused as Azure refuses
them; tags may change) and deleted with its endpoint; its one IP configuration holds the endpoint's address.
A virtual machine's (from its networkInterfaceConfigurations) holds dynamic addresses in the machine's subnet;
it cannot be deleted while attached (NicInUse), and goes with the machine or stays behind, detached, as the
machine's deleteOption says. A detached interface can be deleted, giving its addresses back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import allocation, schemas
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import Provider, check_conditions, listing, network_id, scope_id
from vaultlink.arm.resources import RESOURCE
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


@dataclass(frozen=True)
class MachineAddress:
    """One IP configuration of a virtual machine's interface and the address it holds."""

    ip_configuration: str
    address: str
    subnet_id: str
    primary: bool


def machine_nic(
    nic: ResourceId, *, machine: ResourceId, location: str, addresses: list[MachineAddress], accelerated: bool,
) -> dict[str, Any]:
    """The body of an interface a virtual machine created from one of its network interface configurations."""
    etag = new_etag()
    configs = [
        {
            "id": str(nic.child("ipConfigurations", a.ip_configuration)),
            "name": a.ip_configuration,
            "etag": etag,
            "type": schemas.IP_CONFIGURATION_TYPE,
            "properties": {
                "provisioningState": schemas.SUCCEEDED,
                "privateIPAddress": a.address,
                "privateIPAllocationMethod": "Dynamic",
                "subnet": {"id": a.subnet_id},
                "primary": a.primary,
                "privateIPAddressVersion": "IPv4",
            },
        }
        for a in sorted(addresses, key=lambda a: not a.primary)
    ]
    props = {
        "provisioningState": schemas.SUCCEEDED,
        "resourceGuid": str(uuid.uuid4()),
        "ipConfigurations": configs,
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        "macAddress": schemas.mac_address(nic.key),
        "enableAcceleratedNetworking": accelerated,
        "vnetEncryptionSupported": False,
        "enableIPForwarding": False,
        "disableTcpStateTracking": False,
        "primary": True,
        "virtualMachine": {"id": str(machine)},
        "hostedWorkloads": [],
        "tapConfigurations": [],
        "nicType": "Standard",
        "auxiliaryMode": "None",
        "auxiliarySku": "None",
    }
    body = tracked.envelope(nic, properties=props, location=location)
    body["etag"] = etag
    body["kind"] = "Regular"
    return body


def attach(body: dict[str, Any], machine: ResourceId | None, primary: bool = True) -> dict[str, Any]:
    """The interface attached to a virtual machine (as its primary interface or not), or detached from it."""
    props = {k: v for k, v in body["properties"].items() if k not in ("virtualMachine", "primary")}
    if machine is not None:
        props["primary"] = primary
        props["virtualMachine"] = {"id": str(machine)}
    return {**body, "etag": new_etag(), "properties": props}


def attached_to(nic_body: dict[str, Any]) -> str | None:
    """The private endpoint or virtual machine the interface serves, if any."""
    props = nic_body.get("properties", {})
    for field in ("privateEndpoint", "virtualMachine"):
        holder = (props.get(field) or {}).get("id")
        if holder:
            return str(holder)
    return None


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


class NetworkInterfaces(Provider):
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
            what="creating or changing network interfaces yourself; private endpoints create theirs, and virtual "
            "machines create theirs from networkInterfaceConfigurations"
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
        """Refused for a private endpoint's interface and an attached one; a detached interface gives its addresses
        back."""
        rid = self._rid(call)

        def work(tx: Transaction) -> Record | None:
            current = self.table.get(rid, tx)
            if current is not None:
                refuse_change(current.body)
                machine = (current.body["properties"].get("virtualMachine") or {}).get("id")
                if machine:
                    raise net.NicInUse(nic=current.body["id"], holder=machine)
                check_conditions(call, current, rid)
                for subnet, address in addresses_of(current.body):
                    allocation.release(tx, subnet, address)
                tx.delete(RESOURCE, current.key, expect=current.version)
            return current

        gone = self.write(work)
        return Reply(204) if gone is None else self.deleted(call, gone.body["location"])

"""Virtual network peerings: `/virtualNetworks/{vnet}/virtualNetworkPeerings/{peering}`.

A peering is one direction of a link between two networks. It is Initiated while only its own side exists and
Connected once the remote network has a peering back; both sides turn Connected together. Deleting one side
(or its network) leaves the other Disconnected, and a Disconnected peering must be deleted and created again
before the link can be remade (RemotePeeringIsDisconnected). Networks whose address spaces overlap, directly or
with a network the remote one is already peered with, cannot be peered.

Traffic flows only between two networks whose peerings are both Connected with allowVirtualNetworkAccess:
arm/projection.py hands exactly those to the network model. Peering is not transitive.
"""

from __future__ import annotations

import uuid
from ipaddress import IPv4Network
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network import schemas, subnets
from vaultlink.arm.providers.network.base import Provider, check_conditions, network_id, parse_ref
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing
from vaultlink.store import Reader, Record, Transaction

PEERINGS = "virtualNetworkPeerings"
INITIATED, CONNECTED, DISCONNECTED = "Initiated", "Connected", "Disconnected"
FLAGS = {"allowVirtualNetworkAccess": True, "allowForwardedTraffic": False, "allowGatewayTransit": False,
         "useRemoteGateways": False}
"""The four switches of a peering, with Azure's defaults."""


def of_network(tx: Reader, vnet: ResourceId) -> list[Record]:
    prefix = f"{vnet.key}/{PEERINGS.lower()}/"
    return [r for r in tx.list(RESOURCE, prefix) if "/" not in r.key[len(prefix):]]


def remote_of(body: dict[str, Any]) -> str:
    return str(body["properties"]["remoteVirtualNetwork"]["id"]).lower()


def back_peering(tx: Reader, local: ResourceId, remote: ResourceId) -> Record | None:
    """The remote network's peering that points back at the local one, if any."""
    return next((r for r in of_network(tx, remote) if remote_of(r.body) == local.key), None)


def body_of(tx: Reader, stored: dict[str, Any]) -> dict[str, Any]:
    """The peering with the remote network's current address space (read-only, so never stale)."""
    props = dict(stored["properties"])
    remote = tx.get(RESOURCE, remote_of(stored))
    space = {"addressPrefixes": list(remote.body["properties"]["addressSpace"]["addressPrefixes"]) if remote else []}
    props["remoteAddressSpace"] = space
    props["remoteVirtualNetworkAddressSpace"] = space
    return {**stored, "properties": props}


def _set_state(tx: Transaction, record: Record, state: str) -> None:
    props = {**record.body["properties"], "peeringState": state}
    tx.put(RESOURCE, record.key, {**record.body, "etag": new_etag(), "properties": props}, expect=record.version)


def _spaces(vnet: Record) -> list[IPv4Network]:
    return subnets.spaces_of(vnet.body)


def _overlap(a: list[IPv4Network], b: list[IPv4Network]) -> str | None:
    hits = sorted({str(x if x.prefixlen >= y.prefixlen else y) for x in a for y in b if addressing.overlaps(x, y)})
    return ", ".join(hits) if hits else None


def check_spaces(tx: Transaction, rid: ResourceId, local: Record, remote: Record) -> None:
    """Refuses a peering between overlapping networks, or with a remote that is peered with a network that
    overlaps the local one."""
    mine = _spaces(local)
    hit = _overlap(mine, _spaces(remote))
    if hit is not None:
        raise net.VnetAddressSpacesOverlap(
            f"Cannot create or update peering {rid}. Virtual networks {local.body['id']} and {remote.body['id']} "
            f"cannot be peered because their address spaces overlap. Overlapping address prefixes: {hit}",
        )
    for peering in of_network(tx, ResourceId.parse(remote.body["id"])):
        other_key = remote_of(peering.body)
        if other_key == local.key or peering.body["properties"].get("peeringState") == DISCONNECTED:
            continue
        other = tx.get(RESOURCE, other_key)
        hit = _overlap(mine, _spaces(other)) if other is not None else None
        if hit is not None and other is not None:
            raise net.VnetAddressSpaceOverlapsWithAlreadyPeeredVnet(
                peering=str(rid), local=local.body["id"], remote=remote.body["id"], other=other.body["id"], prefixes=hit)


def _flags(props: dict[str, Any], current: dict[str, Any] | None) -> dict[str, bool]:
    out = {}
    for name, default in FLAGS.items():
        value = props.get(name)
        if value is None:
            value = current["properties"][name] if current else default
        if not isinstance(value, bool):
            raise errors.InvalidRequestFormat(f"Cannot parse the request: '{name}' must be true or false.")
        out[name] = value
    return out


class VirtualNetworkPeerings(Provider):
    def _ids(self, call: Call) -> tuple[ResourceId, ResourceId]:
        rid = network_id(call, ("virtualNetworks", "virtualNetworkName"), (PEERINGS, "virtualNetworkPeeringName"))
        assert rid.parent is not None
        return rid.parent, rid

    def get(self, call: Call) -> Reply:
        vnet_id, rid = self._ids(call)
        self.table.require(vnet_id)
        return Reply(200, body_of(self.store, self.table.require(rid).body))

    def list_resources(self, call: Call) -> Reply:
        vnet_id = network_id(call, ("virtualNetworks", "virtualNetworkName"))
        self.table.require(vnet_id)
        return Reply(200, {"value": [body_of(self.store, r.body) for r in of_network(self.store, vnet_id)]})

    def put(self, call: Call) -> Reply:
        vnet_id, rid = self._ids(call)
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        props = schemas.props_of(item, PEERINGS)
        remote_id = parse_ref(props.get("remoteVirtualNetwork"), "remoteVirtualNetwork")
        if remote_id.key == vnet_id.key:
            raise net.CannotPeerVirtualNetworkWithItself(peering=str(rid))

        def work(tx: Transaction) -> tuple[Reply, str]:
            local = self.table.require(vnet_id, tx)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            remote = tx.get(RESOURCE, remote_id.key)
            if remote is None:
                raise net.InvalidResourceReference(referenced=str(remote_id), resource=str(rid))
            if current is not None and remote_of(current.body) != remote_id.key:
                raise errors.InvalidRequestFormat(
                    f"Cannot change the remote virtual network of peering {rid}: delete it and create it again.")
            flags = _flags(props, current.body if current else None)
            check_spaces(tx, rid, local, remote)
            back = back_peering(tx, vnet_id, remote_id)
            if flags["useRemoteGateways"] and not (back is not None and back.body["properties"]["allowGatewayTransit"]
                                                   and _has_gateway(tx, remote_id)):
                raise net.RemoteVnetHasNoGateways(peering=str(rid), remote=remote.body["id"])
            if current is not None and current.body["properties"]["peeringState"] == DISCONNECTED:
                state = DISCONNECTED  # an update does not reconnect: the peering must be created again
            elif back is None:
                state = INITIATED
            elif back.body["properties"]["peeringState"] == DISCONNECTED:
                raise net.RemotePeeringIsDisconnected(peering=str(rid), remote=back.body["id"], local=local.body["id"])
            else:
                state = CONNECTED
                if back.body["properties"]["peeringState"] != CONNECTED:
                    _set_state(tx, back, CONNECTED)
            stored = self._stored(rid, current, remote.body["id"], flags, state)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            subnets.touch(tx, local)
            return Reply(200 if current else 201, body_of(tx, stored)), str(local.body["location"])

        reply, location = self.write(work)
        return self.finish(call, reply, location)

    @staticmethod
    def _stored(rid: ResourceId, current: Record | None, remote: str, flags: dict[str, bool],
                state: str) -> dict[str, Any]:
        if current is not None:
            rid = ResourceId.parse(current.body["id"])
        guid = current.body["properties"]["resourceGuid"] if current else str(uuid.uuid4())
        props: dict[str, Any] = {
            "provisioningState": schemas.SUCCEEDED, "resourceGuid": guid, "peeringState": state,
            "peeringSyncLevel": "FullyInSync", "remoteVirtualNetwork": {"id": remote}, **flags,
            "doNotVerifyRemoteGateways": False,
        }
        return {"id": str(rid), "name": rid.name, "etag": new_etag(),
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "properties": props}

    def delete(self, call: Call) -> Reply:
        vnet_id, rid = self._ids(call)

        def work(tx: Transaction) -> str | None:
            local = self.table.require(vnet_id, tx)
            current = self.table.get(rid, tx)
            if current is None:
                return None
            check_conditions(call, current, rid)
            remove(tx, current)
            subnets.touch(tx, local)
            return str(local.body["location"])

        location = self.write(work)
        return Reply(204) if location is None else self.deleted(call, location)


def _has_gateway(tx: Reader, vnet: ResourceId) -> bool:
    """A virtual network gateway sits in the network's GatewaySubnet."""
    gateway_subnet = f"{vnet.key}/subnets/gatewaysubnet"
    return any(str(((ipc.get("properties") or {}).get("subnet") or {}).get("id", "")).lower() == gateway_subnet
               for r in tx.list(RESOURCE, f"/subscriptions/{vnet.subscription}/".lower())
               if r.body.get("type") == "Microsoft.Network/virtualNetworkGateways"
               for ipc in (r.body.get("properties") or {}).get("ipConfigurations") or [])


def remove(tx: Transaction, peering: Record) -> None:
    """Deletes one side; the other side, if it was linked to this one, becomes Disconnected."""
    rid = ResourceId.parse(peering.body["id"])
    assert rid.parent is not None
    remote = ResourceId.try_parse(peering.body["properties"]["remoteVirtualNetwork"]["id"])
    back = back_peering(tx, rid.parent, remote) if remote is not None else None
    if back is not None and back.body["properties"]["peeringState"] != DISCONNECTED:
        _set_state(tx, back, DISCONNECTED)
    tx.delete(RESOURCE, peering.key, expect=peering.version)


def network_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """A network goes (on its own or with its group): its peerings go with it, and their remote sides are left
    Disconnected."""
    for peering in of_network(tx, rid):
        remove(tx, peering)

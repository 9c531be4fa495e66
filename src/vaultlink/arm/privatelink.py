"""Private link connections: one state machine, seen from both sides.

A private endpoint (Microsoft.Network) holds a connection to a private-link resource (a key vault); the
resource holds a matching privateEndpointConnection. Both records change together, in the caller's
transaction, so the endpoint's `privateLinkServiceConnectionState` and the vault's always agree.

    Pending  -> Approved | Rejected       (the owner decides)
    Approved -> Rejected
    Rejected -> Approved                  (Key Vault approves a rejected connection again)
    any      -> Disconnected              (the owner removed it, or the resource was deleted)

The general Private Link documentation says a rejected connection cannot be approved again; Key Vault does
approve it: Azure answered 200 Approved to a PUT with status Approved on a Rejected vault connection (recorded
2024-04-18, api-version 2023-07-01), and the recorded behaviour is what clients meet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from vaultlink.arm.envelope import new_etag
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.tracked import count_in_subscription
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network.topology import ConnectionStatus
from vaultlink.store import Transaction

PENDING, APPROVED, REJECTED, DISCONNECTED = (ConnectionStatus.PENDING, ConnectionStatus.APPROVED,
                                             ConnectionStatus.REJECTED, ConnectionStatus.DISCONNECTED)
STATES = tuple(ConnectionStatus)
AUTO_APPROVED = "Auto-Approved"
AWAITING = "Awaiting approval"


class PrivateEndpointConnectionStateInvalid(errors.BadRequest):
    """{message}"""

    code = "BadRequest"


class PrivateEndpointLimitReached(errors.BadRequest):
    """The private link resource '{resource}' already has {limit} private endpoint connections, the most it can
    have."""

    code = "PrivateEndpointConnectionsLimitReached"


@dataclass(frozen=True)
class LinkTarget:
    """A kind of resource that private endpoints can connect to."""

    type: str
    namespace: str
    group_ids: tuple[str, ...]
    required_members: tuple[str, ...]
    zone_names: tuple[str, ...]
    approval_action: str
    connection_type: str
    host_suffix: str
    max_endpoints: int

    def fqdns(self, name: str) -> list[str]:
        return [f"{name.lower()}{self.host_suffix}"]


KEY_VAULT = LinkTarget(
    type="Microsoft.KeyVault/vaults",
    namespace="Microsoft.KeyVault",
    group_ids=("vault",),
    required_members=("default",),
    zone_names=("privatelink.vaultcore.azure.net",),
    approval_action="Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action",
    connection_type="Microsoft.KeyVault/vaults/privateEndpointConnections",
    host_suffix=".vault.azure.net",
    max_endpoints=64,
)

TARGETS = {KEY_VAULT.type.lower(): KEY_VAULT}


def target_for(rid: ResourceId) -> LinkTarget | None:
    return TARGETS.get(rid.type.lower())


def check_transition(current: str, wanted: str) -> None:
    """Refuses a state change Azure refuses, with Azure's words where they are known."""
    if wanted not in STATES:
        raise errors.InvalidParameter(
            f"The connection status '{wanted}' is invalid. It must be one of {', '.join(STATES)}."
        )
    if current == wanted:
        return
    if current == DISCONNECTED:
        raise PrivateEndpointConnectionStateInvalid(
            message="The private endpoint connection is Disconnected and cannot change state; delete the private "
            "endpoint and create a new one."
        )
    if wanted == PENDING:
        raise PrivateEndpointConnectionStateInvalid(
            message=f"A private endpoint connection in state '{current}' cannot be set back to 'Pending'."
        )
    if wanted == DISCONNECTED:
        raise PrivateEndpointConnectionStateInvalid(
            message="A private endpoint connection is disconnected by deleting it, not by setting its status."
        )


def state(status: str, description: str) -> dict[str, str]:
    return {"status": status, "description": description, "actionsRequired": "None"}


def connection_id(target: ResourceId, name: str) -> ResourceId:
    return target.child("privateEndpointConnections", name)


COUNT = "plcount"
"""One record per private-link resource counting its connections, so the 64-connection limit is one read."""


def connection_count(tx: Transaction, target: ResourceId) -> int:
    rec = tx.get(COUNT, target.key)
    return int(rec.body["count"]) if rec else 0


VAULTS_WITH_ENDPOINTS_PER_SUBSCRIPTION = 400


def _count(tx: Transaction, target: ResourceId, delta: int) -> None:
    """Moves the resource's connection count; a resource gaining its first connection counts toward its
    subscription's limit of resources with private endpoints (400 key vaults), and leaves it with its last."""
    rec = tx.get(COUNT, target.key)
    before = int(rec.body["count"]) if rec else 0
    value = max(0, before + delta)
    if (before == 0) != (value == 0):
        count_in_subscription(
            tx, target.subscription, "vaultswithendpoints", 1 if value else -1, VAULTS_WITH_ENDPOINTS_PER_SUBSCRIPTION,
            f"The subscription '{target.subscription}' already has {VAULTS_WITH_ENDPOINTS_PER_SUBSCRIPTION} key vaults "
            f"with private endpoints, the most it can have; '{target.name}' cannot get its first one.")
    tx.put(COUNT, target.key, {"count": value}, expect=rec.version if rec else 0)


def connections_of(tx: Transaction, target: ResourceId) -> list[dict[str, Any]]:
    prefix = target.key + "/privateendpointconnections/"
    return [r.body for r in tx.list(RESOURCE, prefix)]


def connect(
    tx: Transaction, *, endpoint: ResourceId, target: ResourceId, manual: bool, request_message: str | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Creates the resource side of a new connection; returns its state (for the endpoint's side) and the
    privateEndpointConnection record."""
    kind = target_for(target)
    assert kind is not None
    if connection_count(tx, target) >= kind.max_endpoints:
        raise PrivateEndpointLimitReached(resource=str(target), limit=kind.max_endpoints)
    st = state(PENDING, request_message or AWAITING) if manual else state(APPROVED, AUTO_APPROVED)
    name = f"{endpoint.name}.{uuid.uuid4()}"
    rid = connection_id(target, name)
    body = {
        "id": str(rid),
        "name": name,
        "type": kind.connection_type,
        "etag": new_etag(),
        "properties": {
            "privateEndpoint": {"id": str(endpoint)},
            "privateLinkServiceConnectionState": st,
            "provisioningState": "Succeeded",
        },
    }
    tx.put(RESOURCE, rid.key, body, expect=0)
    _count(tx, target, +1)
    return st, body


def _endpoint_connection(endpoint_body: dict[str, Any], target: ResourceId) -> dict[str, Any] | None:
    props = endpoint_body.get("properties", {})
    for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for conn in props.get(collection) or []:
            service = ResourceId.try_parse(conn.get("properties", {}).get("privateLinkServiceId", ""))
            if service is not None and service == target:
                return dict(conn)
    return None


def _update_endpoint_side(tx: Transaction, endpoint: ResourceId, target: ResourceId, st: dict[str, str]) -> None:
    rec = tx.get(RESOURCE, endpoint.key)
    if rec is None:
        return
    body = dict(rec.body)
    props = dict(body["properties"])
    for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        conns = []
        for conn in props.get(collection) or []:
            service = ResourceId.try_parse(conn.get("properties", {}).get("privateLinkServiceId", ""))
            if service is not None and service == target:
                conn = {**conn, "etag": new_etag(),
                        "properties": {**conn["properties"], "privateLinkServiceConnectionState": dict(st)}}
            conns.append(conn)
        props[collection] = conns
    body["properties"] = props
    body["etag"] = new_etag()
    tx.put(RESOURCE, rec.key, body, expect=rec.version)


def set_state(tx: Transaction, connection: ResourceId, status: str, description: str | None) -> dict[str, Any]:
    """The owner approves or rejects; both sides change."""
    rec = tx.get(RESOURCE, connection.key)
    if rec is None:
        raise errors.ResourceNotFound(
            f"The private endpoint connection '{connection.name}' was not found on '{connection.parent}'."
        )
    current = rec.body["properties"]["privateLinkServiceConnectionState"]
    check_transition(current["status"], status)
    st = state(status, description if description is not None else current.get("description", ""))
    body = {**rec.body, "etag": new_etag(),
            "properties": {**rec.body["properties"], "privateLinkServiceConnectionState": st, "provisioningState": "Succeeded"}}
    tx.put(RESOURCE, rec.key, body, expect=rec.version)
    target = connection.parent
    assert target is not None
    endpoint = ResourceId.parse(body["properties"]["privateEndpoint"]["id"])
    _update_endpoint_side(tx, endpoint, target, st)
    return body


def remove_by_owner(tx: Transaction, connection: ResourceId) -> dict[str, Any] | None:
    """The owner deletes the connection: the endpoint is left Disconnected, informative only."""
    rec = tx.get(RESOURCE, connection.key)
    if rec is None:
        return None
    tx.delete(RESOURCE, rec.key, expect=rec.version)
    target = connection.parent
    assert target is not None
    _count(tx, target, -1)
    endpoint = ResourceId.parse(rec.body["properties"]["privateEndpoint"]["id"])
    _update_endpoint_side(tx, endpoint, target, state(DISCONNECTED, "Connection removed by the private link resource owner."))
    return rec.body


def endpoint_deleted(tx: Transaction, endpoint_body: dict[str, Any]) -> None:
    """Deleting an endpoint removes its connection from every resource it was connected to."""
    endpoint = ResourceId.parse(endpoint_body["id"])
    props = endpoint_body.get("properties", {})
    for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for conn in props.get(collection) or []:
            target = ResourceId.try_parse(conn.get("properties", {}).get("privateLinkServiceId", ""))
            if target is None:
                continue
            for pec in connections_of(tx, target):
                if ResourceId.parse(pec["properties"]["privateEndpoint"]["id"]) == endpoint:
                    tx.delete(RESOURCE, ResourceId.parse(pec["id"]).key)
                    _count(tx, target, -1)


def target_deleted(tx: Transaction, target: ResourceId) -> None:
    """Deleting the resource leaves every endpoint connected to it Disconnected, and drops its connections."""
    for pec in connections_of(tx, target):
        endpoint = ResourceId.parse(pec["properties"]["privateEndpoint"]["id"])
        _update_endpoint_side(tx, endpoint, target, state(DISCONNECTED, "The private link resource was deleted."))
        tx.delete(RESOURCE, ResourceId.parse(pec["id"]).key)
    if connection_count(tx, target):
        count_in_subscription(tx, target.subscription, "vaultswithendpoints", -1,
                              VAULTS_WITH_ENDPOINTS_PER_SUBSCRIPTION, "")
    tx.delete(COUNT, target.key)

"""What every Microsoft.Network operation shares: resource ids from the path, names, conditions, replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vaultlink.arm import envelope, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Record, StoreConflict, Transaction

NAMESPACE = "Microsoft.Network"
ATTEMPTS = 5

T = TypeVar("T")


def group_id(call: Call) -> ResourceId:
    return ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"])


def scope_id(call: Call) -> ResourceId:
    """The resource group of the path, or its subscription for subscription-wide lists."""
    if "resourceGroupName" in call.params:
        return group_id(call)
    return ResourceId(call.params["subscriptionId"])


def network_id(call: Call, *pairs: tuple[str, str]) -> ResourceId:
    """`network_id(call, ("virtualNetworks", "virtualNetworkName"), ("subnets", "subnetName"))`: the resource the
    path names, each name taken from the path parameter given."""
    return ResourceId(
        call.params["subscriptionId"], call.params["resourceGroupName"], NAMESPACE,
        tuple(t for t, _ in pairs), tuple(call.params[p] for _, p in pairs),
    )


def check_conditions(call: Call, current: Record | None, rid: ResourceId) -> None:
    envelope.check_conditions(call, current.body.get("etag") if current else None, current is not None, str(rid))


def check_same_location(current: Record | None, location: str, rid: ResourceId) -> None:
    if current is not None and current.body.get("location") and current.body["location"] != location:
        raise net.InvalidResourceLocation(
            name=rid.name, current=current.body["location"], group=rid.resource_group, requested=location
        )


def ref(rid: ResourceId | str) -> dict[str, str]:
    return {"id": str(rid)}


def parse_ref(value: Any, what: str) -> ResourceId:
    """`{"id": "/subscriptions/..."}` -> the id; InvalidRequestFormat naming the field otherwise."""
    text = value.get("id") if isinstance(value, dict) else None
    rid = ResourceId.try_parse(text) if isinstance(text, str) else None
    if rid is None:
        raise errors.InvalidRequestFormat(
            f"Cannot parse the request: '{what}' must be an object whose 'id' is a resource id, not {value!r}."
        )
    return rid


def listing(items: list[dict[str, Any]]) -> Reply:
    return Reply(200, {"value": items})


class Provider:
    """The services a Microsoft.Network operation class works with."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.table = tracked.ResourceTable(services.store)
        self.operations = services.operations

    def write(self, work: Callable[[Transaction], T]) -> T:
        """Runs `work` in one transaction. When another writer changed a record it read first (another
        vaultlink process on a shared store), the transaction rolls back and `work` runs again on the new state,
        as Azure's network provider retries its own optimistic writes."""
        for _ in range(ATTEMPTS):
            try:
                with self.store.transaction() as tx:
                    return work(tx)
            except StoreConflict:
                continue
        raise net.AnotherOperationInProgress()

    def finish(self, call: Call, reply: Reply, location: str) -> Reply:
        return self.operations.finish(call, reply, namespace=NAMESPACE, location=location,
                                      result=reply.body, result_status=reply.status)

    def deleted(self, call: Call, location: str) -> Reply:
        return self.operations.finish(call, Reply(200), namespace=NAMESPACE, location=location, result_status=200)

    def delete_one(
        self, call: Call, rid: ResourceId, remove: Callable[[Transaction, Record], None] | None = None, *,
        location: str | None = None,
    ) -> Reply:
        """The DELETE of one resource: 204 when there is none; else If-Match is checked, `remove` runs (it may
        refuse while children remain, and takes what goes with the resource) or the record alone is deleted,
        and the deletion is answered as an operation in the resource's region (`location` for a global one)."""

        def work(tx: Transaction) -> str | None:
            current = self.table.get(rid, tx)
            if current is None:
                return None
            check_conditions(call, current, rid)
            if remove is None:
                tx.delete(RESOURCE, current.key, expect=current.version)
            else:
                remove(tx, current)
            return location or str(current.body["location"])

        where = self.write(work)
        return Reply(204) if where is None else self.deleted(call, where)

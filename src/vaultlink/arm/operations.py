"""Long-running operations.

vaultlink finishes provisioning while it answers, so by default a create or delete answers in its terminal
state and no client ever waits on a poll interval. With `async_operations` on, the same requests answer the
way slow Azure operations do: 201/202 with Azure-AsyncOperation, Location and Retry-After 1, the reply's
`provisioningState` in progress (Updating, or the provider's own word), and an operation record that stays
InProgress until someone has seen it so: the first read of it (its Azure-AsyncOperation status, its Location,
or a GET of the resource, which then also reports the in-progress state) sees it running, every read after
that sees it Succeeded. So every client that polls sees both states, in order, and none waits more than one
poll interval; a restart keeps where each operation stands.

The store already holds the outcome when the request answers (nothing is half-written while an operation
runs); only what reads report follows the operation.
"""

from __future__ import annotations

import uuid
from typing import Any

from vaultlink.arm.dispatch import Call, Reply
from vaultlink.core import errors
from vaultlink.core.clock import clock
from vaultlink.store import Store, StoreConflict

OPERATION = "operation"
RUNNING = "runningop"
"""One record per resource with an operation in progress, keyed by its lower-cased id: which operation, and
the provisioningState a GET of the resource reports meanwhile."""
RETRY_AFTER = "1"
IN_PROGRESS, SUCCEEDED = "InProgress", "Succeeded"


class Operations:
    def __init__(self, store: Store, enabled: bool) -> None:
        self.store = store
        self.enabled = enabled

    def finish(
        self, call: Call, reply: Reply, *, namespace: str, location: str, result: Any = None, result_status: int = 200,
        state: str = "Updating", always: bool = False, error: dict[str, Any] | None = None,
    ) -> Reply:
        """Turns a finished operation's reply into the asynchronous form when that mode is on. `always`: the
        operation answers in that form in either mode (template deployments, whose failures Azure reports only
        through the operation, with `error`); with the mode off its operation is born finished."""
        base = f"/subscriptions/{call.params.get('subscriptionId', '')}/providers/{namespace}/locations/{location}"
        return self.finish_under(call, reply, f"{base}/operationStatuses", f"{base}/operationResults",
                                 result=result, result_status=result_status, state=state, always=always, error=error)

    def finish_under(
        self, call: Call, reply: Reply, statuses: str, results: str, *, result: Any = None, result_status: int = 200,
        state: str = "Updating", always: bool = False, error: dict[str, Any] | None = None,
    ) -> Reply:
        """`finish`, with the polling URLs at `{statuses}/{id}` and `{results}/{id}`: for the providers whose
        operations Azure serves elsewhere than under `locations/{location}` (private DNS). `state` is the
        provisioningState the resource reports while the operation runs."""
        if not self.enabled and not always:
            return reply
        op_id = str(uuid.uuid4())
        resource = reply.body.get("id") if call.method in ("PUT", "PATCH") and isinstance(reply.body, dict) else None
        body = {
            "id": f"{statuses}/{op_id}",
            "name": op_id,
            "status": IN_PROGRESS,
            "startTime": clock.isonow(),
            "percentComplete": 0,
            "seen": False,
            "resource": resource.lower() if isinstance(resource, str) else None,
            "result": result,
            "resultStatus": result_status,
            "location": call.url(f"{results}/{op_id}", **{"api-version": call.api_version}),
            "outcome": "Failed" if error else SUCCEEDED,
            "error": error,
        }
        if not self.enabled:
            body.update(status=body["outcome"], seen=True, endTime=body["startTime"], percentComplete=100,
                        resource=None)
        with self.store.transaction() as tx:
            tx.put(OPERATION, op_id, body, expect=0)
            if body["resource"]:
                tx.put(RUNNING, body["resource"], {"operation": op_id, "state": state})
        headers = dict(reply.headers)
        headers["Azure-AsyncOperation"] = call.url(f"{statuses}/{op_id}", **{"api-version": call.api_version})
        headers["Location"] = body["location"]
        headers["Retry-After"] = RETRY_AFTER
        if call.method == "PUT":
            status = 201 if reply.status in (200, 201) else reply.status
            return Reply(status, running(reply.body, state) if self.enabled else reply.body, headers)
        if call.method == "PATCH":
            return Reply(reply.status, running(reply.body, state), headers)
        return Reply(202, None, headers)

    def _read(self, op_id: str) -> dict[str, Any]:
        """The operation, moved on by this read: InProgress to its first reader, Succeeded from then on."""
        for _ in range(5):
            rec = self.store.get(OPERATION, op_id.lower())
            if rec is None:
                raise errors.OperationNotFound(operation=op_id)
            op = dict(rec.body)
            if op["status"] != IN_PROGRESS:
                return op
            if not op.get("seen"):
                op["seen"] = True
            else:
                op.update(status=op.get("outcome", SUCCEEDED), endTime=clock.isonow(), percentComplete=100)
            try:
                with self.store.transaction() as tx:
                    tx.put(OPERATION, rec.key, op, expect=rec.version)
                    if op["status"] != IN_PROGRESS and op.get("resource"):
                        mark = tx.get(RUNNING, op["resource"])
                        if mark is not None and mark.body["operation"] == rec.key:
                            tx.delete(RUNNING, mark.key, expect=mark.version)
            except StoreConflict:
                continue  # another reader moved it first: read it again
            return op
        raise errors.InternalServerError(request_id=op_id)

    def status(self, call: Call) -> Reply:
        op = self._read(call.params["operationId"])
        keys = ("id", "name", "status", "startTime", "endTime", "percentComplete", "error")
        # Pollers wait what the last poll's Retry-After says; without one, az waits 30 s.
        headers = {"Retry-After": RETRY_AFTER} if op["status"] == IN_PROGRESS else {}
        return Reply(200, {k: op[k] for k in keys if op.get(k) is not None}, headers)

    def result(self, call: Call) -> Reply:
        op = self._read(call.params["operationId"])
        if op["status"] == IN_PROGRESS:
            return Reply(202, None, {"Location": op["location"], "Retry-After": RETRY_AFTER})
        if op["status"] == "Canceled":
            return Reply(200, {"status": "Canceled"})
        if op["result"] is None:
            return Reply(204 if op["resultStatus"] == 204 else 200)
        return Reply(op["resultStatus"], op["result"])

    def cancel(self, resource_id: str) -> bool:
        """Cancels the operation still running on a resource; False when none is running."""
        mark = self.store.get(RUNNING, resource_id.lower())
        if mark is None:
            return False
        try:
            with self.store.transaction() as tx:
                op = tx.get(OPERATION, mark.body["operation"])
                if op is None or op.body["status"] != IN_PROGRESS:
                    return False
                tx.put(OPERATION, op.key, {**op.body, "status": "Canceled", "endTime": clock.isonow()},
                       expect=op.version)
                tx.delete(RUNNING, mark.key, expect=mark.version)
        except StoreConflict:
            return False
        return True

    def observe(self, reply: Reply) -> Reply:
        """A GET of a resource with an operation in progress: the read counts as one of the operation's, and
        while it runs the resource reports the operation's provisioningState."""
        if not self.enabled or reply.status != 200 or not isinstance(reply.body, dict):
            return reply
        rid = reply.body.get("id")
        mark = self.store.get(RUNNING, rid.lower()) if isinstance(rid, str) else None
        if mark is None:
            return reply
        try:
            op = self._read(mark.body["operation"])
        except errors.OperationNotFound:
            return reply
        if op["status"] != IN_PROGRESS:
            return reply
        return Reply(reply.status, running(reply.body, mark.body["state"]), reply.headers)


def running(body: Any, state: str) -> Any:
    """A copy of a resource body whose provisioningState says the operation is still running."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body
    return {**body, "properties": {**body["properties"], "provisioningState": state}}

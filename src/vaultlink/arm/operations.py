"""Long-running operations.

vaultlink finishes provisioning while it answers, so by default a create or delete answers in its terminal
state and no client ever waits on a poll interval. With `async_operations` on, the same requests answer the
way slow Azure operations do (201/202 with Azure-AsyncOperation and Location, Retry-After 1), pointing at
an operation record that already holds the outcome, so clients that poll are exercised end to end.
"""

from __future__ import annotations

import uuid
from typing import Any

from vaultlink.arm.dispatch import Call, Reply
from vaultlink.core import errors
from vaultlink.core.clock import clock
from vaultlink.store import Store

OPERATION = "operation"
RETRY_AFTER = "1"


class Operations:
    def __init__(self, store: Store, enabled: bool) -> None:
        self.store = store
        self.enabled = enabled

    def finish(
        self, call: Call, reply: Reply, *, namespace: str, location: str, result: Any = None, result_status: int = 200
    ) -> Reply:
        """Turns a finished operation's reply into the asynchronous form when that mode is on."""
        base = f"/subscriptions/{call.params.get('subscriptionId', '')}/providers/{namespace}/locations/{location}"
        return self.finish_under(call, reply, f"{base}/operationStatuses", f"{base}/operationResults",
                                 result=result, result_status=result_status)

    def finish_under(
        self, call: Call, reply: Reply, statuses: str, results: str, *, result: Any = None, result_status: int = 200
    ) -> Reply:
        """`finish`, with the polling URLs at `{statuses}/{id}` and `{results}/{id}`: for the providers whose
        operations Azure serves elsewhere than under `locations/{location}` (private DNS)."""
        if not self.enabled:
            return reply
        op_id = str(uuid.uuid4())
        now = clock.isonow()
        body = {
            "id": f"{statuses}/{op_id}",
            "name": op_id,
            "status": "Succeeded",
            "startTime": now,
            "endTime": now,
            "percentComplete": 100,
            "result": result,
            "resultStatus": result_status,
        }
        with self.store.transaction() as tx:
            tx.put(OPERATION, op_id, body, expect=0)
        headers = dict(reply.headers)
        headers["Azure-AsyncOperation"] = call.url(f"{statuses}/{op_id}", **{"api-version": call.api_version})
        headers["Location"] = call.url(f"{results}/{op_id}", **{"api-version": call.api_version})
        headers["Retry-After"] = RETRY_AFTER
        if call.method == "PUT":
            return Reply(201 if reply.status in (200, 201) else reply.status, reply.body, headers)
        return Reply(202, None, headers)

    def _get(self, op_id: str) -> dict[str, Any]:
        rec = self.store.get(OPERATION, op_id.lower())
        if rec is None:
            raise errors.OperationNotFound(operation=op_id)
        return rec.body

    def status(self, call: Call) -> Reply:
        op = self._get(call.params["operationId"])
        return Reply(200, {k: op[k] for k in ("id", "name", "status", "startTime", "endTime", "percentComplete")})

    def result(self, call: Call) -> Reply:
        op = self._get(call.params["operationId"])
        if op["result"] is None:
            return Reply(204 if op["resultStatus"] == 204 else 200)
        return Reply(op["resultStatus"], op["result"])

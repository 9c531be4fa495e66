"""The ARM request pipeline, written once and in order:

host -> body -> route -> api-version -> authentication (and the subscription's tenant) -> operation
-> error envelope.

An operation that loses an optimistic race with another writer (StoreConflict: its transaction rolled back
whole) runs again from the route on, re-reading and deciding again, up to ATTEMPTS times with a jittered pause;
it is answered 409 Conflict only when every attempt lost.

Every failure leaves as ARM's JSON error envelope with the right status; an unexpected exception is logged
with its traceback and answered as InternalServerError with the request id, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from vaultlink.arm import versions
from vaultlink.arm.dispatch import Call, Reply, Route, RouteTable
from vaultlink.core import errors, web
from vaultlink.core.asgi import Receive, Scope, Send
from vaultlink.core.ids import ResourceId
from vaultlink.identity import audiences
from vaultlink.identity.directory import Directory
from vaultlink.identity.rbac import Authorizer
from vaultlink.identity.tokens import Caller, TokenVerifier
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import INTERNET
from vaultlink.store import StoreConflict
from vaultlink.store.retry import ATTEMPTS, pause

log = logging.getLogger("vaultlink.arm")

ARM_AUDIENCES = audiences.ARM


class ConcurrentWrite(errors.Conflict):
    """The operation could not be completed because the resource was changed by another request at the same
    time. Retry the request."""

    code = "Conflict"


class ArmApp:
    """An ASGI app serving management.azure.com."""

    def __init__(
        self, routes: list[Route], directory: Directory, verifier: TokenVerifier, authorizer: Authorizer, max_body: int
    ) -> None:
        self.router = RouteTable(routes)
        self.directory = directory
        self.verifier = verifier
        self.authorizer = authorizer
        self.max_body = max_body
        self.on_write: Callable[[str], None] | None = None
        """Called after every successful write, so views of the topology (DNS, routing) refresh."""
        self.observe: Callable[[Reply], Reply] | None = None
        """Called with every GET's reply: a resource whose long-running operation is still running reports so."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        try:
            body = await web.read_body(receive, self.max_body)
            reply = await self._handle_until_settled(scope, body, request_id)
            if self.on_write is not None and scope["method"] not in ("GET", "HEAD") and reply.status < 400:
                self.on_write(web.path_of(scope))
        except errors.AzureError as e:
            reply = Reply(e.status, e.envelope())
        except Exception:
            log.exception("request %s failed", request_id)
            e2 = errors.InternalServerError(request_id=request_id)
            reply = Reply(e2.status, e2.envelope())
        await _send(send, reply, request_id, scope["method"] == "HEAD")

    async def _handle_until_settled(self, scope: Scope, body: bytes, request_id: str) -> Reply:
        for attempt in range(ATTEMPTS):
            try:
                return self.handle(scope, body, request_id)
            except StoreConflict as e:
                log.info("request %s lost a race (attempt %d): %s", request_id, attempt + 1, e)
                await asyncio.sleep(pause(attempt))
        raise ConcurrentWrite()

    def handle(self, scope: Scope, body: bytes, request_id: str) -> Reply:
        method: str = scope["method"]
        path = web.path_of(scope)
        query = web.query_of(scope)
        headers = web.headers_of(scope)
        host = web.host_of(headers, "management.azure.com")

        route, params = self.router.find(method, path)
        arrival = web.extension(scope, Arrival)
        call = Call(
            method=method, path=path, params=params, query=query, headers=headers, body=body, host=host,
            location=arrival.location if arrival is not None else INTERNET, request_id=request_id,
        )
        namespace = params["namespace"] if route.namespace == "{namespace}" else route.namespace
        call.api_version = versions.check(
            namespace, query.get("api-version"), route.resource_type or route.namespace,
            location=query.get("location", "global"),
        )
        if route.authenticated:
            call.caller = self.verifier.verify(headers.get("authorization"), ARM_AUDIENCES)
            if "subscriptionId" in params:
                self._check_subscription(call, params["subscriptionId"])
            if route.action is not None:
                self._authorize(call.caller_required, route.action.format(**params), scope_of(path))
        reply = route.operation(call)
        if method == "GET" and self.observe is not None:
            return self.observe(reply)
        return reply

    def routes_to(self, method: str, path: str) -> bool:
        """Whether vaultlink serves `method path` (template deployments check every resource before starting)."""
        try:
            self.router.find(method, path)
        except errors.AzureError:
            return False
        return True

    def dispatch(self, caller: Caller, method: str, path: str, body: Any, api_version: str, request_id: str) -> Reply:
        """One request from inside vaultlink (the deployment engine) through the same pipeline as a client's,
        as `caller`: routing, api-version, the subscription's tenant, RBAC, the operation, topology refresh."""
        try:
            route, params = self.router.find(method, path)
            call = Call(method=method, path=path, params=params, query={"api-version": api_version}, headers={},
                        body=b"" if body is None else json.dumps(body).encode(), host="management.azure.com",
                        request_id=request_id)
            namespace = params["namespace"] if route.namespace == "{namespace}" else route.namespace
            call.api_version = versions.check(namespace, api_version, route.resource_type or route.namespace)
            call.caller = caller
            if "subscriptionId" in params:
                self._check_subscription(call, params["subscriptionId"])
            if route.action is not None:
                self._authorize(caller, route.action.format(**params), scope_of(path))
            reply = _until_settled(route.operation, call)
        except errors.AzureError as e:
            return Reply(e.status, e.envelope())
        if self.on_write is not None and method not in ("GET", "HEAD") and reply.status < 400:
            self.on_write(path)
        return reply

    def _authorize(self, caller: Caller, action: str, scope: str) -> None:
        decision = self.authorizer.decide(caller.object_id, action, scope)
        if not decision.allowed:
            raise errors.AuthorizationFailed(
                client=caller.name or caller.app_id, object_id=caller.object_id, action=action, scope=scope
            )

    def _check_subscription(self, call: Call, subscription_id: str) -> None:
        sub = self.directory.subscription(subscription_id)
        if sub is None:
            raise errors.SubscriptionNotFound(subscription=subscription_id)
        caller = call.caller_required
        if sub["tenantId"].lower() != caller.tenant_id.lower():
            raise errors.InvalidAuthenticationTokenTenant(
                issuer=f"https://sts.windows.net/{caller.tenant_id}/",
                expected=f"https://sts.windows.net/{sub['tenantId']}/",
                tenant=sub["tenantId"],
            )
        call.params["subscriptionId"] = sub["subscriptionId"]


def _until_settled(operation: Callable[[Call], Reply], call: Call) -> Reply:
    """The deployment engine's calls retry as a client's do; the engine calls synchronously, so it waits in place."""
    for attempt in range(ATTEMPTS):
        try:
            return operation(call)
        except StoreConflict as e:
            log.info("request %s lost a race (attempt %d): %s", call.request_id, attempt + 1, e)
            time.sleep(pause(attempt))
    raise ConcurrentWrite()


def scope_of(path: str) -> str:
    """The resource an ARM path acts on: the path itself, or its longest prefix that is a resource id
    (`/subscriptions/s/providers/Microsoft.KeyVault/register` acts on `/subscriptions/s`)."""
    parts = [p for p in path.split("/") if p]
    while parts:
        rid = ResourceId.try_parse("/" + "/".join(parts))
        if rid is not None:
            return str(rid)
        parts.pop()
    return "/"


async def _send(send: Send, reply: Reply, request_id: str, head: bool) -> None:
    headers = [
        (b"cache-control", b"no-cache"),
        (b"x-ms-request-id", request_id.encode()),
        (b"x-ms-correlation-request-id", request_id.encode()),
        (b"x-ms-routing-request-id", f"LOCAL:{request_id}".encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    await web.send_json(send, reply.status, reply.body, headers, head=head)

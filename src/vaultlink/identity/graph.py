"""graph.microsoft.com: Microsoft Graph v1.0 for the everyday az workflows (`az ad app|sp|user`,
`az ad sp create-for-rbac`, `az ad signed-in-user show`): /me, applications, servicePrincipals and users,
backed by the directory that signs tokens (graphobjects.py).

Every failure answers in Graph's error shape: `{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vaultlink.core import errors, jsontext
from vaultlink.core.clock import clock
from vaultlink.identity import audiences
from vaultlink.identity.directory import Directory
from vaultlink.identity.graphobjects import Answer, DirectoryObjects, GraphError, entity
from vaultlink.identity.tokens import Caller, TokenVerifier

AUDIENCES = audiences.GRAPH
V1 = "/v1.0"


def graph_error(status: int, code: str, message: str, request: Request | None = None) -> JSONResponse:
    request_id = str(uuid.uuid4())
    inner = {"date": clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
             "client-request-id": (request.headers.get("client-request-id") if request else None) or request_id}
    return JSONResponse({"error": {"code": code, "message": message, "innerError": inner}}, status_code=status,
                        headers={"request-id": request_id})


Handler = Callable[[Caller, Request, dict[str, Any]], Answer]


class Graph:
    def __init__(self, directory: Directory, verifier: TokenVerifier) -> None:
        self.directory = directory
        self.verifier = verifier
        self.objects = DirectoryObjects(directory)

    def app(self) -> Starlette:
        o = self.objects
        q = _query

        def by_id(fn: Callable[[Caller, str], Answer], param: str = "id") -> Handler:
            return lambda c, r, b: fn(c, r.path_params[param])

        def with_body(fn: Callable[[Caller, str, dict[str, Any]], Answer]) -> Handler:
            return lambda c, r, b: fn(c, r.path_params["id"], b)

        routes = [
            self._route(V1 + "/me", {"GET": lambda c, r, b: self.me(c)}),
            self._route(V1 + "/applications", {
                "GET": lambda c, r, b: o.list_applications(c, q(r)),
                "POST": lambda c, r, b: o.create_application(c, b)}),
            self._route(V1 + "/applications/{id}", {
                "GET": by_id(o.get_application), "PATCH": with_body(o.update_application),
                "DELETE": by_id(o.delete_application)}),
            self._route(V1 + "/applications/{id}/{action:str}", {
                "POST": lambda c, r, b: o.application_password(c, r.path_params["id"], _action(r), b)}),
            self._route(V1 + "/servicePrincipals", {
                "GET": lambda c, r, b: o.list_service_principals(c, q(r)),
                "POST": lambda c, r, b: o.create_service_principal(c, b)}),
            self._route(V1 + "/servicePrincipals/{id}", {
                "GET": by_id(o.get_service_principal), "PATCH": with_body(o.update_service_principal),
                "DELETE": by_id(o.delete_service_principal)}),
            self._route(V1 + "/servicePrincipals/{id}/{action:str}", {
                "POST": lambda c, r, b: o.service_principal_password(c, r.path_params["id"], _action(r), b)}),
            self._route(V1 + "/users", {
                "GET": lambda c, r, b: o.list_users(c, q(r)), "POST": lambda c, r, b: o.create_user(c, b)}),
            self._route(V1 + "/users/{id}", {
                "GET": by_id(o.get_user), "PATCH": with_body(o.update_user), "DELETE": by_id(o.delete_user)}),
        ]
        return Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})

    def _route(self, path: str, handlers: dict[str, Handler]) -> Route:
        return Route(path, self._wrap(handlers), methods=list(handlers))

    def _wrap(self, handlers: dict[str, Handler]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            handler = handlers.get(request.method)
            if handler is None:
                return graph_error(405, "Request_BadRequest",
                                   f"The HTTP method '{request.method}' is not allowed for this resource.", request)
            try:
                caller = self.verifier.verify(request.headers.get("authorization"), AUDIENCES)
            except errors.AzureError as e:
                return graph_error(401, "InvalidAuthenticationToken", e.message, request)
            raw = await request.body()
            try:
                body = jsontext.loads(raw) if raw.strip() else {}
            except ValueError:
                return graph_error(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type "
                                   "header is set and payload is of valid JSON format.", request)
            if not isinstance(body, dict):
                return graph_error(400, "BadRequest", "The request body must be a JSON object.", request)
            try:
                status, answer = handler(caller, request, body)
            except GraphError as e:
                return graph_error(e.status, e.code, e.message, request)
            except ValueError as e:
                return graph_error(400, "Request_BadRequest", str(e), request)
            if answer is None:
                return Response(status_code=status)
            return JSONResponse(answer, status_code=status)

        return endpoint

    def me(self, caller: Caller) -> Answer:
        if caller.kind != "user":
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        user = self.directory.user(caller.name)
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"Resource '{caller.object_id}' does not exist.")
        return 200, entity("users", DirectoryObjects.user_body(user))


def _query(request: Request) -> str:
    return request.query_params.get("$filter", "")


def _action(request: Request) -> str:
    action = request.path_params["action"]
    if action not in ("addPassword", "removePassword"):
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")
    return str(action)


async def _not_found(request: Request, exc: Exception) -> Response:
    return graph_error(400, "BadRequest", f"Resource not found for the segment '{request.url.path}'.", request)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return graph_error(405, "Request_BadRequest", f"The HTTP method '{request.method}' is not allowed.", request)

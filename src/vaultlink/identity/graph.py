"""graph.microsoft.com: the few Microsoft Graph calls the az CLI makes to find the signed-in principal."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vaultlink.core import errors
from vaultlink.identity.directory import Directory
from vaultlink.identity.tokens import Caller, TokenVerifier

AUDIENCES = ("https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")
_SPN_FILTER = re.compile(r"servicePrincipalNames/any\(\w+:\w+ eq '([^']*)'\)", re.IGNORECASE)
_APPID_FILTER = re.compile(r"appId eq '([^']*)'", re.IGNORECASE)


def graph_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "innerError": {"request-id": str(uuid.uuid4())}}},
        status_code=status,
    )


class Graph:
    def __init__(self, directory: Directory, verifier: TokenVerifier) -> None:
        self.directory = directory
        self.verifier = verifier

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1.0/me", self.me),
                Route("/v1.0/servicePrincipals", self.service_principals),
                Route("/v1.0/servicePrincipals/{objectId}", self.service_principal),
                Route("/v1.0/users/{upn}", self.user),
            ],
            exception_handlers={404: _not_found},
        )

    def _caller(self, request: Request) -> Caller:
        return self.verifier.verify(request.headers.get("authorization"), AUDIENCES)

    async def me(self, request: Request) -> Response:
        try:
            caller = self._caller(request)
        except errors.AzureError as e:
            return graph_error(401, "InvalidAuthenticationToken", e.message)
        if caller.kind != "user":
            return graph_error(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        user = self.directory.user(caller.name)
        if user is None:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{caller.object_id}' does not exist.")
        return JSONResponse(_user_body(user))

    async def user(self, request: Request) -> Response:
        try:
            self._caller(request)
        except errors.AzureError as e:
            return graph_error(401, "InvalidAuthenticationToken", e.message)
        user = self.directory.user(request.path_params["upn"])
        if user is None:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{request.path_params['upn']}' does not exist.")
        return JSONResponse(_user_body(user))

    async def service_principals(self, request: Request) -> Response:
        try:
            caller = self._caller(request)
        except errors.AzureError as e:
            return graph_error(401, "InvalidAuthenticationToken", e.message)
        flt = request.query_params.get("$filter", "")
        match = _SPN_FILTER.search(flt) or _APPID_FILTER.search(flt)
        apps = self.directory.apps(caller.tenant_id)
        if match:
            wanted = match.group(1).lower()
            apps = [a for a in apps if a["appId"].lower() == wanted]
        elif flt:
            return graph_error(400, "Request_UnsupportedQuery", f"vaultlink does not support the filter '{flt}'.")
        return JSONResponse(
            {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals", "value": [_sp_body(a) for a in apps]}
        )


    async def service_principal(self, request: Request) -> Response:
        """One service principal by its object id (`az ad sp show --id APPID` looks the app id up with the
        filter above, then reads this)."""
        try:
            caller = self._caller(request)
        except errors.AzureError as e:
            return graph_error(401, "InvalidAuthenticationToken", e.message)
        wanted = request.path_params["objectId"].lower()
        found = [a for a in self.directory.apps(caller.tenant_id) if a["objectId"].lower() == wanted]
        if not found:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{request.path_params['objectId']}' does "
                               "not exist or one of its queried reference-property objects are not present.")
        return JSONResponse({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity",
                             **_sp_body(found[0])})


def _user_body(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": user["objectId"],
        "displayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"],
        "mail": None,
    }


def _sp_body(app: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": app["objectId"],
        "appId": app["appId"],
        "displayName": app["displayName"],
        "servicePrincipalNames": [app["appId"]],
        "servicePrincipalType": app["servicePrincipalType"],
        "appOwnerOrganizationId": app["tenantId"],
        "accountEnabled": True,
    }


async def _not_found(request: Request, exc: Exception) -> Response:
    return graph_error(400, "BadRequest", f"Resource not found for the segment '{request.url.path}'.")

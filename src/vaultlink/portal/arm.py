"""The portal's ARM client: the user's bearer token on the same in-process routes the edge serves.

Every page is a handful of these calls. An ARM error comes back as `ArmError` with Azure's status, code and
message, which the page shows as a notification; nothing here reads the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from vaultlink.core.asgi import ASGIApp

logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO line per in-process call is noise in the log

ARM = "https://management.azure.com"
VERSIONS = {
    "Microsoft.Resources": "2022-09-01",
    "Microsoft.KeyVault": "2023-07-01",
    "Microsoft.Network": "2024-07-01",
    "Microsoft.Network/privateDnsZones": "2024-06-01",
    "Microsoft.Compute": "2024-07-01",
    "Microsoft.Authorization": "2022-04-01",
}
"""The api-version each provider is called with, as the portal's blades pin theirs."""


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def version_for(path: str) -> str:
    lowered = path.lower()
    if "/providers/microsoft.network/privatednszones" in lowered:
        return VERSIONS["Microsoft.Network/privateDnsZones"]
    for namespace in ("Microsoft.KeyVault", "Microsoft.Network", "Microsoft.Compute", "Microsoft.Authorization"):
        if f"/providers/{namespace.lower()}" in lowered:
            return VERSIONS[namespace]
    return VERSIONS["Microsoft.Resources"]


@dataclass
class Arm:
    """ARM as one signed-in user sees it."""

    client: httpx.AsyncClient
    token: str

    async def call(self, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None,
                   allow: tuple[int, ...] = ()) -> Any:
        params = {"api-version": version_for(path), **(query or {})}
        reply = await self.client.request(method, ARM + path, params=params, json=body,
                                          headers={"authorization": f"Bearer {self.token}"})
        if reply.status_code in allow:
            return None
        if reply.status_code >= 400:
            try:
                error = reply.json()["error"]
                code, message = str(error.get("code", "")), str(error.get("message", ""))
            except (ValueError, KeyError, TypeError):
                code, message = "HttpError", reply.text[:500]
            raise ArmError(reply.status_code, code, message)
        if not reply.content:
            return None
        return reply.json()

    async def get(self, path: str, **query: str) -> Any:
        return await self.call("GET", path, query=query)

    async def find(self, path: str) -> Any:
        """A resource, or None when it does not exist (404, or a connection's 204)."""
        return await self.call("GET", path, allow=(404,))

    async def put(self, path: str, body: Any) -> Any:
        return await self.call("PUT", path, body)

    async def delete(self, path: str) -> Any:
        return await self.call("DELETE", path)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, body if body is not None else {})

    async def page(self, path: str, top: int, skiptoken: str | None = None,
                   **more: str) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a list (`more` adds to its query) and the skip token of the next (None at the end)."""
        query = {"$top": str(top), **more}
        if skiptoken:
            query["$skiptoken"] = skiptoken
        body = await self.call("GET", path, query=query)
        following = body.get("nextLink")
        token = None
        if following:
            for name, value in httpx.QueryParams(urlsplit(following).query).multi_items():
                if name.lower() == "$skiptoken":
                    token = value
        return list(body.get("value", [])), token

    async def all(self, path: str) -> list[dict[str, Any]]:
        """A whole list, following nextLink."""
        body = await self.call("GET", path)
        items = list(body.get("value", []))
        following = body.get("nextLink")
        while following:
            reply = await self.client.get(following, headers={"authorization": f"Bearer {self.token}"})
            more = reply.json()
            items += more.get("value", [])
            following = more.get("nextLink")
        return items


def in_process(app: ASGIApp) -> httpx.AsyncClient:
    """An HTTP client whose requests go straight into an ASGI app (ARM's or Entra's), as the edge hands them."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=30.0)

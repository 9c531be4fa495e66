"""Routes are data: Azure's operation id, a method, a path template (matched by core.paths), the operation, the
namespace whose api-versions apply, and the RBAC action it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from vaultlink.core import errors, jsontext
from vaultlink.core.paths import PathTable
from vaultlink.identity.tokens import Caller
from vaultlink.network.location import INTERNET, Location


@dataclass
class Call:
    """One ARM request as an operation sees it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    host: str
    api_version: str = ""
    caller: Caller | None = None
    location: Location = INTERNET
    request_id: str = ""

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; ARM's InvalidRequestContent when it is not one."""
        if not self.body.strip():
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: 'The request body is empty.'")
        try:
            value = jsontext.loads(self.body)
        except (ValueError, UnicodeDecodeError) as e:
            raise errors.InvalidRequestContent(detail=str(e).replace("'", "")) from None
        if not isinstance(value, dict):
            raise errors.InvalidRequestContent(detail=f"Expected a JSON object but found {type(value).__name__}.")
        return value

    def url(self, path: str, **query: str) -> str:
        """An absolute URL on the host the client used (clients follow them through the same proxy)."""
        qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return f"https://{self.host}{quote(path)}" + (f"?{qs}" if qs else "")

    @property
    def caller_required(self) -> Caller:
        if self.caller is None:
            raise errors.AuthenticationFailed()
        return self.caller


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Operation = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    operation_id: str
    """Azure's operation id from the provider's REST spec (`PrivateEndpointConnections_Put`); the polling URLs of
    long-running operations, which no spec lists as an operation, are `LongRunningOperation_GetStatus` and
    `LongRunningOperation_GetResult`."""
    method: str
    template: str
    operation: Operation
    namespace: str = "Microsoft.Resources"
    resource_type: str = ""
    authenticated: bool = True
    action: str | None = None
    """The RBAC action checked before the operation runs ({param} placeholders are filled from the path);
    None for calls that list only what the caller may see anyway."""


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self._table = PathTable((r.method, r.template, r) for r in routes)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        return self._table.find(method, path)

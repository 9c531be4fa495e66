"""Routes are data: a method, a path template, the operation, and the namespace whose api-versions apply.

Templates are matched segment by segment; literal segments compare case-insensitively (ARM ignores case in
paths), `{name}` captures one segment. When several templates match, the one with more literal segments wins,
so `/providers/{ns}/register` beats `/providers/{ns}/{type}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from vaultlink.core import errors
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
            value = json.loads(self.body)
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
    method: str
    template: str
    operation: Operation
    namespace: str = "Microsoft.Resources"
    resource_type: str = ""
    authenticated: bool = True
    action: str | None = None
    """The RBAC action checked before the operation runs ({param} placeholders are filled from the path);
    None for calls that list only what the caller may see anyway."""
    segments: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(s for s in self.template.split("/") if s))

    @property
    def literals(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for seg, part in zip(self.segments, parts, strict=True):
            if seg.startswith("{"):
                params[seg[1:-1]] = part
            elif seg.lower() != part.lower():
                return None
        return params


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._by_length: dict[int, list[Route]] = {}
        for r in sorted(routes, key=lambda r: -r.literals):
            self._by_length.setdefault(len(r.segments), []).append(r)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        matches = [(r, m) for r in self._by_length.get(len(parts), []) if (m := r.match(parts)) is not None]
        for wanted in (method, "GET") if method == "HEAD" else (method,):
            for route, params in matches:  # already ordered: more literal segments first
                if route.method == wanted:
                    return route, params
        if matches:
            raise errors.HttpMethodNotSupported(method=method, path=path)
        raise errors.PathNotFound(path=path)

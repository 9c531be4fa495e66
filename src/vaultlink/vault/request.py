"""One data-plane request as an operation sees it, and an operation as a route names it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultlink.core import jsontext
from vaultlink.identity.tokens import Caller
from vaultlink.vault.auth import Permission
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.throttle import OTHER


@dataclass
class Request:
    vault: VaultInfo
    caller: Caller
    params: dict[str, str]
    query: dict[str, str]
    body: bytes
    base: str
    """https://{the host the client used}, for the ids we hand back."""
    api_version: str
    client_address: str = ""

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            raise BadParameter(message="The request body is empty; a JSON object is required.")
        try:
            value = jsontext.loads(self.body)
        except jsontext.TooDeep as e:
            raise BadParameter(message=f"The request body is not valid JSON: {e}") from None
        except (ValueError, UnicodeDecodeError):
            raise BadParameter(message="The request body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise BadParameter(message="The request body must be a JSON object.")
        return value


Operation = Callable[[Request], tuple[int, Any]]


@dataclass(frozen=True)
class Op:
    """What a route runs: Azure's operation id, the code, what it needs, and from which api-version it exists."""

    operation_id: str
    """`{group}_{operationId}`: the REST spec's operationId (secrets.json's GetSecret) under its file's group."""
    run: Operation
    need: Permission
    since: str = "7.0"
    """The first data-plane api-version that has the operation."""
    request_type: str = OTHER
    """The service limit the request counts against when throttling is on."""


Route = tuple[str, str, Op]
"""(method, path template, operation)."""

"""One data-plane request as an operation sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vaultlink.identity.tokens import Caller
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.model import VaultInfo


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
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise BadParameter(message="The request body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise BadParameter(message="The request body must be a JSON object.")
        return value

"""What secrets, keys and certificates share: names, versions, attributes, object ids, paging."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from typing import Any

from vaultlink.core.clock import clock
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.model import VaultInfo

_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
MAX_RESULTS = 25


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise BadParameter(message=f"The request URI contains an invalid name: {name}")
    return name


def new_version() -> str:
    return uuid.uuid4().hex


def now() -> int:
    return int(clock.now())


def attributes_in(value: Any, *, enabled_default: bool = True) -> dict[str, Any]:
    """The writable attributes of a request: enabled, nbf, exp (Unix seconds)."""
    if value is None:
        return {"enabled": enabled_default}
    if not isinstance(value, dict):
        raise BadParameter(message="The 'attributes' property must be an object.")
    out: dict[str, Any] = {"enabled": value.get("enabled", enabled_default)}
    if not isinstance(out["enabled"], bool):
        raise BadParameter(message="The attribute 'enabled' must be true or false.")
    for key in ("nbf", "exp"):
        if value.get(key) is not None:
            if not isinstance(value[key], int) or isinstance(value[key], bool):
                raise BadParameter(message=f"The attribute '{key}' must be a Unix time in seconds.")
            out[key] = value[key]
    if "nbf" in out and "exp" in out and out["nbf"] > out["exp"]:
        raise BadParameter(message="The 'nbf' attribute must not be later than the 'exp' attribute.")
    return out


def tags_in(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 15:
        raise BadParameter(message="Tags must be an object of at most 15 string values.")
    for k, v in value.items():
        if len(str(k)) > 512 or len(str(v)) > 512:
            raise BadParameter(message=f"The tag '{k}' is too long: names and values are at most 512 characters.")
    return {str(k): str(v) for k, v in value.items()}


def attributes_out(stored: dict[str, Any], vault: VaultInfo) -> dict[str, Any]:
    out: dict[str, Any] = {k: stored[k] for k in ("enabled", "nbf", "exp", "created", "updated") if k in stored}
    out["recoveryLevel"] = vault.recovery_level
    out["recoverableDays"] = vault.soft_delete_days
    return out


@dataclass(frozen=True)
class Page:
    size: int
    after: str | None


def page_of(query: dict[str, str]) -> Page:
    raw = query.get("maxresults")
    size = MAX_RESULTS
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_RESULTS:
            raise BadParameter(message=f"The value '{raw}' of parameter 'maxresults' is invalid; it must be between 1 and {MAX_RESULTS}.")
    token = query.get("$skiptoken")
    after = None
    if token:
        try:
            after = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            raise BadParameter(message="The $skiptoken is not valid.") from None
    return Page(size, after)


def next_link(base: str, path: str, api_version: str, page: Page, last_key: str | None, full: bool) -> str | None:
    if not full or last_key is None:
        return None
    token = base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")
    return f"{base}{path}?api-version={api_version}&$skiptoken={token}&maxresults={page.size}"

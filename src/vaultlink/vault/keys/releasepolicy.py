"""A key's release policy, evaluated against the claims of an attestation token.

The policy is JSON (`release_policy.data`, base64url): at its top `anyOf` or `allOf` a list of authority
blocks, each naming an attestation provider (`authority`) and the conditions its token must meet, again as
`anyOf`/`allOf`. A condition is `{"claim": C, "equals": V}` or `{"claim": C, "contains": V}` (the older
grammar writes `{"claim": C, "condition": "equals", "value": V}`), or a nested `anyOf`/`allOf`. A claim
name walks nested claims at its dots (`x-ms-isolation-tee.x-ms-attestation-type`). A block counts only for
a token its authority issued. Pure functions; an unreadable policy satisfies nothing.
"""

from __future__ import annotations

import json
from typing import Any

from vaultlink.core import jsontext

MISSING = object()


def parse(data: bytes) -> Any:
    """The policy's JSON, or None where it is not JSON."""
    try:
        return jsontext.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def satisfied(policy: Any, claims: dict[str, Any]) -> bool:
    """Whether the token's claims (their `iss` the provider) meet the policy."""
    blocks, every = _branches(policy)
    if blocks is None:
        return False
    results = [_authority_met(block, claims) for block in blocks]
    return bool(results) and (all(results) if every else any(results))


def _branches(node: Any) -> tuple[list[Any] | None, bool]:
    """A node's `allOf` (every one must hold) or `anyOf` (one must) list; (None, False) where it has neither."""
    if not isinstance(node, dict):
        return None, False
    for key, every in (("allOf", True), ("anyOf", False)):
        if isinstance(node.get(key), list):
            return node[key], every
    return None, False


def _authority_met(block: Any, claims: dict[str, Any]) -> bool:
    if not isinstance(block, dict) or not isinstance(block.get("authority"), str):
        return False
    if _same_provider(block["authority"], claims.get("iss")):
        return _holds(block, claims)
    return False


def _same_provider(authority: str, issuer: Any) -> bool:
    return isinstance(issuer, str) and authority.rstrip("/").lower() == issuer.rstrip("/").lower()


def _holds(node: Any, claims: dict[str, Any]) -> bool:
    if isinstance(node, dict) and "claim" in node:
        return _condition(node, claims)
    conditions, every = _branches(node)
    if not conditions:
        return False
    results = (_holds(c, claims) for c in conditions)
    return all(results) if every else any(results)


def _condition(node: dict[str, Any], claims: dict[str, Any]) -> bool:
    value = claim_value(claims, node["claim"])
    if value is MISSING:
        return False
    if "equals" in node:
        return _same(value, node["equals"])
    if "contains" in node:
        return _contains(value, node["contains"])
    if node.get("condition") == "equals" and "value" in node:
        return _same(value, node["value"])
    return False


def claim_value(claims: dict[str, Any], name: Any) -> Any:
    """The claim named, a whole name first and then walking nested claims at its dots; MISSING if absent."""
    if not isinstance(name, str):
        return MISSING
    if name in claims:
        return claims[name]
    node: Any = claims
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def _same(value: Any, wanted: Any) -> bool:
    """Equal, or equal as text: a policy may write a boolean claim as "true" (Microsoft's own tests do)."""
    if type(value) is type(wanted):
        return bool(value == wanted)
    return _text(value) == _text(wanted)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.lower() if value.lower() in ("true", "false") else value
    return json.dumps(value, sort_keys=True)


def _contains(value: Any, wanted: Any) -> bool:
    if isinstance(value, list):
        return any(_same(item, wanted) for item in value)
    if isinstance(value, str) and isinstance(wanted, str):
        return wanted in value
    return False

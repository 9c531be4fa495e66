"""Key rotation policies: their wire shape, their rules, and the ISO 8601 durations they are written in.

A policy has at most one Rotate and one Notify action. Azure adds "Notify 30 days before expiry" when none is
given, and a key that never had a policy answers with exactly that default.
"""

from __future__ import annotations

import re
from typing import Any

from vaultlink.vault.errors import BadParameter

_DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
DAY = 86400
_UNITS = (365 * DAY, 30 * DAY, 7 * DAY, DAY, 3600, 60, 1)
NOTIFY_DEFAULT = {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}
MIN_EXPIRY_DAYS = 28
MIN_TRIGGER_DAYS = 7


def duration_seconds(value: Any, what: str) -> int:
    """Seconds in an ISO 8601 duration (a year is 365 days, a month 30), for limits and expiry dates."""
    if not isinstance(value, str):
        raise BadParameter(message=f"'{what}' must be an ISO 8601 duration such as P90D.")
    match = _DURATION.match(value)
    if match is None:
        raise BadParameter(message=f"'{what}' value '{value}' is not a valid ISO 8601 duration; use a value such "
                           "as P90D, P3M or P1Y.")
    return sum(int(g) * unit for g, unit in zip(match.groups(), _UNITS, strict=True) if g)


def default_policy() -> dict[str, Any]:
    return {"lifetimeActions": [NOTIFY_DEFAULT], "attributes": {}}


def policy_in(body: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a PUT body: validated lifetime actions (Notify added) and expiry time."""
    actions = body.get("lifetimeActions")
    if actions is None:
        actions = []
    if not isinstance(actions, list):
        raise BadParameter(message="'lifetimeActions' must be a list of lifetime actions.")
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise BadParameter(message="The rotation policy's 'attributes' must be an object.")
    expiry = attributes.get("expiryTime")
    if expiry is not None and duration_seconds(expiry, "expiryTime") < MIN_EXPIRY_DAYS * DAY:
        raise BadParameter(message=f"The expiryTime '{expiry}' is too short; it must be at least "
                           f"{MIN_EXPIRY_DAYS} days (P{MIN_EXPIRY_DAYS}D).")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in actions:
        action = _action_in(item, expiry)
        kind = action["action"]["type"]
        if kind in seen:
            raise BadParameter(message=f"A rotation policy may have only one '{kind}' lifetime action.")
        seen.add(kind)
        out.append(action)
    if "Notify" not in seen:
        out.append(NOTIFY_DEFAULT)
    stored: dict[str, Any] = {"lifetimeActions": out, "attributes": {}}
    if expiry is not None:
        stored["attributes"]["expiryTime"] = expiry
    return stored


def _action_in(item: Any, expiry: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BadParameter(message="Each lifetime action must be an object with 'trigger' and 'action'.")
    action, trigger = item.get("action"), item.get("trigger")
    kind = action.get("type") if isinstance(action, dict) else None
    names = {"rotate": "Rotate", "notify": "Notify"}
    if not isinstance(kind, str) or kind.lower() not in names:
        raise BadParameter(message=f"The lifetime action type '{kind}' is not valid; use Rotate or Notify.")
    kind = names[kind.lower()]
    if not isinstance(trigger, dict):
        raise BadParameter(message=f"The {kind} lifetime action needs a 'trigger'.")
    given = {k: trigger[k] for k in ("timeAfterCreate", "timeBeforeExpiry") if trigger.get(k) is not None}
    if len(given) != 1:
        raise BadParameter(message=f"The {kind} lifetime action's trigger must set exactly one of timeAfterCreate "
                           "and timeBeforeExpiry.")
    (field, value), = given.items()
    seconds = duration_seconds(value, field)
    if kind == "Notify" and field != "timeBeforeExpiry":
        raise BadParameter(message="A Notify lifetime action can only be triggered by timeBeforeExpiry.")
    if seconds < MIN_TRIGGER_DAYS * DAY:
        raise BadParameter(message=f"The {field} '{value}' is too short; it must be at least {MIN_TRIGGER_DAYS} days.")
    if field == "timeBeforeExpiry" and kind == "Rotate" and expiry is None:
        raise BadParameter(message="A Rotate action triggered by timeBeforeExpiry needs the policy's expiryTime.")
    if field == "timeBeforeExpiry" and expiry is not None and seconds >= duration_seconds(expiry, "expiryTime"):
        raise BadParameter(message=f"The timeBeforeExpiry '{value}' must be shorter than the expiryTime '{expiry}'.")
    return {"trigger": {field: value}, "action": {"type": kind}}


def policy_out(base: str, name: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{base}/keys/{name}/rotationpolicy", "lifetimeActions": stored["lifetimeActions"],
            "attributes": stored["attributes"]}

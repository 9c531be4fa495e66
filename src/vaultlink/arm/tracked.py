"""What every tracked ARM resource shares: names, locations, tags, the envelope, etags, and where it is kept.

Providers build their bodies with `envelope()` and keep them with `ResourceTable`, keyed by the lower-cased
resource id under kind "resource", so a resource group's whole content is one key range.
"""

from __future__ import annotations

import re
from typing import Any

from vaultlink.arm.envelope import new_etag
from vaultlink.arm.resources import REGISTRATION, RESOURCE, group_key
from vaultlink.core import errors, regions
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.identity.tokens import Caller
from vaultlink.store import Record, Store, Transaction


class LocationNotAvailableForResourceType(errors.BadRequest):
    """The provided location '{location}' is not available for resource type '{type}'. List of available regions
    for the resource type is '{available}'."""


class InvalidName(errors.BadRequest):
    """{message}"""

    code = "InvalidResourceName"


def check_name(name: str, *, type_: str, low: int, high: int, pattern: str, rule: str) -> None:
    """Refuses a name outside [low, high] characters or not matching `pattern`, naming the rule broken."""
    if not (low <= len(name) <= high) or not re.fullmatch(pattern, name):
        raise InvalidName(message=f"Resource name '{name}' is invalid for type '{type_}'. {rule}")


NETWORK_NAME_RULE = (
    "The name can be up to {high} characters long. It must begin with a word character, and it must end with a word "
    "character or with '_'. The name may contain word characters or '.', '-', '_'."
)
NETWORK_NAME_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"


def check_network_name(name: str, type_: str, low: int, high: int) -> None:
    check_name(name, type_=type_, low=low, high=high, pattern=NETWORK_NAME_PATTERN, rule=NETWORK_NAME_RULE.format(high=high))


def location_of(body: dict[str, Any], type_: str, *, allow_global: bool = False) -> str:
    """The normalized region of a request body; LocationRequired or an unavailable-location error otherwise."""
    loc = body.get("location")
    if not isinstance(loc, str) or not loc.strip():
        raise errors.LocationRequired()
    if allow_global and loc.strip().lower() == "global":
        return "global"
    region = regions.find(loc)
    if region is None:
        raise LocationNotAvailableForResourceType(location=loc, type=type_, available=",".join(regions.REGIONS))
    return region.name


def tags_of(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.InvalidTag(detail="'tags' must be an object whose values are strings.")
    if len(value) > 50:
        raise errors.InvalidTag(detail=f"a resource has at most 50 tags; the request has {len(value)}.")
    for k, v in value.items():
        if len(str(k)) > 512 or (v is not None and len(str(v)) > 256):
            raise errors.InvalidTag(detail=f"the tag '{k}' is longer than 512 characters or its value than 256.")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def properties_of(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties", {})
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise errors.InvalidRequestContent(detail="'properties' must be an object.")
    return props


def system_data(caller: Caller | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    who = (caller.name or caller.app_id) if caller else ""
    kind = "User" if caller and caller.kind == "user" else "Application"
    now = clock.isonow()
    created = previous or {"createdBy": who, "createdByType": kind, "createdAt": now}
    return {**{k: created[k] for k in ("createdBy", "createdByType", "createdAt") if k in created},
            "lastModifiedBy": who, "lastModifiedByType": kind, "lastModifiedAt": now}


def envelope(
    rid: ResourceId, *, properties: dict[str, Any], location: str | None = None, tags: dict[str, str] | None = None,
    etag: bool = True, **extra: Any,
) -> dict[str, Any]:
    """The ARM body: id, name, type, [etag], [location], [tags], ..., properties."""
    body: dict[str, Any] = {"id": str(rid), "name": rid.name, "type": rid.type}
    if etag:
        body["etag"] = new_etag()
    if location is not None:
        body["location"] = location
    if tags is not None:
        body["tags"] = tags
    body.update({k: v for k, v in extra.items() if v is not None})
    body["properties"] = properties
    return body


class ResourceTable:
    """Resources of one provider, kept in the store by resource id."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, rid: ResourceId, tx: Transaction | None = None) -> Record | None:
        return (tx or self.store).get(RESOURCE, rid.key)

    def require(self, rid: ResourceId, tx: Transaction | None = None) -> Record:
        rec = self.get(rid, tx)
        if rec is None:
            raise not_found(rid)
        return rec

    def children(self, parent: ResourceId, child_type: str, tx: Transaction | None = None) -> list[Record]:
        """Direct children of one type, e.g. a virtual network's subnets."""
        prefix = f"{parent.key}/{child_type.lower()}/"
        return [r for r in (tx or self.store).list(RESOURCE, prefix) if "/" not in r.key[len(prefix):]]

    def of_type(
        self, scope: ResourceId, type_: str, tx: Transaction | None = None, *, limit: int | None = None,
        after: str | None = None,
    ) -> list[Record]:
        """Top-level resources of one type in a subscription or a resource group, in key order: at most `limit`,
        those past the key `after`.

        The store keeps only the keys naming the type (`providers/{namespace}/{type}/`), so the other
        resources of the scope are never read; the parse then drops the type's own child resources."""
        reader = tx or self.store
        wanted = type_.lower()
        out: list[Record] = []
        while True:
            batch = reader.list(RESOURCE, scope.key + "/", limit=limit, after=after, containing=f"providers/{wanted}/")
            for rec in batch:
                rid = ResourceId.try_parse(rec.key)
                if rid is not None and len(rid.names) == 1 and rid.type.lower() == wanted:
                    out.append(rec)
                    if len(out) == limit:
                        return out
            if limit is None or len(batch) < limit:
                return out
            after = batch[-1].key


def not_found(rid: ResourceId) -> errors.AzureError:
    if rid.resource_group is None:
        return errors.NotFound(f"The resource '{rid}' was not found.")
    top = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:1], rid.names[:1])
    if len(rid.names) > 1:
        return errors.ResourceNotFound(
            f"The Resource '{rid.type}/{'/'.join(rid.names)}' under resource group '{rid.resource_group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )
    return errors.ResourceNotFound(type=top.type, name=rid.name, group=rid.resource_group)


def require_group(tx: Transaction, rid: ResourceId) -> None:
    if rid.resource_group is None or tx.get("group", group_key(rid.subscription, rid.resource_group)) is None:
        raise errors.ResourceGroupNotFound(name=rid.resource_group or "")


def register_on_first_use(tx: Transaction, subscription: str, namespace: str) -> None:
    """ARM registers a provider the first time a caller allowed to register it creates one of its resources."""
    key = f"{subscription}/{namespace}".lower()
    if tx.get(REGISTRATION, key) is None:
        tx.put(REGISTRATION, key, {"namespace": namespace, "registrationState": "Registered", "changed": clock.isonow()})


SUBSCRIPTION_COUNT = "subcount"
"""Per-subscription counters for Azure's per-subscription limits (one record each, read and written in the
caller's transaction), so a limit costs one read however many resources there are."""


class SubscriptionLimitReached(errors.AzureError):
    """{message}"""

    status = 400
    code = "QuotaExceeded"


def count_in_subscription(tx: Transaction, subscription: str, what: str, delta: int, limit: int, message: str) -> int:
    """Moves a subscription's counter by `delta`; refuses (before writing) to go past `limit`."""
    key = f"{subscription}/{what}".lower()
    rec = tx.get(SUBSCRIPTION_COUNT, key)
    value = (int(rec.body["count"]) if rec else 0) + delta
    if delta > 0 and value > limit:
        raise SubscriptionLimitReached(message=message)
    tx.put(SUBSCRIPTION_COUNT, key, {"count": max(0, value)}, expect=rec.version if rec else 0)
    return value

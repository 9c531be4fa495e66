"""Where ARM keeps resources: resource groups under kind "group", everything inside a group under kind
"resource", both keyed by the lower-cased resource id, so a group's contents are one key range."""

from __future__ import annotations

from typing import Any

from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Store, Transaction

GROUP = "group"
RESOURCE = "resource"
REGISTRATION = "registration"


def group_key(subscription: str, group: str) -> str:
    return ResourceId(subscription, group).key


class Resources:
    def __init__(self, store: Store) -> None:
        self.store = store

    def group(self, subscription: str, name: str) -> dict[str, Any] | None:
        rec = self.store.get(GROUP, group_key(subscription, name))
        return rec.body if rec else None

    def require_group(self, subscription: str, name: str, tx: Transaction | None = None) -> dict[str, Any]:
        rec = (tx or self.store).get(GROUP, group_key(subscription, name))
        if rec is None:
            raise errors.ResourceGroupNotFound(name=name)
        return rec.body

    def groups(self, subscription: str) -> list[dict[str, Any]]:
        return [r.body for r in self.store.list(GROUP, f"/subscriptions/{subscription.lower()}/resourcegroups/")]

    def in_scope(self, scope: ResourceId | str, containing: str | None = None) -> list[dict[str, Any]]:
        """Every resource (children included) under a subscription, group or resource; with `containing`, only
        those whose id holds that (lower-case) text after the scope's."""
        key = scope.key if isinstance(scope, ResourceId) else scope.lower()
        return [r.body for r in self.store.list(RESOURCE, key.rstrip("/") + "/", containing=containing)]

    def top_level(self, scope: ResourceId | str, containing: str | None = None) -> list[dict[str, Any]]:
        """Resources directly in groups (no child resources such as subnets), as /resources lists them."""
        out = []
        for body in self.in_scope(scope, containing):
            rid = ResourceId.try_parse(body["id"])
            if rid is not None and len(rid.names) == 1:
                out.append(body)
        return out

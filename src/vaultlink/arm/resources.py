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


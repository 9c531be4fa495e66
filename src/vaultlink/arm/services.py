"""What every resource provider is built with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultlink.arm.operations import Operations
from vaultlink.arm.resources import Resources
from vaultlink.core.ids import ResourceId
from vaultlink.identity.directory import Directory
from vaultlink.identity.rbac import Authorizer
from vaultlink.store import Store, Transaction

Hook = Callable[[Transaction, ResourceId, dict[str, Any]], None]


@dataclass(frozen=True)
class Services:
    store: Store
    directory: Directory
    authorizer: Authorizer
    operations: Operations
    resources: Resources
    hooks: DeletionHooks = field(default_factory=lambda: DeletionHooks())


class DeletionHooks:
    """What a provider must do before one of its resources disappears with its resource group (unlink private
    endpoints, soft-delete vaults, free addresses), keyed by resource type. Hooks run inside the deleting
    transaction, so a group's delete is all or nothing."""

    def __init__(self) -> None:
        self._hooks: dict[str, list[Hook]] = {}

    def on(self, resource_type: str, hook: Hook) -> None:
        self._hooks.setdefault(resource_type.lower(), []).append(hook)

    def run(self, tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
        for hook in self._hooks.get(rid.type.lower(), []):
            hook(tx, rid, body)

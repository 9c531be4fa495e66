"""Role assignments and the authorization decision.

`Authorizer.decide(principal, action, scope)` returns a Decision (allowed or not, the action, the scope, and
the assignment that allowed it), never a bare boolean, so a refusal can always say why. An assignment at a
scope covers everything below it; actions match role patterns case-insensitively with `*` wildcards.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vaultlink.core.clock import clock
from vaultlink.identity import roles
from vaultlink.store import Store, Transaction

ASSIGNMENT = "roleassignment"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str
    scope: str
    principal_id: str
    reason: str
    assignment: str | None = None


@lru_cache(maxsize=1024)
def _pattern(action_pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(action_pattern).replace(r"\*", ".*") + "$", re.IGNORECASE)


def action_matches(patterns: tuple[str, ...], action: str) -> bool:
    return any(_pattern(p).match(action) for p in patterns)


def role_allows(role: roles.RoleDefinition, action: str, data: bool) -> bool:
    if data:
        return action_matches(role.data_actions, action) and not action_matches(role.not_data_actions, action)
    return action_matches(role.actions, action) and not action_matches(role.not_actions, action)


def narrowest_role(action: str, *, data: bool) -> roles.RoleDefinition | None:
    """The built-in role that grants `action` with the least besides: one naming the action itself before one
    that grants it by a wildcard, the more specific wildcard first, then the role with fewer actions."""
    def rank(role: roles.RoleDefinition) -> tuple[int, int, int]:
        patterns = role.data_actions if data else role.actions
        matching = [p for p in patterns if action_matches((p,), action)]
        exact = any("*" not in p for p in matching)
        return (0 if exact else 1, -max(len(p) for p in matching), len(patterns))

    granting = [r for r in roles.BUILT_IN if role_allows(r, action, data)]
    return min(granting, key=rank) if granting else None


def covers(assignment_scope: str, scope: str) -> bool:
    a, s = assignment_scope.rstrip("/").lower(), scope.rstrip("/").lower()
    return s == a or s.startswith(a + "/") or a == ""


def decide_among(assignments: Iterable[Mapping[str, Any]], principal_id: str, action: str, scope: str, *,
                 data: bool = False) -> Decision:
    """The decision over these role assignments (in ARM's wire shape; others' assignments are skipped): the
    store's, or ones exported from Azure for the troubleshooter."""
    for a in assignments:
        props = a.get("properties") or {}
        if str(props.get("principalId", "")).lower() != principal_id.lower() or not covers(str(props.get("scope", "")), scope):
            continue
        role = roles.find(str(props.get("roleDefinitionId", "")))
        if role is not None and role_allows(role, action, data):
            return Decision(True, action, scope, principal_id,
                            f"role '{role.name}' assigned at '{props['scope']}' allows it", str(a.get("id", "")))
    return Decision(False, action, scope, principal_id, "no role assignment grants this action at this scope")


GENERATION = ("setting", "rbac-generation")
"""Bumped by every change to role assignments (in any process sharing the store): a decision reads this one
record, not every assignment, unless it moved."""


class Authorizer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._generation = -1
        self._by_principal: dict[str, list[dict[str, Any]]] = {}

    def changed(self, tx: Transaction) -> None:
        """Call in any transaction that writes role assignments."""
        rec = tx.get(*GENERATION)
        tx.put(*GENERATION, {"after": rec.version if rec else 0})

    def assignments(self, scope_prefix: str = "") -> list[dict[str, Any]]:
        return [r.body for r in self.store.list(ASSIGNMENT, scope_prefix.lower())]

    def get(self, assignment_id: str) -> dict[str, Any] | None:
        rec = self.store.get(ASSIGNMENT, assignment_id.lower())
        return rec.body if rec else None

    def assign(
        self, *, scope: str, role_id: str, principal_id: str, principal_type: str, name: str | None = None,
        tx: Transaction | None = None, created_by: str | None = None,
    ) -> dict[str, Any]:
        role = roles.find(role_id)
        if role is None:
            raise ValueError(f"unknown role {role_id}")
        name = name or str(uuid.uuid4())
        sub = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else ""
        aid = f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{name}"
        now = clock.isonow()
        body = {
            "id": aid,
            "name": name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role.id}",
                "principalId": principal_id,
                "principalType": principal_type,
                "scope": scope.rstrip("/"),
                "condition": None,
                "conditionVersion": None,
                "createdOn": now,
                "updatedOn": now,
                "createdBy": created_by,
                "updatedBy": created_by,
                "delegatedManagedIdentityResourceId": None,
                "description": None,
            },
        }
        if tx is not None:
            tx.put(ASSIGNMENT, aid.lower(), body, expect=0)
            self.changed(tx)
        else:
            with self.store.transaction() as own:
                own.put(ASSIGNMENT, aid.lower(), body, expect=0)
                self.changed(own)
        return body

    def decide(self, principal_id: str, action: str, scope: str, *, data: bool = False) -> Decision:
        """Whether any assignment of the principal at or above `scope` grants `action`."""
        return decide_among(self._for_principal(principal_id), principal_id, action, scope, data=data)

    def _for_principal(self, principal_id: str) -> list[dict[str, Any]]:
        rec = self.store.get(*GENERATION)
        generation = rec.version if rec else 0
        if generation != self._generation:
            by_principal: dict[str, list[dict[str, Any]]] = {}
            for a in self.assignments():
                by_principal.setdefault(a["properties"]["principalId"].lower(), []).append(a)
            self._by_principal, self._generation = by_principal, generation
        return self._by_principal.get(principal_id.lower(), [])

    def remove_under(self, tx: Transaction, scope: str) -> int:
        """Assignments die with the scope they were made at (a deleted group or resource)."""
        removed = tx.delete_prefix(ASSIGNMENT, scope.rstrip("/").lower() + "/")
        if removed:
            self.changed(tx)
        return removed

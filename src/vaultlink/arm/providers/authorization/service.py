"""Operations of Microsoft.Authorization: built-in role definitions, and role assignments at any scope."""

from __future__ import annotations

import re
from typing import Any

from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.identity import roles
from vaultlink.identity.rbac import ASSIGNMENT, covers

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_PRINCIPAL_FILTER = re.compile(r"^\s*principalId\s+eq\s+'([^']+)'\s*$", re.IGNORECASE)
_ASSIGNED_TO = re.compile(r"^\s*assignedTo\('([^']+)'\)\s*$", re.IGNORECASE)
_ROLE_NAME = re.compile(r"^\s*roleName\s+eq\s+'([^']+)'\s*$", re.IGNORECASE)


class RoleAssignmentExists(errors.Conflict):
    """The role assignment already exists."""


class InvalidRoleAssignmentId(errors.BadRequest):
    """The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."""


class RoleAssignmentNotFound(errors.NotFound):
    """The role assignment '{name}' is not found."""


class PrincipalNotFound(errors.BadRequest):
    """Principal {principal} does not exist in the directory {tenant}. Check that you have the correct principal
    ID. If you are creating this principal and then immediately assigning a role, this error might be related to
    a replication delay."""


class RoleDefinitionDoesNotExist(errors.NotFound):
    """The specified role definition with ID '{role}' does not exist."""


def scope_of(call: Call) -> str:
    """The scope is everything before /providers/Microsoft.Authorization/."""
    idx = call.path.lower().rfind("/providers/microsoft.authorization/")
    return call.path[:idx].rstrip("/")


def definition_body(scope_sub: str, role: roles.RoleDefinition) -> dict[str, Any]:
    prefix = f"/subscriptions/{scope_sub}" if scope_sub else ""
    return {
        "id": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role.id}",
        "name": role.id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": role.name,
            "type": "BuiltInRole",
            "description": role.description,
            "assignableScopes": ["/"],
            "permissions": [{"actions": list(role.actions), "notActions": list(role.not_actions),
                             "dataActions": list(role.data_actions), "notDataActions": list(role.not_data_actions)}],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": None,
        },
    }


class AuthorizationProvider:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.directory = services.directory
        self.authorizer = services.authorizer

    # ---- role definitions ------------------------------------------------------------------------------
    def list_definitions(self, call: Call) -> Reply:
        sub = call.params.get("subscriptionId", "")
        flt = call.query.get("$filter", "")
        found = list(roles.BUILT_IN)
        if flt:
            m = _ROLE_NAME.match(flt)
            if not m:
                raise errors.InvalidFilterInQueryString(clause=flt, supported="it takes roleName eq 'name'")
            found = [r for r in found if r.name.lower() == m.group(1).lower()]
        return Reply(200, {"value": [definition_body(sub, r) for r in found]})

    def get_definition(self, call: Call) -> Reply:
        role = roles.find(call.params["roleDefinitionId"])
        if role is None:
            raise RoleDefinitionDoesNotExist(role=call.params["roleDefinitionId"])
        return Reply(200, definition_body(call.params.get("subscriptionId", ""), role))

    # ---- role assignments ------------------------------------------------------------------------------
    def put_assignment(self, call: Call) -> Reply:
        scope, name = scope_of(call), call.params["roleAssignmentName"]
        if not _GUID.match(name):
            raise InvalidRoleAssignmentId(name=name)
        props = call.json().get("properties") or {}
        role_ref, principal_id = props.get("roleDefinitionId"), props.get("principalId")
        if not isinstance(role_ref, str) or not role_ref:
            raise errors.MissingRequiredParameter(name="properties.roleDefinitionId")
        if not isinstance(principal_id, str) or not principal_id:
            raise errors.MissingRequiredParameter(name="properties.principalId")
        role = roles.find(role_ref)
        if role is None:
            raise RoleDefinitionDoesNotExist(role=role_ref)
        caller = call.caller_required
        principal = self.directory.principal_by_object_id(principal_id)
        if principal is None or principal["tenantId"].lower() != caller.tenant_id.lower():
            raise PrincipalNotFound(principal=principal_id, tenant=caller.tenant_id)
        existing = self.authorizer.get(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")
        for a in self.authorizer.assignments():
            p = a["properties"]
            if (p["principalId"].lower() == principal_id.lower() and p["scope"].lower() == scope.lower()
                    and roles.find(p["roleDefinitionId"]) == role):
                if a["name"].lower() == name.lower():
                    return Reply(201, a)
                raise RoleAssignmentExists()
        if existing is not None:
            raise RoleAssignmentExists("A role assignment with this name already exists at this scope for another principal or role.")
        kind = props.get("principalType") or ("User" if "userPrincipalName" in principal else "ServicePrincipal")
        body = self.authorizer.assign(
            scope=scope, role_id=role.id, principal_id=principal["objectId"], principal_type=kind, name=name,
            created_by=caller.object_id,
        )
        return Reply(201, body)

    def get_assignment(self, call: Call) -> Reply:
        aid = f"{scope_of(call)}/providers/Microsoft.Authorization/roleAssignments/{call.params['roleAssignmentName']}"
        found = self.authorizer.get(aid)
        if found is None:
            raise RoleAssignmentNotFound(name=call.params["roleAssignmentName"])
        return Reply(200, found)

    def delete_assignment(self, call: Call) -> Reply:
        aid = f"{scope_of(call)}/providers/Microsoft.Authorization/roleAssignments/{call.params['roleAssignmentName']}"
        with self.store.transaction() as tx:
            rec = tx.get(ASSIGNMENT, aid.lower())
            if rec is None:
                return Reply(204)
            tx.delete(ASSIGNMENT, rec.key, expect=rec.version)
            self.authorizer.changed(tx)
        return Reply(200, rec.body)

    def list_assignments(self, call: Call) -> Reply:
        """At a scope: assignments at, above and below it (atScope(): at and above only)."""
        scope = scope_of(call)
        flt = call.query.get("$filter", "").strip()
        at_scope_only = False
        principal: str | None = None
        for clause in [c for c in re.split(r"\s+and\s+", flt, flags=re.IGNORECASE) if c]:
            if clause.lower() == "atscope()":
                at_scope_only = True
            elif (m := _PRINCIPAL_FILTER.match(clause) or _ASSIGNED_TO.match(clause)):
                principal = m.group(1).lower()
            else:
                raise errors.InvalidFilterInQueryString(
                    clause=clause, supported="it takes atScope(), principalId eq 'id' and assignedTo('id'), joined by and")
        out = []
        for a in self.authorizer.assignments():
            p = a["properties"]
            above = covers(p["scope"], scope)
            below = covers(scope, p["scope"])
            if not (above or (below and not at_scope_only)):
                continue
            if principal is not None and p["principalId"].lower() != principal:
                continue
            out.append(a)
        return Reply(200, {"value": out})


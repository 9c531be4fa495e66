"""Routes of Microsoft.Authorization. Role assignments live at any scope, so their templates are generated for
every scope depth vaultlink has: subscription, resource group, resource, and child resources (down to a
single secret, key or certificate of a vault)."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.authorization.service import AuthorizationProvider
from vaultlink.arm.services import Services

A = "Microsoft.Authorization"
SCOPES = [
    "/subscriptions/{subscriptionId}",
    "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{ns}/{t1}/{n1}",
    "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{ns}/{t1}/{n1}/{t2}/{n2}",
    "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{ns}/{t1}/{n1}/{t2}/{n2}/{t3}/{n3}",
]


def routes(services: Services) -> list[Route]:
    p = AuthorizationProvider(services)
    out: list[Route] = []
    for scope in SCOPES:
        ra = scope + "/providers/Microsoft.Authorization/roleAssignments"
        rd = scope + "/providers/Microsoft.Authorization/roleDefinitions"
        out += [
            Route("RoleAssignments_ListForScope", "GET", ra, p.list_assignments, A, "roleAssignments", action="Microsoft.Authorization/roleAssignments/read"),
            Route("RoleAssignments_Create", "PUT", ra + "/{roleAssignmentName}", p.put_assignment, A, "roleAssignments",
                  action="Microsoft.Authorization/roleAssignments/write"),
            Route("RoleAssignments_Get", "GET", ra + "/{roleAssignmentName}", p.get_assignment, A, "roleAssignments",
                  action="Microsoft.Authorization/roleAssignments/read"),
            Route("RoleAssignments_Delete", "DELETE", ra + "/{roleAssignmentName}", p.delete_assignment, A, "roleAssignments",
                  action="Microsoft.Authorization/roleAssignments/delete"),
            Route("RoleDefinitions_List", "GET", rd, p.list_definitions, A, "roleDefinitions", action="Microsoft.Authorization/roleDefinitions/read"),
            Route("RoleDefinitions_Get", "GET", rd + "/{roleDefinitionId}", p.get_definition, A, "roleDefinitions",
                  action="Microsoft.Authorization/roleDefinitions/read"),
        ]
    out.append(Route("RoleDefinitions_GetById", "GET", "/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}", p.get_definition, A,
                     "roleDefinitions"))
    return out

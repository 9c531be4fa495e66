"""Routes of Microsoft.Resources (and the operation-polling URLs every provider shares)."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.resources.deployments import Deployments
from vaultlink.arm.providers.resources.service import ResourceManager

SUB = "/subscriptions/{subscriptionId}"
GROUP = SUB + "/resourcegroups/{resourceGroupName}"
OPS = SUB + "/providers/{namespace}/locations/{location}"


def deployment_routes(d: Deployments) -> list[Route]:
    """Template deployments at resource group and subscription scope."""
    R, D = "Microsoft.Resources", "Microsoft.Resources/deployments"
    out = []
    for base, scope, ops in (
        (GROUP + "/providers/Microsoft.Resources/deployments", "", "ListByResourceGroup"),
        (SUB + "/providers/Microsoft.Resources/deployments", "AtSubscriptionScope", "ListAtSubscriptionScope"),
    ):
        one = base + "/{deploymentName}"
        out += [
            Route(f"Deployments_{ops}", "GET", base, d.list, R, "deployments", action=D + "/read"),
            Route(f"Deployments_CreateOrUpdate{scope}", "PUT", one, d.put, R, "deployments", action=D + "/write"),
            Route(f"Deployments_Get{scope}", "GET", one, d.get, R, "deployments", action=D + "/read"),
            Route(f"Deployments_CheckExistence{scope}", "HEAD", one, d.head, R, "deployments", action=D + "/read"),
            Route(f"Deployments_Delete{scope}", "DELETE", one, d.delete, R, "deployments", action=D + "/delete"),
            Route(f"Deployments_Validate{scope}", "POST", one + "/validate", d.validate, R, "deployments",
                  action=D + "/validate/action"),
            Route(f"Deployments_WhatIf{scope}", "POST", one + "/whatIf", d.what_if, R, "deployments",
                  action=D + "/whatIf/action"),
            Route(f"Deployments_Cancel{scope}", "POST", one + "/cancel", d.cancel, R, "deployments",
                  action=D + "/cancel/action"),
            Route(f"Deployments_ExportTemplate{scope}", "POST", one + "/exportTemplate", d.export_template, R,
                  "deployments", action=D + "/exportTemplate/action"),
            Route(f"DeploymentOperations_List{scope}", "GET", one + "/operations", d.list_operations, R,
                  "deployments", action=D + "/operations/read"),
            Route(f"DeploymentOperations_Get{scope}", "GET", one + "/operations/{operationId}", d.get_operation, R,
                  "deployments", action=D + "/operations/read"),
        ]
    # The operations of a resource group's deployments have an older path of their own as well.
    old = GROUP + "/deployments/{deploymentName}/operations"
    out += [Route("DeploymentOperations_List", "GET", old, d.list_operations, R, "deployments",
                  action=D + "/operations/read"),
            Route("DeploymentOperations_Get", "GET", old + "/{operationId}", d.get_operation, R, "deployments",
                  action=D + "/operations/read")]
    return out


def routes(rm: ResourceManager) -> list[Route]:
    R = "Microsoft.Resources"
    GROUP_READ, GROUP_WRITE = "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/subscriptions/resourceGroups/write"
    return [
        Route("Subscriptions_List", "GET", "/subscriptions", rm.list_subscriptions, R, "subscriptions"),
        Route("Subscriptions_Get", "GET", SUB, rm.get_subscription, R, "subscriptions", action="Microsoft.Resources/subscriptions/read"),
        Route("Tenants_List", "GET", "/tenants", rm.list_tenants, R, "tenants"),
        Route("Subscriptions_ListLocations", "GET", SUB + "/locations", rm.list_locations, R, "locations", action="Microsoft.Resources/subscriptions/locations/read"),
        Route("ResourceGroups_List", "GET", SUB + "/resourcegroups", rm.list_groups, R, "resourceGroups", action=GROUP_READ),
        Route("ResourceGroups_CreateOrUpdate", "PUT", GROUP, rm.put_group, R, "resourceGroups", action=GROUP_WRITE),
        Route("ResourceGroups_Get", "GET", GROUP, rm.get_group, R, "resourceGroups", action=GROUP_READ),
        Route("ResourceGroups_CheckExistence", "HEAD", GROUP, rm.head_group, R, "resourceGroups", action=GROUP_READ),
        Route("ResourceGroups_Update", "PATCH", GROUP, rm.patch_group, R, "resourceGroups", action=GROUP_WRITE),
        Route("ResourceGroups_Delete", "DELETE", GROUP, rm.delete_group, R, "resourceGroups", action="Microsoft.Resources/subscriptions/resourceGroups/delete"),
        Route("Resources_List", "GET", SUB + "/resources", rm.list_resources, R, "resources", action="Microsoft.Resources/subscriptions/resources/read"),
        Route("Resources_ListByResourceGroup", "GET", GROUP + "/resources", rm.list_resources, R, "resources", action="Microsoft.Resources/subscriptions/resourceGroups/resources/read"),
        Route("Providers_List", "GET", SUB + "/providers", rm.list_providers, R, "providers", action="Microsoft.Resources/subscriptions/providers/read"),
        Route("Providers_Get", "GET", SUB + "/providers/{namespace}", rm.get_provider, R, "providers", action="Microsoft.Resources/subscriptions/providers/read"),
        Route("Providers_GetAtTenantScope", "GET", "/providers/{namespace}", rm.get_tenant_provider, R, "providers"),
        Route("Providers_Register", "POST", SUB + "/providers/{namespace}/register", rm.register, R, "providers", action="{namespace}/register/action"),
        Route("Providers_Unregister", "POST", SUB + "/providers/{namespace}/unregister", rm.unregister, R, "providers", action="{namespace}/unregister/action"),
        # Polling URLs carry the api-version of the request that started the operation.
        Route("LongRunningOperation_GetStatus", "GET", OPS + "/operationStatuses/{operationId}", rm.operation_status, "{namespace}", "operations"),
        Route("LongRunningOperation_GetResult", "GET", OPS + "/operationResults/{operationId}", rm.operation_result, "{namespace}", "operations"),
    ]

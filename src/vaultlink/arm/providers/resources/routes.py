"""Routes of Microsoft.Resources (and the operation-polling URLs every provider shares)."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.resources.service import ResourceManager

SUB = "/subscriptions/{subscriptionId}"
GROUP = SUB + "/resourcegroups/{resourceGroupName}"
OPS = SUB + "/providers/{namespace}/locations/{location}"


def routes(rm: ResourceManager) -> list[Route]:
    R = "Microsoft.Resources"
    GROUP_READ, GROUP_WRITE = "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/subscriptions/resourceGroups/write"
    return [
        Route("GET", "/subscriptions", rm.list_subscriptions, R, "subscriptions"),
        Route("GET", SUB, rm.get_subscription, R, "subscriptions", action="Microsoft.Resources/subscriptions/read"),
        Route("GET", "/tenants", rm.list_tenants, R, "tenants"),
        Route("GET", SUB + "/locations", rm.list_locations, R, "locations", action="Microsoft.Resources/subscriptions/locations/read"),
        Route("GET", SUB + "/resourcegroups", rm.list_groups, R, "resourceGroups", action=GROUP_READ),
        Route("PUT", GROUP, rm.put_group, R, "resourceGroups", action=GROUP_WRITE),
        Route("GET", GROUP, rm.get_group, R, "resourceGroups", action=GROUP_READ),
        Route("HEAD", GROUP, rm.head_group, R, "resourceGroups", action=GROUP_READ),
        Route("PATCH", GROUP, rm.patch_group, R, "resourceGroups", action=GROUP_WRITE),
        Route("DELETE", GROUP, rm.delete_group, R, "resourceGroups", action="Microsoft.Resources/subscriptions/resourceGroups/delete"),
        Route("GET", SUB + "/resources", rm.list_resources, R, "resources", action="Microsoft.Resources/subscriptions/resources/read"),
        Route("GET", GROUP + "/resources", rm.list_resources, R, "resources", action="Microsoft.Resources/subscriptions/resourceGroups/resources/read"),
        Route("GET", SUB + "/providers", rm.list_providers, R, "providers", action="Microsoft.Resources/subscriptions/providers/read"),
        Route("GET", SUB + "/providers/{namespace}", rm.get_provider, R, "providers", action="Microsoft.Resources/subscriptions/providers/read"),
        Route("GET", "/providers/{namespace}", rm.get_tenant_provider, R, "providers"),
        Route("POST", SUB + "/providers/{namespace}/register", rm.register, R, "providers", action="{namespace}/register/action"),
        Route("POST", SUB + "/providers/{namespace}/unregister", rm.unregister, R, "providers", action="{namespace}/unregister/action"),
        # Polling URLs carry the api-version of the request that started the operation.
        Route("GET", OPS + "/operationStatuses/{operationId}", rm.operation_status, "{namespace}", "operations"),
        Route("GET", OPS + "/operationResults/{operationId}", rm.operation_result, "{namespace}", "operations"),
    ]

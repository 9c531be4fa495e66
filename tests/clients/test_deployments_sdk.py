"""Template deployments through the real azure-mgmt-resource-deployments SDK: create (its poller follows the
long-running protocol), outputs, what-if, validate, operations, a Bicep-compiled template, and a deployment that
fails with the resource's own error; in --async-operations mode a deployment reports Running until seen, and
only a running one can be canceled."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running, start

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
# What `bicep build` writes for a vnet module: its generator metadata, format() for interpolation, no symbolic names.
BICEP_JSON: dict[str, Any] = {
    "$schema": SCHEMA, "contentVersion": "1.0.0.0",
    "metadata": {"_generator": {"name": "bicep", "version": "0.30.23.60470", "templateHash": "1"}},
    "parameters": {"prefix": {"type": "string", "defaultValue": "sdk"}, "location": {
        "type": "string", "defaultValue": "[resourceGroup().location]"}},
    "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01",
                   "name": "[format('{0}-vnet', parameters('prefix'))]", "location": "[parameters('location')]",
                   "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                                  "subnets": [{"name": "apps", "properties": {"addressPrefix": "10.20.1.0/24"}}]}}],
    "outputs": {"subnetId": {"type": "string", "value": "[resourceId('Microsoft.Network/virtualNetworks/subnets', "
                                                        "format('{0}-vnet', parameters('prefix')), 'apps')]"},
                "unique": {"type": "string", "value": "[uniqueString(resourceGroup().id)]"},
                "prefixes": {"type": "array", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', "
                                                       "format('{0}-vnet', parameters('prefix')))).addressSpace"
                                                       ".addressPrefixes]"}},
}


def clients(running: Running) -> tuple[DeploymentsMgmtClient, ResourceManagementClient]:
    c = running.credentials
    kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
    cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    return (DeploymentsMgmtClient(cred, c["subscriptionId"], **kw),  # type: ignore[arg-type]
            ResourceManagementClient(cred, c["subscriptionId"], **kw))  # type: ignore[arg-type]


def test_a_bicep_compiled_template_through_the_sdk(vaultlink: Running) -> None:
    deployments, rm = clients(vaultlink)
    group = f"rg-sdk-{uuid.uuid4().hex[:6]}"
    rm.resource_groups.create_or_update(group, {"location": "eastus"})
    body = {"properties": {"mode": "Incremental", "template": BICEP_JSON, "parameters": {"prefix": {"value": "net"}}}}
    validated = deployments.deployments.begin_validate(group, "bicep", body).result()
    assert validated.properties.provisioning_state == "Succeeded"
    changes = deployments.deployments.begin_what_if(group, "bicep", body).result().changes
    assert [(c.change_type, c.resource_id.rsplit("/", 1)[1]) for c in changes] == [("Create", "net-vnet")]
    done = deployments.deployments.begin_create_or_update(group, "bicep", body).result()
    outputs = done.properties.outputs
    assert outputs["subnetId"]["value"].endswith(f"/resourceGroups/{group}/providers/Microsoft.Network/"
                                                  "virtualNetworks/net-vnet/subnets/apps")
    assert outputs["prefixes"]["value"] == ["10.20.0.0/16"]
    unique = outputs["unique"]["value"]
    assert len(unique) == 13 and unique.isalnum() and unique == unique.lower()
    [op] = list(deployments.deployment_operations.list(group, "bicep"))
    assert op.properties.target_resource.resource_type == "Microsoft.Network/virtualNetworks"
    assert [d.name for d in deployments.deployments.list_by_resource_group(group)] == ["bicep"]
    again = deployments.deployments.begin_what_if(group, "bicep", body).result().changes
    assert [c.change_type for c in again] == ["NoChange"]


def test_a_failing_deployment_raises_the_resources_error(vaultlink: Running) -> None:
    deployments, rm = clients(vaultlink)
    group = f"rg-sdk-{uuid.uuid4().hex[:6]}"
    rm.resource_groups.create_or_update(group, {"location": "eastus"})
    template = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "no", "location": "eastus",
         "properties": {"tenantId": vaultlink.credentials["tenantId"], "sku": {"family": "A", "name": "standard"}}}]}
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_create_or_update(group, "bad", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert err.value.error.code == "DeploymentFailed"
    assert err.value.error.details[0].code == "VaultNameNotValid"


def test_an_expression_nested_too_deep_or_a_cycle_is_an_invalid_template(vaultlink: Running) -> None:
    deployments, rm = clients(vaultlink)
    group = f"rg-sdk-{uuid.uuid4().hex[:6]}"
    rm.resource_groups.create_or_update(group, {"location": "eastus"})
    template = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [], "outputs": {
        "deep": {"type": "string", "value": "[" + "concat(" * 3000 + "'a'" + ")" * 3000 + "]"}}}
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_create_or_update(group, "deep", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert err.value.error.code == "InvalidTemplate"
    assert "nests deeper than 64 levels" in err.value.error.message
    cycle = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [], "parameters": {
        "a": {"type": "string", "defaultValue": "[parameters('b')]"},
        "b": {"type": "string", "defaultValue": "[concat(parameters('a'), '-x')]"}}}
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_create_or_update(group, "cycle", {"properties": {
            "mode": "Incremental", "template": cycle}}).result()
    assert err.value.error.code == "InvalidTemplate" and "refers to itself" in err.value.error.message


def test_async_deployments_run_until_seen_and_cancel(tmp_path: Path) -> None:
    running = start(tmp_path / "data", "--async-operations")
    try:
        deployments, rm = clients(running)
        rm.resource_groups.create_or_update("rg-async-deploy", {"location": "eastus"})
        body = {"properties": {"mode": "Incremental", "template": BICEP_JSON}}
        poller = deployments.deployments.begin_create_or_update("rg-async-deploy", "polled", body)
        assert poller.result().properties.provisioning_state == "Succeeded"
        started = deployments.deployments.begin_create_or_update("rg-async-deploy", "canceled", body, polling=False)
        assert started.result().properties.provisioning_state == "Running"
        deployments.deployments.cancel("rg-async-deploy", "canceled")
        assert deployments.deployments.get("rg-async-deploy", "canceled").properties.provisioning_state == "Canceled"
        with pytest.raises(HttpResponseError) as err:
            deployments.deployments.cancel("rg-async-deploy", "polled")
        assert err.value.status_code == 409
    finally:
        running.stop()

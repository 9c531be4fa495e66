"""Resource groups and providers through the real azure-identity and azure-mgmt-resource SDKs, via the proxy."""

from __future__ import annotations

import os
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential, DefaultAzureCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running


def client_for(vaultlink: Running, credential: object | None = None) -> ResourceManagementClient:
    creds = vaultlink.credentials
    credential = credential or ClientSecretCredential(
        creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"]
    )
    return ResourceManagementClient(credential, creds["subscriptionId"])  # type: ignore[arg-type]


def test_group_lifecycle_with_client_secret_credential(vaultlink: Running) -> None:
    client = client_for(vaultlink)
    name = f"rg-{uuid.uuid4().hex[:8]}"
    created = client.resource_groups.create_or_update(name, {"location": "eastus", "tags": {"env": "test"}})
    assert created.name == name
    assert created.location == "eastus"
    assert created.properties.provisioning_state == "Succeeded"
    assert created.id == f"/subscriptions/{vaultlink.credentials['subscriptionId']}/resourceGroups/{name}"

    fetched = client.resource_groups.get(name.upper())  # ARM ignores case, and echoes the created casing
    assert fetched.name == name and fetched.tags == {"env": "test"}
    assert client.resource_groups.check_existence(name) is True

    assert name in [g.name for g in client.resource_groups.list()]

    tagged = client.resource_groups.update(name, {"tags": {"env": "prod", "team": "platform"}})
    assert tagged.tags == {"env": "prod", "team": "platform"}
    assert [g.name for g in client.resource_groups.list(filter="tagName eq 'team' and tagValue eq 'platform'")] == [name]

    client.resource_groups.begin_delete(name).result()
    with pytest.raises(ResourceNotFoundError) as err:
        client.resource_groups.get(name)
    assert err.value.error.code == "ResourceGroupNotFound"
    assert client.resource_groups.check_existence(name) is False


def test_default_azure_credential_from_vaultlink_env(vaultlink: Running) -> None:
    assert os.environ["AZURE_CLIENT_ID"] == vaultlink.credentials["servicePrincipal"]["appId"]
    client = client_for(vaultlink, DefaultAzureCredential())
    name = f"rg-{uuid.uuid4().hex[:8]}"
    client.resource_groups.create_or_update(name, {"location": "westeurope"})
    assert client.resource_groups.get(name).location == "westeurope"
    client.resource_groups.begin_delete(name).result()


def test_register_provider(vaultlink: Running) -> None:
    client = client_for(vaultlink)
    client.providers.unregister("Microsoft.KeyVault")  # other tests' vaults register it on first use
    assert client.providers.get("Microsoft.KeyVault").registration_state == "NotRegistered"
    registered = client.providers.register("microsoft.keyvault")
    assert registered.namespace == "Microsoft.KeyVault"
    assert registered.registration_state == "Registered"
    assert client.providers.get("Microsoft.KeyVault").registration_state == "Registered"
    namespaces = {p.namespace for p in client.providers.list()}
    assert {"Microsoft.KeyVault", "Microsoft.Network", "Microsoft.Resources"} <= namespaces


def test_bad_group_input_is_refused_with_arm_errors(vaultlink: Running) -> None:
    client = client_for(vaultlink)
    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.create_or_update("bad name!", {"location": "eastus"})
    assert err.value.status_code == 400 and err.value.error.code == "InvalidResourceGroup"
    assert "' !'" in err.value.error.message

    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.create_or_update("rg-nowhere", {"location": "atlantis"})
    assert err.value.error.code == "LocationNotAvailableForResourceGroup"
    assert client.resource_groups.check_existence("rg-nowhere") is False

    client.resource_groups.create_or_update("rg-moving", {"location": "eastus"})
    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.create_or_update("rg-moving", {"location": "westus"})
    assert err.value.status_code == 409 and err.value.error.code == "InvalidResourceGroupLocation"
    assert client.resource_groups.get("rg-moving").location == "eastus"


def test_subscription_and_tenant_listing(vaultlink: Running) -> None:
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    creds = vaultlink.credentials
    client = SubscriptionClient(
        ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    )
    subs = {s.subscription_id: s for s in client.subscriptions.list()}
    assert creds["subscriptionId"] in subs  # other tests may add subscriptions to the shared server
    assert subs[creds["subscriptionId"]].state == "Enabled"
    assert all(s.tenant_id == creds["tenantId"] for s in subs.values())
    assert [t.tenant_id for t in client.tenants.list()] == [creds["tenantId"]]
    assert "eastus" in {loc.name for loc in client.subscriptions.list_locations(creds["subscriptionId"])}

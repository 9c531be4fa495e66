"""Soft delete through the real azure-mgmt-keyvault SDK: deleted vaults, their retention and purge protection,
recovery with createMode 'recover', purge, and the name a deleted vault keeps taken."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from tests.clients.keyvault_support import KV_API, World, other_tenant, own_subscription, unique
from tests.vaultlink_process import Running, start


@pytest.fixture(scope="module")
def world(vaultlink: Running) -> World:
    return own_subscription(vaultlink)


@pytest.fixture(scope="module")
def fabrikam(vaultlink: Running) -> World:
    return other_tenant(vaultlink)


def test_delete_moves_the_vault_to_deleted_vaults(world: World) -> None:
    name = unique()
    world.create_vault(name, softDeleteRetentionInDays=7)
    world.kv.vaults.update(world.group, name, {"tags": {"team": "platform"}})
    world.kv.vaults.delete(world.group, name)

    with pytest.raises(ResourceNotFoundError):
        world.kv.vaults.get(world.group, name)
    assert name not in {v.name for v in world.kv.vaults.list_by_resource_group(world.group)}
    assert name not in {r.name for r in world.kv.vaults.list()}

    gone = world.kv.vaults.get_deleted(name, "eastus")
    assert gone.id == f"/subscriptions/{world.subscription_id}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/{name}"
    assert (gone.name, gone.type) == (name, "Microsoft.KeyVault/deletedVaults")
    p = gone.properties
    assert p.vault_id == f"/subscriptions/{world.subscription_id}/resourceGroups/{world.group}/providers/Microsoft.KeyVault/vaults/{name}"
    assert p.location == "eastus" and p.tags == {"team": "platform"} and p.purge_protection_enabled is False
    assert p.scheduled_purge_date - p.deletion_date == timedelta(days=7)
    assert name in {d.name for d in world.kv.vaults.list_deleted()}
    assert world.kv.vaults.get_deleted(name.upper(), "East US").name == name  # as ARM: any casing, any spelling


def test_a_deleted_name_stays_taken_until_purged(world: World, fabrikam: World) -> None:
    name = unique()
    world.create_vault(name)
    world.kv.vaults.delete(world.group, name)

    with pytest.raises(HttpResponseError) as err:
        world.create_vault(name)  # same subscription: the deleted vault can be recovered
    assert (err.value.status_code, err.value.error.code) == (409, "ConflictError")
    assert err.value.error.message.startswith("Exist soft deleted vault with the same name.")
    with pytest.raises(HttpResponseError) as err:
        fabrikam.create_vault(name)  # anyone else: the name is taken
    assert (err.value.status_code, err.value.error.code) == (409, "VaultAlreadyExists")
    assert "recently deleted but not purged" in err.value.error.message
    check = fabrikam.kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"})
    assert (check.name_available, check.reason) == (False, "AlreadyExists")
    assert name not in {d.name for d in fabrikam.kv.vaults.list_deleted()}  # deleted vaults are per subscription

    world.kv.vaults.begin_purge_deleted(name, "eastus").result()
    with pytest.raises(ResourceNotFoundError) as err2:
        world.kv.vaults.get_deleted(name, "eastus")
    assert err2.value.error.code == "ResourceNotFound"
    assert fabrikam.kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).name_available
    assert fabrikam.create_vault(name, location="westeurope").properties.tenant_id == fabrikam.tenant_id


def test_purge_protection_refuses_purge(world: World) -> None:
    name = unique()
    world.create_vault(name, enablePurgeProtection=True)
    world.kv.vaults.delete(world.group, name)
    gone = world.kv.vaults.get_deleted(name, "eastus")
    assert gone.properties.purge_protection_enabled is True
    with pytest.raises(HttpResponseError) as err:
        world.kv.vaults.begin_purge_deleted(name, "eastus").result()
    assert (err.value.status_code, err.value.error.code) == (405, "MethodNotAllowed")
    assert err.value.error.message.startswith("Operation 'DeletedVaultPurge' is not allowed.")
    assert name in {d.name for d in world.kv.vaults.list_deleted()}


def test_recover_brings_back_the_deleted_vault(world: World) -> None:
    name = unique()
    subnet = (f"/subscriptions/{world.subscription_id}/resourceGroups/{world.group}/providers/Microsoft.Network/"
              "virtualNetworks/v/subnets/s")
    world.create_vault(name, softDeleteRetentionInDays=30, enableRbacAuthorization=False,
                       networkAcls={"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.9"}],
                                    "virtualNetworkRules": [{"id": subnet}]})
    world.kv.vaults.update(world.group, name, {"tags": {"keep": "me"}})
    world.kv.vaults.delete(world.group, name)

    # As Azure: the request's properties do not replace the recovered vault's.
    body = world.vault_body(createMode="recover", networkAcls={"defaultAction": "Allow"})
    recovered = world.kv.vaults.begin_create_or_update(world.group, name, body).result()
    p = recovered.properties
    assert recovered.tags == {"keep": "me"}
    assert p.soft_delete_retention_in_days == 30 and p.enable_rbac_authorization is False
    assert p.network_acls.default_action == "Deny" and [r.value for r in p.network_acls.ip_rules] == ["203.0.113.9/32"]
    assert p.vault_uri == f"https://{name}.vault.azure.net/"
    assert name not in {d.name for d in world.kv.vaults.list_deleted()}
    assert world.kv.vaults.get(world.group, name).tags == {"keep": "me"}

    with pytest.raises(HttpResponseError) as err:  # it is no longer deleted
        world.kv.vaults.begin_create_or_update(world.group, name, body).result()
    assert err.value.error.code == "SoftDeletedVaultDoesNotExist"


def test_recover_without_a_deleted_vault_is_refused(world: World) -> None:
    name = unique()
    with pytest.raises(HttpResponseError) as err:
        world.create_vault(name, createMode="recover")
    assert (err.value.status_code, err.value.error.code) == (400, "SoftDeletedVaultDoesNotExist")
    assert name in err.value.error.message
    assert world.kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).name_available


def test_deleting_the_resource_group_soft_deletes_its_vaults(world: World) -> None:
    group = unique("rg")
    world.rm.resource_groups.create_or_update(group, {"location": "westus"})
    names = [unique(), unique()]
    for n in names:
        world.kv.vaults.begin_create_or_update(group, n, world.vault_body(location="westus")).result()
    world.rm.resource_groups.begin_delete(group).result()
    deleted = {d.name: d for d in world.kv.vaults.list_deleted()}
    assert set(names) <= set(deleted)
    assert deleted[names[0]].properties.location == "westus"
    assert deleted[names[0]].properties.vault_id.endswith(f"/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{names[0]}")
    with pytest.raises(HttpResponseError) as err:
        world.create_vault(names[0])
    assert err.value.error.code == "ConflictError"


def test_unknown_deleted_vault(world: World) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        world.kv.vaults.get_deleted("kv-never-was", "eastus")
    assert err.value.error.code == "ResourceNotFound" and "kv-never-was" in err.value.error.message
    with pytest.raises(HttpResponseError) as err2:
        world.kv.vaults.begin_purge_deleted("kv-never-was", "eastus").result()
    assert err2.value.status_code == 404


def test_purge_answers_like_a_long_running_operation(tmp_path: Path) -> None:
    """With async operations on, create answers 201 + Azure-AsyncOperation, purge 202 + Location; vault delete
    stays synchronous, as in Azure."""
    running = start(tmp_path / "data", "--async-operations")
    try:
        creds = running.credentials
        cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"],
                                      creds["servicePrincipal"]["secret"], proxies={"https": running.proxy},
                                      connection_verify=running.ca)
        s = requests.Session()
        s.trust_env = False  # the package's proxy is in the environment; this server has its own
        s.proxies, s.verify = {"https": running.proxy}, running.ca
        s.headers["Authorization"] = "Bearer " + cred.get_token("https://management.core.windows.net//.default").token
        sub = f"https://management.azure.com/subscriptions/{creds['subscriptionId']}"
        group, name = unique("rg"), unique()
        s.put(f"{sub}/resourcegroups/{group}?api-version=2025-04-01", json={"location": "eastus"}).raise_for_status()
        vault = f"{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}?api-version={KV_API}"
        body = {"location": "eastus", "properties": {"tenantId": creds["tenantId"], "sku": {"family": "A", "name": "standard"}}}
        r = s.put(vault, json=body)
        assert r.status_code == 201 and r.json()["name"] == name
        assert r.json()["properties"]["provisioningState"] == "RegisteringDns"  # as Azure answers a create
        assert s.get(vault).json()["properties"]["provisioningState"] == "RegisteringDns"
        assert s.get(r.headers["Azure-AsyncOperation"]).json()["status"] == "Succeeded"
        assert s.get(vault).json()["properties"]["provisioningState"] == "Succeeded"
        assert s.delete(vault).status_code == 200
        deleted = f"{sub}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/{name}"
        r = s.post(f"{deleted}/purge?api-version={KV_API}")
        assert r.status_code == 202 and int(r.headers["Retry-After"]) >= 1
        assert [s.get(r.headers["Location"]).status_code for _ in range(2)] == [202, 200]
        assert s.get(f"{deleted}?api-version={KV_API}").status_code == 404
    finally:
        running.stop()

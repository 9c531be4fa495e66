"""Key vaults through the real azure-mgmt-keyvault SDK (and raw requests where the SDK cannot express a bad
input): create, read, update, list, access policies, the firewall settings, names and their global
uniqueness across subscriptions and tenants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from tests.clients.keyvault_support import World, other_tenant, own_subscription, unique
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def world(vaultlink: Running) -> World:
    return own_subscription(vaultlink)


@pytest.fixture(scope="module")
def fabrikam(vaultlink: Running) -> World:
    return other_tenant(vaultlink)


@pytest.fixture
def vault(world: World) -> Iterator[Any]:
    v = world.create_vault(unique())
    yield v
    world.kv.vaults.delete(world.group, v.name)


def error_of(err: pytest.ExceptionInfo[HttpResponseError]) -> tuple[int, str, str]:
    e = err.value
    assert e.error is not None
    return int(e.status_code or 0), str(e.error.code), str(e.error.message)


# ---- create and read ---------------------------------------------------------------------------------------

def test_create_answers_azures_vault_shape(world: World) -> None:
    name = unique()
    created = world.create_vault(name, enabledForDeployment=True)
    assert created.id == f"/subscriptions/{world.subscription_id}/resourceGroups/{world.group}/providers/Microsoft.KeyVault/vaults/{name}"
    assert (created.name, created.type, created.location, created.tags) == (name, "Microsoft.KeyVault/vaults", "eastus", {})
    p = created.properties
    assert p.vault_uri == f"https://{name}.vault.azure.net/"
    assert p.provisioning_state == "Succeeded"
    assert p.tenant_id == world.tenant_id
    assert (p.sku.family, p.sku.name) == ("A", "standard")
    assert p.enable_soft_delete is True and p.soft_delete_retention_in_days == 90
    assert p.enable_rbac_authorization is True  # the SDK sends 2026-05-15: RBAC is the default from 2026-02-01
    assert p.enable_purge_protection is None
    assert p.enabled_for_deployment is True and p.enabled_for_disk_encryption is False
    assert p.public_network_access == "Enabled"
    assert p.access_policies == [] and p.network_acls is None
    assert p.hsm_pool_resource_id is None and p.private_endpoint_connections is None
    assert created.system_data.created_by_type == "Application"
    assert created.system_data.created_at is not None

    fetched = world.kv.vaults.get(world.group, name.upper())  # names compare case-insensitively
    assert fetched.name == name and fetched.properties.vault_uri == p.vault_uri


def test_put_answers_201_then_200_and_older_api_versions_default_to_access_policies(world: World) -> None:
    name = unique()
    s = world.session()
    body = world.vault_body()
    r = s.put(world.vault_url(name, api_version="2023-07-01"), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["enableRbacAuthorization"] is False
    assert r.json()["properties"]["vaultUri"].endswith(".vault.azure.net/")
    r = s.put(world.vault_url(name, api_version="2026-04-01"), json=body)
    assert r.status_code == 200
    assert r.json()["properties"]["enableRbacAuthorization"] is False  # an existing vault keeps its access model
    assert s.delete(world.vault_url(name)).status_code == 200
    assert s.delete(world.vault_url(name)).status_code == 204


def test_missing_vault_and_group(world: World) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        world.kv.vaults.get(world.group, "kv-not-there")
    assert err.value.error.code == "ResourceNotFound"
    assert err.value.error.message.startswith(f"The Resource 'Microsoft.KeyVault/vaults/kv-not-there' under resource group '{world.group}' was not found.")
    with pytest.raises(ResourceNotFoundError) as err:
        world.kv.vaults.get("rg-not-there", "kv-not-there")
    assert err.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as err2:
        world.create_vault(unique(), group="rg-not-there")
    assert error_of(err2)[:2] == (404, "ResourceGroupNotFound")


# ---- update -----------------------------------------------------------------------------------------------

def test_patch_updates_network_rules_tags_and_access(world: World, vault: Any) -> None:
    subnet = (f"/subscriptions/{world.subscription_id}/resourceGroups/{world.group}/providers/Microsoft.Network/"
              "virtualNetworks/VNet1/subnets/Apps")
    updated = world.kv.vaults.update(world.group, vault.name, {
        "tags": {"env": "test"},
        "properties": {
            "publicNetworkAccess": "disabled",
            "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.7"}, {"value": "198.51.100.0/24"}],
                            "virtualNetworkRules": [{"id": subnet}]},
            "sku": {"family": "A", "name": "premium"},
        },
    })
    assert updated.tags == {"env": "test"}
    p = updated.properties
    assert p.public_network_access == "Disabled"
    assert p.sku.name == "premium"
    acls = p.network_acls
    assert (acls.bypass, acls.default_action) == ("AzureServices", "Deny")
    assert [r.value for r in acls.ip_rules] == ["203.0.113.7/32", "198.51.100.0/24"]
    assert [(r.id, r.ignore_missing_vnet_service_endpoint) for r in acls.virtual_network_rules] == [(subnet.lower(), False)]
    assert p.enable_rbac_authorization is True and p.vault_uri == vault.properties.vault_uri

    again = world.kv.vaults.update(world.group, vault.name, {"properties": {"enableRbacAuthorization": False}})
    assert again.properties.enable_rbac_authorization is False
    assert again.properties.network_acls.default_action == "Deny" and again.tags == {"env": "test"}
    assert world.kv.vaults.get(world.group, vault.name).properties.public_network_access == "Disabled"


def test_irreversible_settings_are_refused(world: World, vault: Any) -> None:
    kv = world.kv
    with pytest.raises(HttpResponseError) as err:
        kv.vaults.update(world.group, vault.name, {"properties": {"enableSoftDelete": False}})
    status, code, message = error_of(err)
    assert (status, code) == (400, "BadRequest") and '"enableSoftDelete" cannot be set to false' in message

    with pytest.raises(HttpResponseError) as err:
        kv.vaults.update(world.group, vault.name, {"properties": {"softDeleteRetentionInDays": 30}})
    assert "cannot be changed from 90 to 30" in error_of(err)[2]

    protected = kv.vaults.update(world.group, vault.name, {"properties": {"enablePurgeProtection": True}})
    assert protected.properties.enable_purge_protection is True
    with pytest.raises(HttpResponseError) as err:
        kv.vaults.update(world.group, vault.name, {"properties": {"enablePurgeProtection": False}})
    assert error_of(err) == (400, "BadRequest", ('The property "enablePurgeProtection" cannot be set to false. '
                                                 "Enabling the purge protection for a vault is an irreversible action."))
    # a full PUT that leaves them out keeps them
    replaced = kv.vaults.begin_create_or_update(world.group, vault.name, world.vault_body()).result()
    assert replaced.properties.enable_purge_protection is True and replaced.properties.enable_soft_delete is True


def test_soft_delete_false_on_create_is_turned_on(world: World) -> None:
    name = unique()
    created = world.create_vault(name, enableSoftDelete=False, softDeleteRetentionInDays=7)
    assert created.properties.enable_soft_delete is True and created.properties.soft_delete_retention_in_days == 7
    world.kv.vaults.delete(world.group, name)


def test_location_cannot_change(world: World, vault: Any) -> None:
    with pytest.raises(HttpResponseError) as err:
        world.kv.vaults.begin_create_or_update(world.group, vault.name, world.vault_body(location="westus")).result()
    status, code, message = error_of(err)
    assert (status, code) == (409, "InvalidResourceLocation") and "'eastus'" in message and "'westus'" in message


# ---- lists --------------------------------------------------------------------------------------------------

def test_lists_by_group_subscription_and_legacy_resources(world: World) -> None:
    group = unique("rg")
    world.rm.resource_groups.create_or_update(group, {"location": "eastus"})
    names = sorted(unique() for _ in range(5))
    for n in names:
        world.create_vault(n, group=group)
    kv = world.kv
    assert sorted(v.name for v in kv.vaults.list_by_resource_group(group)) == names
    assert [v.name for v in kv.vaults.list_by_resource_group(group, top=2)] == names  # follows nextLink, each once
    listing = world.url(f"/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults")
    page = world.session().get(listing + "&$top=2").json()
    assert len(page["value"]) == 2 and "$skiptoken" in page["nextLink"]
    assert page["nextLink"].startswith("https://management.azure.com/")
    forged = world.session().get(listing + "&$top=2&$skiptoken=bm90LWEta2V5")
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "InvalidParameter"
    assert set(names) <= {v.name for v in kv.vaults.list_by_subscription()}
    legacy = {r.name: r for r in kv.vaults.list()}  # GET /resources?$filter=resourceType eq 'Microsoft.KeyVault/vaults'
    assert set(names) <= set(legacy)
    assert legacy[names[0]].type == "Microsoft.KeyVault/vaults" and legacy[names[0]].location == "eastus"
    world.rm.resource_groups.begin_delete(group).result()
    assert not set(names) & {v.name for v in kv.vaults.list_by_subscription()}


# ---- access policies ----------------------------------------------------------------------------------------

def test_access_policies_add_replace_remove(world: World, vault: Any) -> None:
    kv, oid, other = world.kv, world.object_id, str(uuid.uuid4())

    def policy(object_id: str, **perms: list[str]) -> dict[str, Any]:
        return {"tenantId": world.tenant_id, "objectId": object_id, "permissions": perms}

    added = kv.vaults.update_access_policy(world.group, vault.name, "add",
                                           {"properties": {"accessPolicies": [policy(oid, secrets=["get", "List"])]}})
    assert added.name == "add" and added.type == "Microsoft.KeyVault/vaults/accessPolicies"
    assert added.id == f"{vault.id}/accessPolicies/add"
    assert added.properties.access_policies[0].permissions.secrets == ["get", "list"]
    kv.vaults.update_access_policy(world.group, vault.name, "add", {"properties": {"accessPolicies": [
        policy(oid, secrets=["set", "get"], keys=["wrapKey"]), policy(other, certificates=["get"])]}})
    policies = {p.object_id: p.permissions for p in kv.vaults.get(world.group, vault.name).properties.access_policies}
    assert policies[oid].secrets == ["get", "list", "set"] and policies[oid]["keys"] == ["wrapKey"]  # .keys is the mapping's method
    assert policies[other].certificates == ["get"]

    kv.vaults.update_access_policy(world.group, vault.name, "replace",
                                   {"properties": {"accessPolicies": [policy(oid, secrets=["get"])]}})
    kv.vaults.update_access_policy(world.group, vault.name, "remove",
                                   {"properties": {"accessPolicies": [policy(other, certificates=["get"])]}})
    after = kv.vaults.get(world.group, vault.name).properties.access_policies
    assert [(p.object_id, p.permissions.secrets, p.permissions.get("keys")) for p in after] == [(oid, ["get"], None)]


def test_bad_access_policies_are_refused(world: World, vault: Any) -> None:
    s = world.session()
    url = world.vault_url(vault.name, "/accessPolicies/add")
    bad = {"tenantId": world.tenant_id, "objectId": world.object_id, "permissions": {"secrets": ["get", "steal"]}}
    r = s.put(url, json={"properties": {"accessPolicies": [bad]}})
    assert r.status_code == 400 and "accessPolicies[0].permissions.secrets[1]: 'steal'" in r.json()["error"]["message"]
    r = s.put(url, json={"properties": {"accessPolicies": [dict(bad, objectId="me", permissions={})]}})
    assert r.status_code == 400 and "'me' is not" in r.json()["error"]["message"]
    r = s.put(world.vault_url(vault.name, "/accessPolicies/merge"), json={"properties": {"accessPolicies": []}})
    assert r.status_code == 400 and "'merge'" in r.json()["error"]["message"]
    too_many = [dict(bad, objectId=str(uuid.uuid4()), permissions={"secrets": ["get"]}) for _ in range(1025)]
    r = s.put(world.vault_url(unique()), json=world.vault_body(accessPolicies=too_many))
    assert r.status_code == 400 and "at most 1024" in r.json()["error"]["message"]
    assert world.kv.vaults.get(world.group, vault.name).properties.access_policies == []


# ---- validation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ab", "1vault", "vault-", "my--vault", "a" * 25, "vault_one", "-vault"])
def test_invalid_names_are_refused(world: World, name: str) -> None:
    r = world.session().put(world.vault_url(name), json=world.vault_body())
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "VaultNameNotValid"
    assert error["message"].startswith(f"The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters.")


@pytest.mark.parametrize(("change", "status", "code", "words"), [
    ({"location": None}, 400, "LocationRequired", "location"),
    ({"location": "atlantis"}, 400, "LocationNotAvailableForResourceType", "atlantis"),
    ({"tenantId": None}, 400, "MissingRequiredParameter", "properties.tenantId"),
    ({"tenantId": "contoso.onmicrosoft.com"}, 400, "BadRequest", "contoso.onmicrosoft.com"),
    ({"tenantId": "00000000-0000-0000-0000-00000000beef"}, 400, "BadRequest", "not a known"),
    ({"sku": None}, 400, "MissingRequiredParameter", "properties.sku"),
    ({"sku": {"family": "A", "name": "basic"}}, 400, "SkuNotSupported", "basic"),
    ({"sku": {"family": "B", "name": "standard"}}, 400, "SkuNotSupported", "'B'"),
    ({"softDeleteRetentionInDays": 5}, 400, "BadRequest", "'5'"),
    ({"softDeleteRetentionInDays": 91}, 400, "BadRequest", "'91'"),
    ({"publicNetworkAccess": "Sometimes"}, 400, "BadRequest", "Sometimes"),
    ({"enableRbacAuthorization": "yes"}, 400, "BadRequest", "enableRbacAuthorization"),
    ({"createMode": "restore"}, 400, "BadRequest", "restore"),
    ({"networkAcls": {"defaultAction": "Block"}}, 400, "BadRequest", "Block"),
    ({"networkAcls": {"bypass": "Everything"}}, 400, "BadRequest", "Everything"),
    ({"networkAcls": {"ipRules": [{"value": "10.1.2.3"}]}}, 400, "BadRequest", "'10.1.2.3' at 'properties.networkAcls.ipRules[0]' is a private"),
    ({"networkAcls": {"ipRules": [{"value": "172.16.0.0/16"}]}}, 400, "BadRequest", "RFC 1918"),
    ({"networkAcls": {"ipRules": [{"value": "192.168.1.0/24"}]}}, 400, "BadRequest", "RFC 1918"),
    ({"networkAcls": {"ipRules": [{"value": "300.1.2.3"}]}}, 400, "BadRequest", "'300.1.2.3'"),
    ({"networkAcls": {"ipRules": [{"value": "2001:db8::1"}]}}, 400, "BadRequest", "IPv4 only"),
    ({"networkAcls": {"ipRules": [{"value": f"20.0.{i // 250}.{i % 250}"} for i in range(1001)]}}, 400, "BadRequest", "at most 1000"),
    ({"networkAcls": {"virtualNetworkRules": [{"id": "/subscriptions/x/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"}]}},
     400, "BadRequest", "not a subnet"),
    ({"enablePurgeProtection": False}, 400, "BadRequest", "enablePurgeProtection"),
])
def test_bad_properties_are_refused_and_change_nothing(world: World, change: dict[str, Any], status: int, code: str,
                                                       words: str) -> None:
    name = unique()
    body = world.vault_body()
    for key, value in change.items():
        target = body if key == "location" else body["properties"]
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    s = world.session()
    r = s.put(world.vault_url(name), json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and words in r.json()["error"]["message"], r.text
    assert s.get(world.vault_url(name)).status_code == 404
    assert world.kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).name_available


def test_read_only_properties_in_a_full_put_are_ignored(world: World, vault: Any) -> None:
    """`az keyvault update` GETs the vault and PUTs it back whole, read-only fields included."""
    s = world.session()
    body = s.get(world.vault_url(vault.name)).json()
    body["properties"]["networkAcls"] = {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": []}
    body["properties"]["vaultUri"] = "https://elsewhere.vault.azure.net/"
    r = s.put(world.vault_url(vault.name), json=body)
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert props["networkAcls"] == {"bypass": "None", "defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []}
    assert props["vaultUri"] == f"https://{vault.name}.vault.azure.net/"


# ---- global names -------------------------------------------------------------------------------------------

def test_vault_names_are_global_across_groups_subscriptions_and_tenants(world: World, fabrikam: World) -> None:
    name = unique()
    world.create_vault(name)
    other_group = unique("rg")
    world.rm.resource_groups.create_or_update(other_group, {"location": "eastus"})
    for attempt in (lambda: world.create_vault(name, group=other_group),
                    lambda: fabrikam.create_vault(name.upper())):
        with pytest.raises(HttpResponseError) as err:
            attempt()
        status, code, message = error_of(err)
        assert (status, code) == (409, "VaultAlreadyExists")
        assert message.startswith((f"The vault name '{name}' is already in use. Vault names are globally unique",
                                   f"The vault name '{name.upper()}' is already in use. Vault names are globally unique"))
    check = fabrikam.kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"})
    assert (check.name_available, check.reason) == (False, "AlreadyExists") and "already in use" in check.message


def test_check_name_availability(world: World) -> None:
    kv = world.kv
    fresh = kv.vaults.check_name_availability({"name": unique(), "type": "Microsoft.KeyVault/vaults"})
    assert fresh.name_available is True and fresh.reason is None and fresh.message is None
    bad = kv.vaults.check_name_availability({"name": "9lives", "type": "Microsoft.KeyVault/vaults"})
    assert (bad.name_available, bad.reason) == (False, "AccountNameInvalid") and "'9lives' is invalid" in bad.message
    r = world.session().post(world.url("/providers/Microsoft.KeyVault/checkNameAvailability"),
                             json={"name": "anything", "type": "Microsoft.Storage/storageAccounts"})
    assert r.status_code == 400 and "Microsoft.Storage/storageAccounts" in r.json()["error"]["message"]


def test_provider_is_registered_on_first_vault(world: World) -> None:
    assert world.rm.providers.get("Microsoft.KeyVault").registration_state == "Registered"

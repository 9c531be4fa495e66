"""The rules for a key vault's control-plane settings (arm/providers/keyvault/model.py), without a server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from vaultlink.arm.providers.keyvault import model
from vaultlink.arm.providers.keyvault.errors import KeyVaultBadRequest, SkuNotSupported, VaultNameNotValid
from vaultlink.core import errors

TENANT = str(uuid.uuid4())
SKU = {"family": "A", "name": "standard"}


@pytest.mark.parametrize("name", ["abc", "a-b-c", "Vault1", "a" * 24, "k1-2"])
def test_valid_names(name: str) -> None:
    assert model.is_valid_name(name)
    model.check_name(name)


@pytest.mark.parametrize("name", ["ab", "a" * 25, "1abc", "-abc", "abc-", "a--b", "a_b", "a.b", "ab c", ""])
def test_invalid_names(name: str) -> None:
    assert not model.is_valid_name(name)
    with pytest.raises(VaultNameNotValid):
        model.check_name(name)


def test_vault_uri_has_azures_trailing_slash() -> None:
    assert model.vault_uri("MyVault") == "https://myvault.vault.azure.net/"


@pytest.mark.parametrize(("given", "echoed"), [
    ("203.0.113.7", "203.0.113.7/32"), ("198.51.100.0/24", "198.51.100.0/24"), (" 20.1.2.3 ", "20.1.2.3/32"),
    ("0.0.0.0/0", "0.0.0.0/0"), ("11.0.0.0/8", "11.0.0.0/8"), ("172.32.0.1", "172.32.0.1/32"),
])
def test_public_ip_rules_are_echoed(given: str, echoed: str) -> None:
    assert model.ip_rule_of({"value": given}, "ipRules[0]") == echoed


@pytest.mark.parametrize("given", ["10.0.0.1", "10.1.0.0/16", "172.16.5.4", "172.31.255.255/32", "192.168.0.0/16",
                                   "192.168.1.1", "1.2.3", "1.2.3.4/33", "::1", "2001:db8::/32", "vault"])
def test_private_invalid_and_ipv6_rules_are_refused(given: str) -> None:
    with pytest.raises(KeyVaultBadRequest) as err:
        model.ip_rule_of({"value": given}, "properties.networkAcls.ipRules[3]")
    assert given in err.value.message and "ipRules[3]" in err.value.message


def test_network_acls_defaults_dedupe_and_limits() -> None:
    subnet = "/subscriptions/S/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/V/subnets/N"
    acls = model.network_acls_of({"ipRules": [{"value": "20.0.0.1"}, {"value": "20.0.0.1/32"}],
                                  "virtualNetworkRules": [{"id": subnet}, {"id": subnet.lower()}]})
    assert acls == {"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": [{"value": "20.0.0.1/32"}],
                    "virtualNetworkRules": [{"id": subnet.lower(), "ignoreMissingVnetServiceEndpoint": False}]}
    assert model.network_acls_of({"bypass": "none", "defaultAction": "deny"})["bypass"] == "None"
    with pytest.raises(KeyVaultBadRequest, match="at most 200"):
        model.network_acls_of({"virtualNetworkRules": [{"id": f"{subnet}{i}"} for i in range(201)]})


def test_sku() -> None:
    assert model.sku_of({"family": "a", "name": "Premium"}) == {"family": "A", "name": "premium"}
    for bad in ({"family": "A", "name": "basic"}, {"name": "standard"}, "standard"):
        with pytest.raises(SkuNotSupported):
            model.sku_of(bad)


def policy(object_id: str, app: str | None = None, **perms: list[str]) -> dict[str, Any]:
    p: dict[str, Any] = {"tenantId": TENANT, "objectId": object_id, "permissions": perms}
    if app:
        p["applicationId"] = app
    return model.access_policy_of(p, "p")


def test_access_policy_permissions_are_canonical_and_unique() -> None:
    p = policy(str(uuid.uuid4()), keys=["WRAPKEY", "wrapKey", "get"], storage=["getsas"])
    assert p["permissions"] == {"keys": ["wrapKey", "get"], "storage": ["getsas"]}
    with pytest.raises(KeyVaultBadRequest, match=r"p.permissions.secrets\[0\]: 'read'"):
        policy(str(uuid.uuid4()), secrets=["read"])


def test_access_policy_updates() -> None:
    a, b, app = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    current = [policy(a, secrets=["get"])]
    added = model.update_access_policies(current, "add", [policy(a, secrets=["list", "get"]), policy(a, app, keys=["get"])])
    assert [p["permissions"] for p in added] == [{"secrets": ["get", "list"]}, {"keys": ["get"]}]
    assert current[0]["permissions"] == {"secrets": ["get"]}  # the input is not changed
    replaced = model.update_access_policies(added, "replace", [policy(a, certificates=["get"]), policy(b, secrets=["set"])])
    assert [p["permissions"] for p in replaced] == [{"certificates": ["get"]}, {"keys": ["get"]}, {"secrets": ["set"]}]
    removed = model.update_access_policies(replaced, "remove", [policy(a, certificates=["get"]), policy(b, secrets=["get"])])
    assert [(p["objectId"], p["permissions"]) for p in removed] == [(a, {"keys": ["get"]}), (b, {"secrets": ["set"]})]


def test_put_defaults_follow_the_api_version() -> None:
    props = {"tenantId": TENANT, "sku": SKU}
    new = model.put_properties(props, name="v1", api_version="2026-04-01", existing=None)
    old = model.put_properties(props, name="v1", api_version="2025-05-01", existing=None)
    assert new["enableRbacAuthorization"] is True and old["enableRbacAuthorization"] is False
    assert new["enableSoftDelete"] is True and new["softDeleteRetentionInDays"] == 90
    assert new["publicNetworkAccess"] == "Enabled" and new["accessPolicies"] == []
    assert "enablePurgeProtection" not in new and "networkAcls" not in new
    assert list(new)[:2] == ["sku", "tenantId"] and new["vaultUri"] == "https://v1.vault.azure.net/"


def test_an_existing_vault_keeps_its_irreversible_settings() -> None:
    existing = model.put_properties({"tenantId": TENANT, "sku": SKU, "enablePurgeProtection": True,
                                     "softDeleteRetentionInDays": 14}, name="v", api_version="2025-05-01", existing=None)
    again = model.put_properties({"tenantId": TENANT, "sku": SKU}, name="v", api_version="2026-04-01", existing=existing)
    assert again["enablePurgeProtection"] is True and again["softDeleteRetentionInDays"] == 14
    assert again["enableRbacAuthorization"] is False
    for change in ({"enableSoftDelete": False}, {"enablePurgeProtection": False}, {"softDeleteRetentionInDays": 90}):
        with pytest.raises(KeyVaultBadRequest):
            model.patch_properties(change, name="v", existing=existing)
    assert model.patch_properties({"softDeleteRetentionInDays": 14}, name="v", existing=existing) == existing


def test_patch_changes_only_what_it_names() -> None:
    existing = model.put_properties({"tenantId": TENANT, "sku": SKU, "networkAcls": {"defaultAction": "Deny"}},
                                    name="v", api_version="2025-05-01", existing=None)
    patched = model.patch_properties({"publicNetworkAccess": "DISABLED", "vaultUri": "https://x/"}, name="v", existing=existing)
    assert patched["publicNetworkAccess"] == "Disabled" and patched["networkAcls"]["defaultAction"] == "Deny"
    assert patched["vaultUri"] == "https://v.vault.azure.net/"


def test_required_properties() -> None:
    with pytest.raises(errors.MissingRequiredParameter, match="properties.tenantId"):
        model.put_properties({"sku": SKU}, name="v", api_version="2025-05-01", existing=None)
    with pytest.raises(errors.MissingRequiredParameter, match="properties.sku"):
        model.put_properties({"tenantId": TENANT}, name="v", api_version="2025-05-01", existing=None)
    with pytest.raises(KeyVaultBadRequest, match="GUID"):
        model.put_properties({"tenantId": "contoso.com", "sku": SKU}, name="v", api_version="2025-05-01", existing=None)

"""Secrets through the real azure-keyvault-secrets SDK (and the raw api-version the az CLI sends)."""

from __future__ import annotations

import time

import pytest
import requests
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from tests.clients.keyvaults import make_vault, owner_credential, stored_bytes, vault_url
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    return make_vault(vaultlink, softDeleteRetentionInDays=7)


@pytest.fixture(scope="module")
def client(vaultlink: Running, vault: str) -> SecretClient:
    return SecretClient(vault_url(vault), owner_credential(vaultlink))


def test_set_get_and_versions(client: SecretClient) -> None:
    first = client.set_secret("db-password", "s3cret-1", content_type="text/plain", tags={"env": "dev"})
    assert first.value == "s3cret-1" and first.properties.content_type == "text/plain"
    assert first.properties.enabled is True and first.properties.tags == {"env": "dev"}
    assert first.properties.recovery_level == "CustomizedRecoverable+Purgeable"
    assert first.properties.recoverable_days == 7
    assert len(first.properties.version) == 32
    second = client.set_secret("db-password", "s3cret-2")
    assert client.get_secret("db-password").value == "s3cret-2"
    assert client.get_secret("db-password", first.properties.version).value == "s3cret-1"
    versions = {p.version for p in client.list_properties_of_secret_versions("db-password")}
    assert versions == {first.properties.version, second.properties.version}
    assert first.id.startswith(f"{client.vault_url}/secrets/db-password/")


def test_versions_of_a_name_that_never_existed_is_an_empty_list(client: SecretClient) -> None:
    assert list(client.list_properties_of_secret_versions("never-written")) == []


def test_update_attributes_and_disabled_secret(client: SecretClient) -> None:
    secret = client.set_secret("feature-flag", "on")
    updated = client.update_secret_properties("feature-flag", secret.properties.version, enabled=False,
                                              tags={"owner": "team"}, content_type="flag")
    assert updated.enabled is False and updated.tags == {"owner": "team"} and updated.content_type == "flag"
    with pytest.raises(HttpResponseError) as err:
        client.get_secret("feature-flag")
    assert err.value.status_code == 403 and err.value.error.code == "Forbidden"
    assert "disabled secret" in err.value.message
    client.update_secret_properties("feature-flag", secret.properties.version, enabled=True)
    assert client.get_secret("feature-flag").value == "on"


def test_expired_and_not_yet_valid_secrets_still_read_as_in_azure(client: SecretClient) -> None:
    from datetime import UTC, datetime, timedelta

    past = datetime.now(UTC) - timedelta(days=1)
    client.set_secret("old", "v", expires_on=past)
    got = client.get_secret("old")  # Key Vault returns secrets outside their nbf/exp window; callers decide
    assert got.value == "v" and got.properties.expires_on is not None
    assert abs(got.properties.expires_on.timestamp() - past.timestamp()) < 2


def test_list_pages_through_next_link(client: SecretClient) -> None:
    names = {f"page-{i}" for i in range(7)}
    for n in names:
        client.set_secret(n, "x")
    pages = client.list_properties_of_secrets(max_page_size=3).by_page()
    seen, page_count = set(), 0
    for page in pages:
        page_count += 1
        seen |= {p.name for p in page}
    assert names <= seen and page_count >= 3
    for p in client.list_properties_of_secrets():
        assert p.id and "/secrets/" in p.id and p.version is None


def test_delete_recover_purge(client: SecretClient) -> None:
    client.set_secret("temp", "t1")
    deleted = client.begin_delete_secret("temp").result()
    assert deleted.recovery_id.endswith("/deletedsecrets/temp")
    assert deleted.scheduled_purge_date > deleted.deleted_date
    with pytest.raises(ResourceNotFoundError) as err:
        client.get_secret("temp")
    assert err.value.error.code == "SecretNotFound"
    assert "temp" in [d.name for d in client.list_deleted_secrets()]
    with pytest.raises(ResourceExistsError) as err2:
        client.set_secret("temp", "again")
    assert "deleted but recoverable state" in err2.value.message
    client.begin_recover_deleted_secret("temp").result()
    assert client.get_secret("temp").value == "t1"
    client.begin_delete_secret("temp").result()
    client.purge_deleted_secret("temp")
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_secret("temp")
    assert client.set_secret("temp", "fresh").value == "fresh"


def test_backup_and_restore(client: SecretClient) -> None:
    client.set_secret("portable", "p1")
    client.set_secret("portable", "p2")
    blob = client.backup_secret("portable")
    with pytest.raises(ResourceExistsError):
        client.restore_secret_backup(blob)
    client.begin_delete_secret("portable").result()
    client.purge_deleted_secret("portable")
    restored = client.restore_secret_backup(blob)
    assert restored.name == "portable"
    assert client.get_secret("portable").value == "p2"
    assert len(list(client.list_properties_of_secret_versions("portable"))) == 2
    tampered = bytearray(blob)
    tampered[len(tampered) // 2] ^= 0x55
    with pytest.raises(HttpResponseError) as err:
        client.restore_secret_backup(bytes(tampered))
    assert err.value.status_code == 400


def test_bad_input(client: SecretClient, vaultlink: Running, vault: str) -> None:
    with pytest.raises(HttpResponseError) as err:
        client.set_secret("bad_name", "x")
    assert err.value.status_code == 400 and "invalid name: bad_name" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.set_secret("too-big", "x" * (25 * 1024 + 1))
    assert err.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        client.get_secret("too-big")
    with pytest.raises(ResourceNotFoundError):
        client.get_secret("db-password", "0" * 32)


def test_raw_rest_with_the_cli_api_version(vaultlink: Running, vault: str, client: SecretClient) -> None:
    client.set_secret("for-az", "cli-value")
    token = owner_credential(vaultlink).get_token("https://vault.azure.net/.default").token
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy}
    s.verify = vaultlink.ca
    r = s.get(f"{vault_url(vault)}/secrets/for-az/?api-version=7.4", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["value"] == "cli-value"
    assert r.headers["x-ms-keyvault-network-info"].startswith("conn_type=Ipv4;addr=")
    challenge = s.get(f"{vault_url(vault)}/secrets/for-az?api-version=7.4")
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"] == (
        f'Bearer authorization="https://login.microsoftonline.com/{vaultlink.credentials["tenantId"]}", '
        'resource="https://vault.azure.net"')
    no_version = s.get(f"{vault_url(vault)}/secrets/for-az", headers={"Authorization": f"Bearer {token}"})
    assert no_version.status_code == 400 and no_version.json()["error"]["code"] == "BadParameter"
    bad_version = s.get(f"{vault_url(vault)}/secrets/for-az?api-version=9.9", headers={"Authorization": f"Bearer {token}"})
    assert bad_version.status_code == 400 and "not recognized" in bad_version.json()["error"]["message"]
    arm_token = owner_credential(vaultlink).get_token("https://management.core.windows.net//.default").token
    wrong_aud = s.get(f"{vault_url(vault)}/secrets/for-az?api-version=7.4", headers={"Authorization": f"Bearer {arm_token}"})
    assert wrong_aud.status_code == 401 and "AKV10022" in wrong_aud.json()["error"]["message"]
    malformed = s.put(f"{vault_url(vault)}/secrets/x?api-version=7.4", data=b"{not json",
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "BadParameter"


def test_access_policy_refusal(vaultlink: Running) -> None:
    name = make_vault(vaultlink, policies=[])
    with pytest.raises(HttpResponseError) as err:
        SecretClient(vault_url(name), owner_credential(vaultlink)).get_secret("anything")
    assert err.value.status_code == 403 and err.value.error.code == "Forbidden"
    assert "does not have secrets get permission" in err.value.message


def test_rbac_vault_needs_data_roles(vaultlink: Running) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient

    name = make_vault(vaultlink, rbac=True)
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    with pytest.raises(HttpResponseError) as err:
        client.set_secret("x", "y")  # Owner manages the vault but reads and writes no data
    assert err.value.status_code == 403 and "ForbiddenByRbac" in str(err.value.response.json())
    c = vaultlink.credentials
    vault_id = f"/subscriptions/{c['subscriptionId']}/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/{name}"
    auth = AuthorizationManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    import uuid
    auth.role_assignments.create(vault_id, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{c['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "principal_id": c["servicePrincipal"]["objectId"]})
    assert client.set_secret("x", "y").value == "y"


def test_token_from_another_tenant_is_refused(vaultlink: Running, vault: str) -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "vaultlink", "identity", "tenant-create", "other",
                          "--domain", f"other{time.time_ns()}.onmicrosoft.com", "--data-dir", str(vaultlink.data_dir)],
                         check=True, capture_output=True, text=True).stdout
    tenant = json.loads(out)["tenant"]["tenantId"]
    sp = json.loads(subprocess.run([sys.executable, "-m", "vaultlink", "identity", "sp-create", "outsider", "--tenant", tenant,
                                    "--data-dir", str(vaultlink.data_dir)], check=True, capture_output=True, text=True).stdout)
    cred = ClientSecretCredential(tenant, sp["appId"], sp["secret"])
    token = cred.get_token("https://vault.azure.net/.default").token
    r = requests.get(f"{vault_url(vault)}/secrets/x?api-version=7.6", headers={"Authorization": f"Bearer {token}"},
                     proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["message"].startswith("AKV10032: Invalid issuer. Expected one of https://sts.windows.net/")


def test_unknown_vault_does_not_resolve(vaultlink: Running) -> None:
    with pytest.raises(ServiceRequestError):
        SecretClient(vault_url("nosuchvault123"), owner_credential(vaultlink), retry_total=0).get_secret("x")


def test_values_are_encrypted_at_rest_and_never_logged(vaultlink: Running, client: SecretClient) -> None:
    marker = "plaintext-marker-7f3a9c"
    client.set_secret("at-rest", marker)
    assert client.get_secret("at-rest").value == marker
    stored = stored_bytes(vaultlink)
    assert b"at-rest" in stored  # the store was read: the secret's name is there, its value is not
    assert marker.encode() not in stored
    assert marker not in vaultlink.log.read_text()


def test_a_deleted_vaults_host_stops_answering(vaultlink: Running) -> None:
    from azure.mgmt.keyvault import KeyVaultManagementClient

    name = make_vault(vaultlink)
    client = SecretClient(vault_url(name), owner_credential(vaultlink), retry_total=0)
    client.set_secret("soon-gone", "v")
    KeyVaultManagementClient(owner_credential(vaultlink), vaultlink.credentials["subscriptionId"]).vaults.delete(
        "rg-data", name)
    with pytest.raises((ResourceNotFoundError, ServiceRequestError)):
        client.get_secret("soon-gone")  # a connection opened while the vault existed is answered once, then closed
    with pytest.raises(ServiceRequestError) as err:
        client.get_secret("soon-gone")
    assert "does not resolve" in str(err.value)

"""A certificate's soft delete, recovery, purge and backup (its key and secret go along), the vault's
contacts and issuers, raw REST with the az CLI's api-version, and the refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.certificates import (
    AdministratorContact,
    CertificateClient,
    CertificateContact,
    CertificatePolicy,
)
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    return make_vault(vaultlink, softDeleteRetentionInDays=9)


@pytest.fixture(scope="module")
def certs(vaultlink: Running, vault: str) -> CertificateClient:
    return CertificateClient(vault_url(vault), owner_credential(vaultlink))


@pytest.fixture(scope="module")
def secrets(vaultlink: Running, vault: str) -> SecretClient:
    return SecretClient(vault_url(vault), owner_credential(vaultlink))


@pytest.fixture(scope="module")
def keys(vaultlink: Running, vault: str) -> KeyClient:
    return KeyClient(vault_url(vault), owner_credential(vaultlink))


def test_delete_recover_purge_take_the_key_and_secret_along(certs: CertificateClient, secrets: SecretClient,
                                                            keys: KeyClient) -> None:
    cert = certs.begin_create_certificate("doomed", CertificatePolicy.get_default(), tags={"k": "v"}).result()
    deleted = certs.begin_delete_certificate("doomed").result()
    assert deleted.recovery_id == f"{certs.vault_url}/deletedcertificates/doomed"
    assert deleted.scheduled_purge_date - deleted.deleted_on == timedelta(days=9)
    assert deleted.cer == cert.cer and deleted.policy.subject == "CN=DefaultPolicy"
    assert deleted.properties.recoverable_days == 9
    for missing in (lambda: certs.get_certificate("doomed"), lambda: secrets.get_secret("doomed"),
                    lambda: keys.get_key("doomed")):
        with pytest.raises(ResourceNotFoundError):
            missing()
    assert "doomed" in {c.name for c in certs.list_deleted_certificates()}
    deleted_secret = secrets.get_deleted_secret("doomed")
    assert deleted_secret.properties.managed is True
    assert keys.get_deleted_key("doomed").properties.managed is True
    with pytest.raises(HttpResponseError) as err:
        secrets.purge_deleted_secret("doomed")
    assert err.value.status_code == 403 and "managed by Key Vault" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        keys.begin_recover_deleted_key("doomed")
    assert err.value.status_code == 403
    with pytest.raises(ResourceExistsError) as err2:
        certs.begin_create_certificate("doomed", CertificatePolicy.get_default())
    assert "deleted but recoverable state" in err2.value.message

    recovered = certs.begin_recover_deleted_certificate("doomed").result()
    assert recovered.cer == cert.cer and recovered.properties.tags == {"k": "v"}
    assert secrets.get_secret("doomed").properties.key_id == cert.key_id
    assert keys.get_key("doomed").properties.version == cert.properties.version

    certs.begin_delete_certificate("doomed").result()
    certs.purge_deleted_certificate("doomed")
    with pytest.raises(ResourceNotFoundError) as err3:
        certs.get_deleted_certificate("doomed")
    assert err3.value.response.json()["error"] == {"code": "CertificateNotFound",
                                                   "message": "Deleted Certificate not found: doomed"}
    with pytest.raises(ResourceNotFoundError):
        secrets.get_deleted_secret("doomed")
    with pytest.raises(ResourceNotFoundError):
        keys.get_deleted_key("doomed")
    fresh = certs.begin_create_certificate("doomed", CertificatePolicy.get_default()).result()
    assert fresh.cer != cert.cer and len(list(keys.list_properties_of_key_versions("doomed"))) == 1


def test_backup_and_restore(certs: CertificateClient, secrets: SecretClient) -> None:
    cert = certs.begin_create_certificate("carried", CertificatePolicy.get_default()).result()
    value = secrets.get_secret("carried").value
    blob = certs.backup_certificate("carried")
    with pytest.raises(ResourceExistsError):
        certs.restore_certificate_backup(blob)
    certs.begin_delete_certificate("carried").result()
    certs.purge_deleted_certificate("carried")
    restored = certs.restore_certificate_backup(blob)
    assert restored.cer == cert.cer and restored.policy.subject == "CN=DefaultPolicy"
    assert secrets.get_secret("carried").value == value
    with pytest.raises(HttpResponseError) as err:
        certs.restore_certificate_backup(b"not a backup")
    assert err.value.status_code == 400


def test_contacts(certs: CertificateClient) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        certs.get_contacts()
    assert err.value.response.json()["error"]["code"] == "ContactsNotFound"
    given = [CertificateContact(email="admin@contoso.com", name="Admin", phone="555-0100"),
             CertificateContact(email="ops@contoso.com")]
    saved = certs.set_contacts(given)
    assert [(c.email, c.name, c.phone) for c in saved] == [("admin@contoso.com", "Admin", "555-0100"),
                                                           ("ops@contoso.com", None, None)]
    assert [c.email for c in certs.get_contacts()] == ["admin@contoso.com", "ops@contoso.com"]
    assert len(certs.delete_contacts()) == 2
    with pytest.raises(ResourceNotFoundError):
        certs.get_contacts()
    with pytest.raises(HttpResponseError) as err2:
        certs.set_contacts([CertificateContact(email="not-an-address")])
    assert err2.value.status_code == 400


def test_issuers(certs: CertificateClient) -> None:
    admin = AdministratorContact(first_name="Jane", last_name="Doe", email="jane@contoso.com", phone="555-0101")
    issuer = certs.create_issuer("digicert", "DigiCert", account_id="acct-1", password="pw", organization_id="org-9",
                                 admin_contacts=[admin])
    assert issuer.id == f"{certs.vault_url}/certificates/issuers/digicert" and issuer.provider == "DigiCert"
    assert issuer.account_id == "acct-1" and issuer.password is None  # the password never comes back
    assert issuer.organization_id == "org-9" and issuer.admin_contacts[0].email == "jane@contoso.com"
    assert issuer.enabled is True
    updated = certs.update_issuer("digicert", enabled=False, account_id="acct-2")
    assert updated.enabled is False and updated.account_id == "acct-2" and updated.provider == "DigiCert"
    assert certs.get_issuer("digicert").account_id == "acct-2"
    certs.create_issuer("globalsign", "GlobalSign")
    assert {(i.name, i.provider) for i in certs.list_properties_of_issuers()} == {
        ("digicert", "DigiCert"), ("globalsign", "GlobalSign")}
    assert certs.delete_issuer("globalsign").provider == "GlobalSign"
    with pytest.raises(ResourceNotFoundError):
        certs.get_issuer("globalsign")
    with pytest.raises(HttpResponseError) as err:
        certs.create_issuer("Self", "DigiCert")
    assert err.value.status_code == 400 and "reserved" in err.value.message


def raw(vaultlink: Running) -> requests.Session:
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy}
    s.verify = vaultlink.ca
    token = owner_credential(vaultlink).get_token("https://vault.azure.net/.default").token
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def test_raw_rest_with_the_cli_api_version(vaultlink: Running, vault: str) -> None:
    s = raw(vaultlink)
    base = vault_url(vault)
    policy = {"key_props": {"kty": "RSA", "key_size": 2048}, "secret_props": {"contentType": "application/x-pkcs12"},
              "x509_props": {"subject": "CN=cli.contoso.com", "sans": {"dns_names": ["cli.contoso.com"]}},
              "issuer": {"name": "Self"}}
    r = s.post(f"{base}/certificates/cli-cert/create?api-version=7.4", json={"policy": policy})
    assert r.status_code == 202, r.text
    body = r.json()
    assert list(body) == ["id", "issuer", "csr", "cancellation_requested", "status", "status_details", "request_id"]
    assert body["id"] == f"{base}/certificates/cli-cert/pending" and body["status"] == "inProgress"
    assert body["issuer"] == {"name": "Self"} and body["cancellation_requested"] is False and len(body["request_id"]) == 32
    done = s.get(f"{base}/certificates/cli-cert/pending?api-version=7.4").json()
    assert done["status"] == "completed" and done["target"] == f"{base}/certificates/cli-cert"
    assert "status_details" not in done
    cert = s.get(f"{base}/certificates/cli-cert/?api-version=7.4").json()
    assert list(cert) == ["id", "kid", "sid", "x5t", "cer", "attributes", "policy"]
    stored = cert["policy"]
    assert stored["id"] == f"{base}/certificates/cli-cert/policy"
    assert stored["key_props"] == {"exportable": True, "kty": "RSA", "key_size": 2048, "reuse_key": False}
    assert stored["x509_props"] == {"subject": "CN=cli.contoso.com", "sans": {"dns_names": ["cli.contoso.com"]},
                                    "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                                    "key_usage": ["digitalSignature", "keyEncipherment"], "validity_months": 12,
                                    "basic_constraints": {"ca": False}}
    assert stored["lifetime_actions"] == [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}]
    assert set(stored["attributes"]) == {"enabled", "created", "updated"}
    patched = s.patch(f"{base}/certificates/cli-cert/policy?api-version=7.4",
                      json={"x509_props": {"validity_months": 6}}).json()
    assert patched["x509_props"]["validity_months"] == 6 and patched["x509_props"]["subject"] == "CN=cli.contoso.com"
    listed = s.get(f"{base}/certificates?api-version=7.4&includePending=true").json()
    assert {"id": f"{base}/certificates/cli-cert", "x5t": cert["x5t"]}.items() <= next(
        i for i in listed["value"] if i["id"].endswith("/cli-cert")).items()
    secret = s.get(f"{base}/secrets/cli-cert/?api-version=7.4").json()
    assert secret["kid"] == cert["kid"] and secret["managed"] is True
    assert s.delete(f"{base}/certificates/contacts?api-version=7.4").status_code == 404


def test_bad_input(vaultlink: Running, vault: str) -> None:
    s = raw(vaultlink)
    base = vault_url(vault)
    cases = [
        ("bad_name", {"policy": {"x509_props": {"subject": "CN=x"}, "issuer": {"name": "Self"}}}, "invalid name"),
        ("no-policy", {}, "policy ('policy') is required"),
        ("no-subject", {"policy": {"issuer": {"name": "Self"}}}, "must have a subject or at least one"),
        ("bad-subject", {"policy": {"x509_props": {"subject": "not a dn"}, "issuer": {"name": "Self"}}},
         "not a valid X.500 distinguished name"),
        ("bad-type", {"policy": {"x509_props": {"subject": "CN=x"}, "secret_props": {"contentType": "text/plain"},
                                 "issuer": {"name": "Self"}}}, "content type 'text/plain' is not supported"),
        ("bad-size", {"policy": {"x509_props": {"subject": "CN=x"}, "key_props": {"kty": "RSA", "key_size": 1024},
                                 "issuer": {"name": "Self"}}}, "key size '1024' is not supported"),
        ("bad-usage", {"policy": {"x509_props": {"subject": "CN=x", "key_usage": ["everything"]},
                                  "issuer": {"name": "Self"}}}, "key usage 'everything' is not valid"),
        ("bad-eku", {"policy": {"x509_props": {"subject": "CN=x", "ekus": ["serverAuth"]}, "issuer": {"name": "Self"}}},
         "not an object identifier"),
        ("bad-action", {"policy": {"x509_props": {"subject": "CN=x"}, "issuer": {"name": "Self"},
                                   "lifetime_actions": [{"trigger": {"lifetime_percentage": 100},
                                                         "action": {"action_type": "AutoRenew"}}]}},
         "'lifetime_percentage' value '100' is not valid"),
    ]
    for name, body, message in cases:
        r = s.post(f"{base}/certificates/{name}/create?api-version=7.4", json=body)
        assert r.status_code == 400, (name, r.text)
        assert r.json()["error"]["code"] == "BadParameter" and message in r.json()["error"]["message"], r.text
        assert s.get(f"{base}/certificates/{name}?api-version=7.4").status_code in (400, 404)
    assert s.post(f"{base}/certificates/x/create?api-version=7.4", data=b"[1,2",
                  headers={"Content-Type": "application/json"}).status_code == 400
    r = s.post(f"{base}/certificates/x/import?api-version=7.4", json={"value": "!!!"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadParameter"
    r = s.post(f"{base}/certificates/x/pending/merge?api-version=7.4", json={"x5c": ["AAAA"]})
    assert r.status_code == 400


def test_permissions(vaultlink: Running) -> None:
    c = vaultlink.credentials
    policy = {"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
              "permissions": {"certificates": ["get", "list", "create", "manageissuers"]}}
    name = make_vault(vaultlink, policies=[policy])
    client = CertificateClient(vault_url(name), owner_credential(vaultlink))
    client.begin_create_certificate("allowed", CertificatePolicy.get_default()).result()
    assert client.create_issuer("implied", "DigiCert").provider == "DigiCert"  # manageissuers grants setissuers
    with pytest.raises(HttpResponseError) as err:
        client.begin_delete_certificate("allowed")
    assert err.value.status_code == 403 and "does not have certificates delete permission" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.get_contacts()
    assert "does not have certificates managecontacts permission" in err.value.message

    from azure.mgmt.authorization import AuthorizationManagementClient

    rbac = make_vault(vaultlink, rbac=True)
    client = CertificateClient(vault_url(rbac), owner_credential(vaultlink))
    with pytest.raises(HttpResponseError) as err:
        client.begin_create_certificate("x", CertificatePolicy.get_default())
    assert "'Microsoft.KeyVault/vaults/certificates/create/action'" in err.value.message
    scope = f"/subscriptions/{c['subscriptionId']}/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/{rbac}"
    officer = "a4417e6f-fecd-4de8-b567-7b0420556985"  # Key Vault Certificates Officer
    AuthorizationManagementClient(owner_credential(vaultlink), c["subscriptionId"]).role_assignments.create(
        scope, str(uuid.uuid4()), {"role_definition_id": f"/subscriptions/{c['subscriptionId']}/providers/"
                                   f"Microsoft.Authorization/roleDefinitions/{officer}",
                                   "principal_id": c["servicePrincipal"]["objectId"]})
    assert client.begin_create_certificate("x", CertificatePolicy.get_default()).result().name == "x"
    assert client.set_contacts([CertificateContact(email="a@b.com")])[0].email == "a@b.com"


@pytest.mark.postgres
def test_keys_and_certificates_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.postgres import throwaway_database
    from tests.vaultlink_process import start

    with throwaway_database() as url:
        running = start(tmp_path / "data", "--store", url)
        try:
            for name, value in running.env_exports().items():
                monkeypatch.setenv(name, value)
            vault = make_vault(running, softDeleteRetentionInDays=7)
            credential = owner_credential(running)
            keys = KeyClient(vault_url(vault), credential)
            key = keys.create_ec_key("pg-key", curve="P-521")
            rotated = keys.rotate_key("pg-key")
            assert rotated.key.x != key.key.x and len(list(keys.list_properties_of_key_versions("pg-key"))) == 2
            certs = CertificateClient(vault_url(vault), credential)
            cert = certs.begin_create_certificate("pg-cert", CertificatePolicy.get_default()).result()
            certs.begin_delete_certificate("pg-cert").result()
            assert certs.begin_recover_deleted_certificate("pg-cert").result().cer == cert.cer
            assert SecretClient(vault_url(vault), credential).get_secret("pg-cert").properties.managed is True
            certs.begin_delete_certificate("pg-cert").result()
            certs.purge_deleted_certificate("pg-cert")
            with pytest.raises(ResourceNotFoundError):
                keys.get_deleted_key("pg-cert")
        finally:
            running.stop()

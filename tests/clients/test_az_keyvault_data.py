"""Secrets, keys and certificates with the real az CLI (its own data-plane api-versions), in a vault that
authorizes with access policies, which `az keyvault create` fills in for the signed-in service principal
after looking it up in Microsoft Graph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

VAULT = "kv-az-data"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", "rg-data", "-l", "westeurope")
    return az


@pytest.fixture(scope="module")
def vault(az: Az, running: Running) -> dict[str, Any]:
    created: dict[str, Any] = az("keyvault", "create", "-n", VAULT, "-g", "rg-data", "-l", "westeurope",
                                 "--enable-rbac-authorization", "false")
    return created


def test_create_with_access_policies_finds_the_caller_in_graph(vault: dict[str, Any], running: Running) -> None:
    props = vault["properties"]
    assert props["enableRbacAuthorization"] is False and props["vaultUri"] == f"https://{VAULT}.vault.azure.net/"
    [policy] = props["accessPolicies"]
    assert policy["objectId"] == running.credentials["servicePrincipal"]["objectId"]
    assert policy["tenantId"] == running.credentials["tenantId"]
    assert policy["permissions"]["secrets"] == ["all"] and policy["permissions"]["keys"] == ["all"]


def test_secret_list_delete_recover_purge(az: Az, vault: dict[str, Any]) -> None:
    v = ("--vault-name", VAULT)
    first = az("keyvault", "secret", "set", *v, "--name", "alpha", "--value", "one", "--content-type", "text/plain")
    assert first["value"] == "one" and first["contentType"] == "text/plain"
    assert first["attributes"]["recoveryLevel"] == "Recoverable+Purgeable"
    az("keyvault", "secret", "set", *v, "--name", "beta", "--value", "two")
    listed = az("keyvault", "secret", "list", *v)
    assert sorted(s["name"] for s in listed) == ["alpha", "beta"]
    assert all("value" not in s for s in listed)
    assert {s["id"] for s in listed} == {f"https://{VAULT}.vault.azure.net/secrets/{n}" for n in ("alpha", "beta")}

    deleted = az("keyvault", "secret", "delete", *v, "--name", "alpha")
    assert deleted["recoveryId"] == f"https://{VAULT}.vault.azure.net/deletedsecrets/alpha"
    assert deleted["scheduledPurgeDate"] and deleted["deletedDate"]
    assert [s["name"] for s in az("keyvault", "secret", "list-deleted", *v)] == ["alpha"]
    gone = az.fails("keyvault", "secret", "show", *v, "--name", "alpha")
    assert gone.stderr.startswith("ERROR: (SecretNotFound) A secret with (name/id) alpha was not found in this key vault.")
    recovered = az("keyvault", "secret", "recover", *v, "--name", "alpha")
    assert recovered["id"] == first["id"]
    assert az("keyvault", "secret", "show", *v, "--name", "alpha")["value"] == "one"

    az("keyvault", "secret", "delete", *v, "--name", "beta")
    assert az("keyvault", "secret", "purge", *v, "--name", "beta") is None
    assert az("keyvault", "secret", "list-deleted", *v) == []
    assert [s["name"] for s in az("keyvault", "secret", "list", *v)] == ["alpha"]


def test_key_create_and_list(az: Az, vault: dict[str, Any]) -> None:
    v = ("--vault-name", VAULT)
    rsa = az("keyvault", "key", "create", *v, "--name", "rsa-key")
    assert rsa["key"]["kty"] == "RSA" and rsa["key"]["e"] == "AQAB" and rsa["key"]["n"]
    assert rsa["key"]["kid"].startswith(f"https://{VAULT}.vault.azure.net/keys/rsa-key/")
    ec = az("keyvault", "key", "create", *v, "--name", "ec-key", "--kty", "EC", "--curve", "P-256", "--ops", "sign",
            "verify")
    assert ec["key"]["kty"] == "EC" and ec["key"]["crv"] == "P-256" and ec["key"]["keyOps"] == ["sign", "verify"]
    listed = az("keyvault", "key", "list", *v)
    assert sorted(k["name"] for k in listed) == ["ec-key", "rsa-key"]
    assert {k["kid"] for k in listed} == {f"https://{VAULT}.vault.azure.net/keys/{n}" for n in ("ec-key", "rsa-key")}
    assert az("keyvault", "key", "show", *v, "--name", "ec-key")["key"]["kid"] == ec["key"]["kid"]
    az("keyvault", "key", "set-attributes", *v, "--name", "ec-key", "--enabled", "false")
    disabled = az("keyvault", "key", "show", *v, "--name", "ec-key")
    assert disabled["attributes"]["enabled"] is False and disabled["key"]["kid"] == ec["key"]["kid"]
    assert az("keyvault", "key", "list-versions", *v, "--name", "never-created") == []


def test_certificate_create_and_show(az: Az, vault: dict[str, Any]) -> None:
    v = ("--vault-name", VAULT)
    policy = az("keyvault", "certificate", "get-default-policy")
    policy["x509CertificateProperties"]["subject"] = "CN=seed.example.com"
    created = az("keyvault", "certificate", "create", *v, "--name", "web", "--policy", json.dumps(policy))
    assert created["status"] == "completed" and created["target"] == f"https://{VAULT}.vault.azure.net/certificates/web"
    shown = az("keyvault", "certificate", "show", *v, "--name", "web")
    assert shown["policy"]["x509CertificateProperties"]["subject"] == "CN=seed.example.com"
    assert shown["policy"]["issuerParameters"]["name"] == "Self" and shown["cer"]
    assert len(shown["x509ThumbprintHex"]) == 40
    version = shown["id"].rsplit("/", 1)[1]
    assert shown["kid"] == f"https://{VAULT}.vault.azure.net/keys/web/{version}"
    assert shown["sid"] == f"https://{VAULT}.vault.azure.net/secrets/web/{version}"
    assert [c["name"] for c in az("keyvault", "certificate", "list", *v)] == ["web"]
    # The certificate's secret is its PKCS#12 bundle.
    secret = az("keyvault", "secret", "show", *v, "--name", "web")
    assert secret["contentType"] == "application/x-pkcs12" and secret["managed"] is True


def test_certificate_import_of_a_century_and_versions_of_no_name(az: Az, vault: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "century.example.com")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(datetime(2021, 8, 6, tzinfo=UTC))
            .not_valid_after(datetime(2121, 7, 13, tzinfo=UTC)).sign(key, hashes.SHA256()))
    pem = tmp_path / "century.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    v = ("--vault-name", VAULT)
    imported = az("keyvault", "certificate", "import", *v, "--name", "century", "--file", str(pem))
    assert imported["policy"]["x509CertificateProperties"]["validityInMonths"] == 1200
    assert az("keyvault", "certificate", "list-versions", *v, "--name", "never-issued") == []
    assert az("keyvault", "secret", "list-versions", *v, "--name", "never-set") == []


def test_key_created_exportable_with_a_release_policy_is_released(az: Az, vault: dict[str, Any],
                                                                 running: Running) -> None:
    provider = "https://azdata.weu.attest.azure.net"
    policy = {"version": "1.0.0", "anyOf": [{"authority": provider, "allOf": [{"claim": "sdk-test", "equals": True}]}]}
    v = ("--vault-name", VAULT)
    key = az("keyvault", "key", "create", *v, "--name", "released", "--kty", "RSA-HSM", "--exportable", "true",
             "--policy", json.dumps(policy))
    assert key["attributes"]["exportable"] is True and key["releasePolicy"]["immutable"] is False
    web = requests.Session()
    web.trust_env = False  # the machine's own CA bundle in the environment would override vaultlink's
    web.proxies, web.verify = {"https": running.proxy}, running.ca
    target = web.get(f"{provider}/generate-test-token", timeout=30).json()["token"]
    bearer = az("account", "get-access-token", "--resource", "https://vault.azure.net")["accessToken"]
    answer = web.post(f"{key['key']['kid']}/release?api-version=7.6", json={"target": target, "enc":
                      "RSA_AES_KEY_WRAP_256"}, headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    payload = jwt.decode(answer.json()["value"], options={"verify_signature": False})
    assert payload["response"]["key"]["key"]["kid"] == key["key"]["kid"] and payload["response"]["key"]["key"]["key_hsm"]

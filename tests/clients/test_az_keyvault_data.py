"""Secrets, keys and certificates with the real az CLI (its own data-plane api-versions), in a vault that
authorizes with access policies, which `az keyvault create` fills in for the signed-in service principal
after looking it up in Microsoft Graph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
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

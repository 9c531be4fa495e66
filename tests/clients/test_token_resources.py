"""The token endpoint mints tokens only for the services vaultlink runs: any other resource or scope gets
Entra's AADSTS500011 (400 invalid_resource), through the real azure-identity credentials and raw requests."""

from __future__ import annotations

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, ManagedIdentityCredential
from tests.vaultlink_process import Running

FOREIGN = [
    "https://vault.azure.net.evil.com",
    "https://management.azure.com.evil.com/",
    "https://evil.com/https://vault.azure.net",
    "https://storage.azure.com",
    "api://00000000-0000-0000-0000-000000000001",
]


def credential(vaultlink: Running) -> ClientSecretCredential:
    c = vaultlink.credentials
    return ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"])


@pytest.mark.parametrize("resource", FOREIGN)
def test_a_resource_no_service_owns_gets_aadsts500011(vaultlink: Running, resource: str) -> None:
    with pytest.raises(ClientAuthenticationError) as refused:
        credential(vaultlink).get_token(resource.rstrip("/") + "/.default")
    assert "AADSTS500011" in str(refused.value)
    assert f"The resource principal named {resource.rstrip('/')}" in str(refused.value)


def test_the_v1_endpoint_refuses_it_in_entras_shape(vaultlink: Running) -> None:
    c = vaultlink.credentials
    r = requests.post(
        f"https://login.microsoftonline.com/{c['tenantId']}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": c["servicePrincipal"]["appId"],
              "client_secret": c["servicePrincipal"]["secret"], "resource": "https://vault.azure.net.evil.com"},
        proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10,
    )
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_resource" and body["error_codes"] == [500011]
    assert body["error_description"].startswith(
        "AADSTS500011: The resource principal named https://vault.azure.net.evil.com was not found in the tenant "
        "named ")


def test_managed_identity_refuses_it_too(vaultlink: Running) -> None:
    with pytest.raises(ClientAuthenticationError) as refused:
        ManagedIdentityCredential().get_token("https://vault.azure.net.evil.com/.default")
    assert "AADSTS500011" in str(refused.value)


@pytest.mark.parametrize(("scope", "audience"), [
    ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),
    ("https://management.azure.com/.default", "https://management.azure.com"),
    ("https://vault.azure.net/.default", "https://vault.azure.net"),
    ("HTTPS://Vault.Azure.Net/.default", "https://vault.azure.net"),
    ("https://vault.azure.net/user_impersonation", "https://vault.azure.net"),
    ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
])
def test_the_services_vaultlink_runs_still_get_tokens(vaultlink: Running, scope: str, audience: str) -> None:
    token = credential(vaultlink).get_token(scope).token
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == audience

"""Sign-in paths and token checks, through the real azure-identity credentials and real HTTP requests."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import (
    ClientSecretCredential,
    DeviceCodeCredential,
    ManagedIdentityCredential,
    UsernamePasswordCredential,
)
from azure.mgmt.resource.resources import ResourceManagementClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.vaultlink_process import Running, start

ARM_SCOPE = "https://management.core.windows.net//.default"
CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


class FixedToken:
    """A credential that hands out a token the test made."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self.token, int(time.time()) + 3600)


def arm_get(vaultlink: Running, token: str | None, path: str = "/resourcegroups") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    sub = vaultlink.credentials["subscriptionId"]
    return requests.get(
        f"https://management.azure.com/subscriptions/{sub}{path}?api-version=2025-04-01",
        headers=headers, proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10,
    )


def claims_for(vaultlink: Running, **overrides: Any) -> dict[str, Any]:
    creds = vaultlink.credentials
    now = int(time.time())
    claims = {
        "aud": "https://management.core.windows.net/", "iss": f"https://sts.windows.net/{creds['tenantId']}/",
        "iat": now, "nbf": now - 60, "exp": now + 600, "tid": creds["tenantId"],
        "oid": creds["servicePrincipal"]["objectId"], "appid": creds["servicePrincipal"]["appId"],
    }
    claims.update(overrides)
    return claims


def server_key(vaultlink: Running) -> Any:
    """The server's own signing key, read the way the server reads it (to make tokens only it could sign)."""
    from vaultlink.identity import bootstrap
    from vaultlink.store import open_store

    store = open_store(str(vaultlink.state["store"]))
    try:
        pem = bootstrap.signing_key(store, bootstrap.open_sealer(store, vaultlink.data_dir)).to_pem()
    finally:
        store.close()
    return serialization.load_pem_private_key(pem, None)


def test_user_password_sign_in(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = UsernamePasswordCredential(
        CLI_CLIENT_ID, creds["user"]["userPrincipalName"], creds["user"]["password"], tenant_id=creds["tenantId"]
    )
    token = cred.get_token(ARM_SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["upn"] == creds["user"]["userPrincipalName"] and claims["tid"] == creds["tenantId"]
    client = ResourceManagementClient(cred, creds["subscriptionId"])
    assert isinstance(list(client.resource_groups.list()), list)


def test_wrong_password_is_refused(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = UsernamePasswordCredential(
        CLI_CLIENT_ID, creds["user"]["userPrincipalName"], "not-the-password", tenant_id=creds["tenantId"]
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS50126"):
        cred.get_token(ARM_SCOPE)


def test_device_code_sign_in(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    prompts: list[str] = []
    cred = DeviceCodeCredential(
        client_id=CLI_CLIENT_ID, tenant_id=creds["tenantId"], prompt_callback=lambda uri, code, exp: prompts.append(code)
    )
    token = cred.get_token(ARM_SCOPE)
    assert prompts, "the device-code prompt was shown"
    assert jwt.decode(token.token, options={"verify_signature": False})["tid"] == creds["tenantId"]


def test_managed_identity_sign_in(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = ManagedIdentityCredential()
    token = cred.get_token(ARM_SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["appid"] == creds["managedIdentity"]["clientId"]
    client = ResourceManagementClient(cred, creds["subscriptionId"])
    assert isinstance(list(client.resource_groups.list()), list)


def test_wrong_client_secret_gets_aadsts_error(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], "wrong-secret")
    with pytest.raises(ClientAuthenticationError) as err:
        cred.get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(err.value)


def test_unknown_tenant_gets_aadsts_error(vaultlink: Running) -> None:
    unknown = "11111111-2222-3333-4444-555555555555"
    cred = ClientSecretCredential(unknown, vaultlink.credentials["servicePrincipal"]["appId"], "x")
    with pytest.raises(ClientAuthenticationError, match="Unable to get authority configuration"):
        cred.get_token(ARM_SCOPE)  # MSAL's own words, as against Azure: the discovery document was refused
    r = requests.get(f"https://login.microsoftonline.com/{unknown}/v2.0/.well-known/openid-configuration",
                     proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10)
    assert r.status_code == 400 and r.json()["error_codes"] == [90002]
    assert f"Tenant '{unknown}' not found" in r.json()["error_description"]


def test_missing_token(vaultlink: Running) -> None:
    r = arm_get(vaultlink, None)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AuthenticationFailed"


def test_forged_token_is_refused(vaultlink: Running) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims_for(vaultlink), other_key, algorithm="RS256")
    r = arm_get(vaultlink, forged)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"

    unsigned = jwt.encode(claims_for(vaultlink), None, algorithm="none")
    r = arm_get(vaultlink, unsigned)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"

    client = ResourceManagementClient(FixedToken(forged), vaultlink.credentials["subscriptionId"])  # type: ignore[arg-type]
    with pytest.raises((HttpResponseError, ClientAuthenticationError)) as err:
        client.resource_groups.create_or_update("rg-forged", {"location": "eastus"})
    assert "InvalidAuthenticationToken" in str(err.value)
    real = ClientSecretCredential(
        vaultlink.credentials["tenantId"], vaultlink.credentials["servicePrincipal"]["appId"],
        vaultlink.credentials["servicePrincipal"]["secret"],
    )
    assert ResourceManagementClient(real, vaultlink.credentials["subscriptionId"]).resource_groups.check_existence("rg-forged") is False


def test_expired_token_is_refused(vaultlink: Running) -> None:
    past = int(time.time()) - 7200
    expired = jwt.encode(claims_for(vaultlink, iat=past, nbf=past, exp=past + 60), server_key(vaultlink), algorithm="RS256")
    r = arm_get(vaultlink, expired)
    assert r.status_code == 401 and r.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_wrong_audience_is_refused(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    vault_token = cred.get_token("https://vault.azure.net/.default").token
    r = arm_get(vaultlink, vault_token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


def test_wrong_issuer_is_refused(vaultlink: Running) -> None:
    token = jwt.encode(claims_for(vaultlink, iss="https://sts.windows.net/someone-else/"), server_key(vaultlink), algorithm="RS256")
    r = arm_get(vaultlink, token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_token_of_another_tenant_is_refused_for_the_subscription(vaultlink: Running) -> None:
    other_tenant = "99999999-8888-7777-6666-555555555555"
    token = jwt.encode(
        claims_for(vaultlink, tid=other_tenant, iss=f"https://sts.windows.net/{other_tenant}/"),
        server_key(vaultlink), algorithm="RS256",
    )
    r = arm_get(vaultlink, token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationTokenTenant"


def test_state_and_tokens_survive_a_restart(fresh_vaultlink: Running) -> None:
    creds = fresh_vaultlink.credentials
    proxies = {"https": fresh_vaultlink.proxy}
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
                                  proxies=proxies, connection_verify=fresh_vaultlink.ca)
    token = cred.get_token(ARM_SCOPE).token
    url = f"https://management.azure.com/subscriptions/{creds['subscriptionId']}/resourcegroups/rg-kept?api-version=2025-04-01"
    put = requests.put(url, json={"location": "eastus"}, headers={"Authorization": f"Bearer {token}"},
                       proxies=proxies, verify=fresh_vaultlink.ca, timeout=10)
    assert put.status_code == 201
    fresh_vaultlink.stop()

    again = start(fresh_vaultlink.data_dir)
    try:
        assert again.credentials == creds
        got = requests.get(url, headers={"Authorization": f"Bearer {token}"}, proxies={"https": again.proxy},
                           verify=again.ca, timeout=10)
        assert got.status_code == 200, got.text
        assert got.json()["name"] == "rg-kept"
    finally:
        again.stop()

"""Bodies nested thousands of levels deep, sent by a real HTTP client through the proxy: every plane answers
its own 400 invalid-request error (never a 500 from the parser's recursion), and writes nothing."""

from __future__ import annotations

import pytest
import requests
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running

DEEP = 5000
ARM_API = "api-version=2025-04-01"


def nested(levels: int) -> bytes:
    return b'{"location": "eastus", "tags": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.fixture(scope="module")
def http(vaultlink: Running) -> requests.Session:
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy, "http": vaultlink.proxy}
    s.verify = vaultlink.ca
    return s


def bearer(vaultlink: Running, scope: str) -> dict[str, str]:
    token = owner_credential(vaultlink).get_token(scope).token
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.mark.parametrize("levels", [65, DEEP, 200_000])
def test_arm_refuses_deep_nesting_with_invalid_request_content(
    vaultlink: Running, http: requests.Session, levels: int
) -> None:
    sub = vaultlink.credentials["subscriptionId"]
    url = f"https://management.azure.com/subscriptions/{sub}/resourcegroups/rg-deep-{levels}?{ARM_API}"
    headers = bearer(vaultlink, "https://management.core.windows.net//.default")
    r = http.put(url, data=nested(levels), headers=headers)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "InvalidRequestContent"
    assert error["message"].startswith("The request content was invalid and could not be deserialized: ")
    assert "MaxDepth of 64" in error["message"]
    assert http.get(url, headers=headers).status_code == 404


def test_arm_accepts_what_is_within_the_bound(vaultlink: Running, http: requests.Session) -> None:
    sub = vaultlink.credentials["subscriptionId"]
    url = f"https://management.azure.com/subscriptions/{sub}/resourcegroups/rg-deep-ok?{ARM_API}"
    headers = bearer(vaultlink, "https://management.core.windows.net//.default")
    # 64 levels in all, the string full of brackets not counted
    body = b'{"location": "eastus", "tags": {"a": "' + b"[" * 200 + b'"}, "x": ' + b"[" * 62 + b"]" * 62 + b"}"
    r = http.put(url, data=body, headers=headers)
    assert r.status_code in (200, 201), r.text


def test_data_plane_refuses_deep_nesting_with_bad_parameter(vaultlink: Running, http: requests.Session) -> None:
    name = make_vault(vaultlink)
    headers = bearer(vaultlink, "https://vault.azure.net/.default")
    url = f"{vault_url(name)}/secrets/deep?api-version=7.5"
    for body in (b'{"value": ' + b"[" * DEEP + b"]" * DEEP + b"}", b"{" * DEEP):
        r = http.put(url, data=body, headers=headers)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "BadParameter"
        assert "MaxDepth of 64" in r.json()["error"]["message"]
    # key creation reads the body twice (its throttling class, then the key): both bounded
    r = http.post(f"{vault_url(name)}/keys/deep/create?api-version=7.5", data=b"[" * DEEP, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadParameter"
    assert http.get(url, headers=headers).status_code == 404


def test_graph_refuses_deep_nesting_with_bad_request(vaultlink: Running, http: requests.Session) -> None:
    headers = bearer(vaultlink, "https://graph.microsoft.com/.default")
    r = http.post("https://graph.microsoft.com/v1.0/applications", data=b"[" * DEEP, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequest"

"""The vault's network rules seen from the internet, through the real SDKs: public access disabled, the
firewall's default action, IP rules, and the decision recorded for a refusal."""

from __future__ import annotations

import json
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running

INTERNET_ADDRESS = "203.0.113.50"


def update_vault(running: Running, name: str, properties: dict[str, object]) -> None:
    c = running.credentials
    KeyVaultManagementClient(owner_credential(running), c["subscriptionId"]).vaults.update(
        "rg-data", name, {"properties": properties})


def test_public_access_disabled_refuses_with_forbidden_by_connection(vaultlink: Running) -> None:
    name = make_vault(vaultlink)
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    client.set_secret("reachable", "yes")
    update_vault(vaultlink, name, {"publicNetworkAccess": "Disabled"})
    with pytest.raises(HttpResponseError) as err:
        client.get_secret("reachable")
    assert err.value.status_code == 403
    body = err.value.response.json()
    assert body["error"]["code"] == "Forbidden" and body["error"]["innererror"]["code"] == "ForbiddenByConnection"
    assert body["error"]["message"].startswith(
        "Public network access is disabled and request is not from a trusted service nor via an approved private link.")
    assert f"Vault: {name};location=eastus" in body["error"]["message"]

    request_id = err.value.response.headers["x-ms-request-id"]
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{vaultlink.proxy}/vaultlink/decisions/{request_id}", timeout=5) as r:
        decision = json.loads(r.read())
    assert decision["admission"]["allowed"] is False
    assert decision["admission"]["rule"] == "publicNetworkAccess"
    assert decision["landing"]["kind"] == "public"

    import subprocess
    import sys

    why = subprocess.run([sys.executable, "-m", "vaultlink", "why", request_id, "--data-dir", str(vaultlink.data_dir)],
                         capture_output=True, text=True, timeout=30, check=False)
    assert why.returncode == 0, why.stderr
    assert f"to vault {name} from the internet (203.0.113.50)" in why.stdout
    assert "rule:    publicNetworkAccess: refused (ForbiddenByConnection)" in why.stdout
    assert "landed:  public at 198.51.100." in why.stdout
    unknown = subprocess.run([sys.executable, "-m", "vaultlink", "why", "nope", "--data-dir", str(vaultlink.data_dir)],
                             capture_output=True, text=True, timeout=30, check=False)
    assert unknown.returncode == 1 and "no decision is recorded" in unknown.stderr


def test_firewall_default_deny_and_ip_rules(vaultlink: Running) -> None:
    name = make_vault(vaultlink)
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    client.set_secret("guarded", "v")
    update_vault(vaultlink, name, {"networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [{"value": "192.0.2.0/24"}]}})
    with pytest.raises(HttpResponseError) as err:
        client.get_secret("guarded")
    body = err.value.response.json()["error"]
    assert body["innererror"]["code"] == "ForbiddenByFirewall"
    assert f"Client address: {INTERNET_ADDRESS}" in body["message"]
    update_vault(vaultlink, name, {"networkAcls": {"defaultAction": "Deny", "bypass": "None",
                                                   "ipRules": [{"value": INTERNET_ADDRESS}]}})
    assert client.get_secret("guarded").value == "v"

"""The decision log through the real SDK and `vaultlink why`: a refusal by RBAC or by an access policy names
what was missing, and the recent decisions outlive a restart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running

from vaultlink.diagnose.decisions import FLUSH_SECONDS


def refused_request_id(call: Any) -> tuple[str, dict[str, Any]]:
    with pytest.raises(HttpResponseError) as err:
        call()
    assert err.value.status_code == 403
    return err.value.response.headers["x-ms-request-id"], err.value.response.json()["error"]


def decision(running: Running, request_id: str) -> dict[str, Any]:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{running.proxy}/vaultlink/decisions/{request_id}", timeout=5) as r:
        found: dict[str, Any] = json.loads(r.read())
    return found


def why(running: Running, request_id: str) -> str:
    done = subprocess.run([sys.executable, "-m", "vaultlink", "why", request_id, "--data-dir", str(running.data_dir)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_rbac_refusal_names_the_missing_role(vaultlink: Running) -> None:
    name = make_vault(vaultlink, rbac=True)
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    request_id, error = refused_request_id(lambda: client.set_secret("x", "y"))
    assert error["innererror"]["code"] == "ForbiddenByRbac"
    found = decision(vaultlink, request_id)
    assert found["admission"]["allowed"] is True  # the network let it in; RBAC refused it
    assert found["authorization"]["allowed"] is False
    assert found["authorization"]["model"] == "rbac"
    assert found["authorization"]["action"] == "Microsoft.KeyVault/vaults/secrets/setSecret/action"
    assert found["authorization"]["missing"] == "Key Vault Secrets Officer"
    text = why(vaultlink, request_id)
    assert "rule:    networkAcls.defaultAction: admitted" in text
    assert "access:  RBAC: refused, Microsoft.KeyVault/vaults/secrets/setSecret/action" in text
    assert "missing: the role 'Key Vault Secrets Officer'" in text


def test_an_access_policy_refusal_names_the_missing_permission(vaultlink: Running) -> None:
    c = vaultlink.credentials
    name = make_vault(vaultlink, policies=[{"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
                                            "permissions": {"secrets": ["get"]}}])
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    request_id, error = refused_request_id(lambda: client.set_secret("x", "y"))
    assert error["innererror"]["code"] == "AccessDenied"
    assert decision(vaultlink, request_id)["authorization"]["missing"] == "secrets set"
    assert "missing: the permission 'secrets set'" in why(vaultlink, request_id)


def test_an_admitted_request_records_the_grant(vaultlink: Running) -> None:
    name = make_vault(vaultlink)
    client = SecretClient(vault_url(name), owner_credential(vaultlink))
    client.set_secret("seen", "v")
    seen: list[str] = []
    client.get_secret("seen", raw_response_hook=lambda r: seen.append(r.http_response.headers["x-ms-request-id"]))
    found = decision(vaultlink, seen[0])
    assert found["authorization"] == {"allowed": True, "model": "accessPolicy", "action": "secrets get",
                                      "scope": found["authorization"]["scope"], "reason": "an access policy grants secrets get",
                                      "missing": None}


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill-after-a-flush"])
def test_recent_decisions_outlive_a_restart(fresh_vaultlink: Running, kill: bool) -> None:
    running = fresh_vaultlink
    c = running.credentials
    kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
    cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    ResourceManagementClient(cred, c["subscriptionId"], **kw).resource_groups.create_or_update(
        "rg-why", {"location": "eastus"})
    name = f"kvwhy{uuid.uuid4().hex[:12]}"  # the SDK remembers each vault's challenge: one name per server
    KeyVaultManagementClient(cred, c["subscriptionId"], **kw).vaults.begin_create_or_update("rg-why", name, {
        "location": "eastus", "properties": {"tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"},
                                             "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled"}}).result()
    client = SecretClient(f"https://{name}.vault.azure.net", cred, retry_total=0, **kw)
    request_id, error = refused_request_id(lambda: client.get_secret("x"))
    assert error["innererror"]["code"] == "ForbiddenByConnection"
    before = decision(running, request_id)
    assert before["authorization"] is None  # the network rules refused before anyone asked RBAC
    if kill:  # a kill -9 keeps what the last periodic flush wrote
        time.sleep(FLUSH_SECONDS + 1.5)
    running.restart(kill=kill)
    assert decision(running, request_id) == before
    text = why(running, request_id)
    assert "rule:    publicNetworkAccess: refused (ForbiddenByConnection)" in text
    assert "access:  not reached" in text

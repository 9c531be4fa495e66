"""Control-plane authorization: what a principal may do follows its role assignments."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from tests.vaultlink_process import Running


def vaultlink_cli(running: Running, *args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "vaultlink", "identity", *args, "--data-dir", str(running.data_dir)],
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_principal_without_a_role_is_refused(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    sp = vaultlink_cli(vaultlink, "sp-create", "no-roles", "--tenant", creds["tenantId"])
    cred = ClientSecretCredential(creds["tenantId"], str(sp["appId"]), str(sp["secret"]))
    assert list(SubscriptionClient(cred).subscriptions.list()) == []  # as az login says: no subscriptions found
    client = ResourceManagementClient(cred, creds["subscriptionId"])
    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.create_or_update("rg-denied", {"location": "eastus"})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in err.value.error.message
    assert str(sp["objectId"]) in err.value.error.message


def test_reader_reads_but_does_not_write(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    sp = vaultlink_cli(vaultlink, "sp-create", "reader", "--tenant", creds["tenantId"])
    vaultlink_cli(vaultlink, "role-assign", "--assignee", str(sp["appId"]), "--role", "Reader",
                  "--scope", f"/subscriptions/{creds['subscriptionId']}")
    cred = ClientSecretCredential(creds["tenantId"], str(sp["appId"]), str(sp["secret"]))
    assert [s.subscription_id for s in SubscriptionClient(cred).subscriptions.list()] == [creds["subscriptionId"]]
    client = ResourceManagementClient(cred, creds["subscriptionId"])
    assert isinstance(list(client.resource_groups.list()), list)
    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.create_or_update("rg-reader", {"location": "eastus"})
    assert err.value.error.code == "AuthorizationFailed"
    with pytest.raises(HttpResponseError) as err:
        client.providers.register("Microsoft.KeyVault")
    assert err.value.error.code == "AuthorizationFailed" and "Microsoft.KeyVault/register/action" in err.value.error.message

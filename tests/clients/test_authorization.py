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


def test_role_assignments_through_the_authorization_sdk(vaultlink: Running) -> None:
    import uuid

    from azure.mgmt.authorization import AuthorizationManagementClient

    creds = vaultlink.credentials
    owner = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    auth = AuthorizationManagementClient(owner, creds["subscriptionId"])
    sub_scope = f"/subscriptions/{creds['subscriptionId']}"

    defs = list(auth.role_definitions.list(sub_scope, filter="roleName eq 'Key Vault Secrets User'"))
    assert [d.role_name for d in defs] == ["Key Vault Secrets User"]
    assert defs[0].name == "4633458b-17de-408a-b874-0445c86b69e6"
    assert "Microsoft.KeyVault/vaults/secrets/getSecret/action" in defs[0].permissions[0].data_actions

    sp = vaultlink_cli(vaultlink, "sp-create", "assignee", "--tenant", creds["tenantId"])
    ResourceManagementClient(owner, creds["subscriptionId"]).resource_groups.create_or_update("rg-rbac", {"location": "eastus"})
    group_scope = f"{sub_scope}/resourceGroups/rg-rbac"
    contributor = f"{sub_scope}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
    name = str(uuid.uuid4())
    created = auth.role_assignments.create(group_scope, name, {
        "role_definition_id": contributor, "principal_id": str(sp["objectId"]), "principal_type": "ServicePrincipal"})
    assert created.scope.lower() == group_scope.lower() and created.principal_id == sp["objectId"]

    # the new assignee can now write in that group, and only there
    cred = ClientSecretCredential(creds["tenantId"], str(sp["appId"]), str(sp["secret"]))
    rm = ResourceManagementClient(cred, creds["subscriptionId"])
    assert rm.resource_groups.update("rg-rbac", {"tags": {"by": "contributor"}}).tags == {"by": "contributor"}
    with pytest.raises(HttpResponseError) as err:
        rm.resource_groups.create_or_update("rg-elsewhere", {"location": "eastus"})
    assert err.value.error.code == "AuthorizationFailed"

    listed = list(auth.role_assignments.list_for_scope(group_scope, filter=f"principalId eq '{sp['objectId']}'"))
    assert [a.name for a in listed] == [name]
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group_scope, str(uuid.uuid4()), {
            "role_definition_id": contributor, "principal_id": str(sp["objectId"])})
    assert err.value.status_code == 409 and err.value.error.code == "RoleAssignmentExists"
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group_scope, str(uuid.uuid4()), {
            "role_definition_id": contributor, "principal_id": "00000000-0000-0000-0000-000000000001"})
    assert err.value.error.code == "PrincipalNotFound"

    auth.role_assignments.delete(group_scope, name)
    with pytest.raises(HttpResponseError) as err:
        rm.resource_groups.update("rg-rbac", {"tags": {"by": "nobody"}})
    assert err.value.error.code == "AuthorizationFailed"

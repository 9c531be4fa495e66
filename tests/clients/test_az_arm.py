"""What az reads besides the seed's own resources: Graph lookups, the /resources filters, the managed HSM lists
beside the vault lists, provider registration, role assignments by app id, the private link resources, and the
CLI's own version check, answered locally."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

GROUP, VAULT = "rg-arm", "kv-az-arm"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", GROUP, "-l", "eastus")
    az("keyvault", "create", "-n", VAULT, "-g", GROUP, "-l", "eastus")
    return az


def test_graph_service_principal_by_app_id(az: Az, running: Running) -> None:
    sp = running.credentials["servicePrincipal"]
    shown = az("ad", "sp", "show", "--id", sp["appId"])
    assert shown["id"] == sp["objectId"] and shown["appId"] == sp["appId"]
    assert shown["servicePrincipalType"] == "Application"
    assert az("ad", "sp", "show", "--id", sp["objectId"])["appId"] == sp["appId"]
    missing = az.fails("ad", "sp", "show", "--id", "00000000-0000-0000-0000-000000000009")
    assert missing.stderr.startswith("ERROR: Resource '00000000-0000-0000-0000-000000000009' does not exist")


def test_signed_in_user_is_for_users_only(az: Az) -> None:
    failed = az.fails("ad", "signed-in-user", "show")
    assert failed.stderr.startswith("ERROR: /me request is only valid with delegated authentication flow.")


def test_role_assignment_by_app_id(az: Az, running: Running) -> None:
    sp = running.credentials["servicePrincipal"]
    scope = az_support.arm_id(running, GROUP, f"Microsoft.KeyVault/vaults/{VAULT}")
    made = az("role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee", sp["appId"],
              "--scope", scope)
    assert made["principalId"] == sp["objectId"] and made["principalType"] == "ServicePrincipal"
    assert made["roleDefinitionId"].endswith("/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
    listed = az("role", "assignment", "list", "--assignee", sp["appId"], "--scope", scope)
    assert [a["roleDefinitionName"] for a in listed] == ["Key Vault Secrets User"]


def test_vault_by_name_alone_through_the_resources_filter(az: Az, running: Running) -> None:
    shown = az("keyvault", "show", "-n", VAULT)
    assert shown["id"] == az_support.arm_id(running, GROUP, f"Microsoft.KeyVault/vaults/{VAULT}")
    assert shown["properties"]["vaultUri"] == f"https://{VAULT}.vault.azure.net/"
    assert [r["name"] for r in az("resource", "list", "--resource-type", "Microsoft.KeyVault/vaults")] == [VAULT]
    assert [r["type"] for r in az("resource", "list", "-g", GROUP)] == ["Microsoft.KeyVault/vaults"]
    assert az("resource", "show", "--ids", shown["id"])["name"] == VAULT


def test_vault_lists_beside_the_managed_hsm_lists(az: Az) -> None:
    assert [v["name"] for v in az("keyvault", "list")] == [VAULT]
    assert [v["name"] for v in az("keyvault", "list", "-g", GROUP)] == [VAULT]
    assert az("keyvault", "list", "--resource-type", "hsm") == []
    az("keyvault", "create", "-n", "kv-az-gone", "-g", GROUP, "-l", "eastus")
    az("keyvault", "delete", "-n", "kv-az-gone")
    [deleted] = az("keyvault", "list-deleted")
    assert deleted["name"] == "kv-az-gone" and deleted["properties"]["location"] == "eastus"
    az("keyvault", "purge", "-n", "kv-az-gone")
    assert az("keyvault", "list-deleted") == []


def test_provider_registration(az: Az) -> None:
    az("provider", "register", "-n", "Microsoft.KeyVault", "--wait")
    shown = az("provider", "show", "-n", "Microsoft.KeyVault")
    assert shown["registrationState"] == "Registered" and shown["namespace"] == "Microsoft.KeyVault"
    assert "vaults" in [t["resourceType"] for t in shown["resourceTypes"]]


def test_private_link_resources(az: Az, running: Running) -> None:
    [resource] = az("keyvault", "private-link-resource", "list", "--vault-name", VAULT)
    assert resource["groupId"] == "vault" and resource["requiredMembers"] == ["default"]
    assert resource["requiredZoneNames"] == ["privatelink.vaultcore.azure.net"]
    vault_id = az_support.arm_id(running, GROUP, f"Microsoft.KeyVault/vaults/{VAULT}")
    [listed] = az("network", "private-link-resource", "list", "--id", vault_id)
    assert listed["properties"]["groupId"] == "vault"


def test_the_version_check_is_answered_locally(az: Az) -> None:
    """`az --version` asks azcliprod.blob.core.windows.net for the latest release; vaultlink answers it (404)
    itself, so az says it cannot tell, at once, and nothing leaves the machine."""
    result = az.run("--version")
    assert result.returncode == 0 and "azure-cli" in result.stdout
    assert "Unable to check if your CLI is up-to-date." in result.stderr


def test_resources_by_tag(az: Az) -> None:
    """az resource list --tag sends tagName eq 'k' and tagValue eq 'v'; ARM leaves the tags out of that listing."""
    az("keyvault", "create", "-n", "kv-az-tagged", "-g", GROUP, "-l", "eastus", "--tags", "team=blue")
    try:
        [by_value] = az("resource", "list", "--tag", "team=blue")
        assert by_value["name"] == "kv-az-tagged" and by_value["tags"] is None
        [by_name] = az("resource", "list", "--tag", "team")
        assert by_name["name"] == "kv-az-tagged" and by_name["tags"] == {"team": "blue"}
        assert az("resource", "list", "--tag", "team=green") == []
    finally:
        az("keyvault", "delete", "-n", "kv-az-tagged")
        az("keyvault", "purge", "-n", "kv-az-tagged")

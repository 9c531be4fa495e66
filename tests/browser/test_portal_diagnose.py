"""A vault's "Diagnose and solve problems" page in a real browser: the same checks `vaultlink diagnose` runs,
from the location chosen on the page, with the first failure's explanation and az fix; after the fix (made with
the SDK), the page says every check passes and a real SecretClient from the internet reads the secret."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.mgmt.keyvault import KeyVaultManagementClient
from playwright.sync_api import expect

from tests.browser.support import open_portal, shot
from tests.browser.test_portal_new_vault import secret_client
from tests.clients.keyvaults import make_vault, owner_credential
from tests.vaultlink_process import Running

GROUP = "rg-data"


def test_the_diagnose_page_names_the_firewall_and_passes_after_its_fix(vaultlink: Running, browser: Any) -> None:
    c = vaultlink.credentials
    policies = [{"tenantId": c["tenantId"], "objectId": who["objectId"], "permissions": {"secrets": ["get", "set"]}}
                for who in (c["servicePrincipal"], c["user"])]
    vault = make_vault(vaultlink, policies=policies, publicNetworkAccess="Enabled",
                       networkAcls={"defaultAction": "Deny", "bypass": "AzureServices"})
    client = secret_client(vaultlink, vault, vaultlink.proxy)
    try:
        client.get_secret("app")
        raise AssertionError("the firewall let the internet in")
    except HttpResponseError as e:
        assert e.status_code == 403 and e.error is not None and e.error.code == "Forbidden"
    vault_id = f"/subscriptions/{c['subscriptionId']}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{vault}"
    page = open_portal(browser, vaultlink)
    page.goto(f"{vaultlink.status()['portal'].rstrip('/')}/resource{vault_id}/diagnose")
    page.get_by_label("Client location").select_option("internet")
    page.get_by_role("button", name="Run the checks").click()
    checks = page.get_by_role("table", name="Checks")
    expect(checks.locator("tr[data-check=firewall] .verdict")).to_have_text("fail")
    expect(checks.locator("tr[data-check=connection] .verdict")).to_have_text("not applicable")
    expect(checks.locator("tr[data-check=permission] .verdict")).to_have_text("pass")
    expect(page.locator("#fix")).to_contain_text(f"az keyvault network-rule add -g {GROUP} -n {vault} "
                                                  "--ip-address 203.0.113.50")
    expect(page.locator("#outcome")).to_have_text("HTTP 403 ForbiddenByFirewall")
    shot(page, "diagnose-firewall")

    kv = KeyVaultManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    found = kv.vaults.get(GROUP, vault)
    kv.vaults.update(GROUP, vault, {"properties": {"networkAcls": {
        "defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "203.0.113.50"}]}}})
    assert found.properties.network_acls.default_action == "Deny"
    page.get_by_role("button", name="Run the checks").click()
    expect(page.locator("#all-pass")).to_contain_text("Every check passes")
    expect(page.locator("#outcome")).to_have_text("HTTP 200")
    shot(page, "diagnose-pass")
    client.set_secret("app", "from the internet")
    assert client.get_secret("app").value == "from the internet"

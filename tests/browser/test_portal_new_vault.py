"""The seed's portal tab, first path: sign in, create the virtual network, then "create a new key vault and
establish a private link connection" in the Create key vault wizard; then a real SecretClient from a machine in
the subnet is admitted over the private endpoint while the internet is refused."""

from __future__ import annotations

import re
import shlex
import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from playwright.sync_api import expect

from tests.browser.support import open_portal, shot, sign_in, vaultlink_cli
from tests.vaultlink_process import Running


def secret_client(running: Running, vault: str, proxy: str) -> SecretClient:
    c = running.credentials
    kw: dict[str, Any] = {"proxies": {"https": proxy}, "connection_verify": running.ca}
    credential = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    return SecretClient(f"https://{vault}.vault.azure.net", credential, retry_total=0, **kw)


def machine_proxy(running: Running, machine: str) -> str:
    out = vaultlink_cli(running, "env", "--vm", machine)
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return shlex.split(exports["HTTPS_PROXY"])[0]


def test_a_wrong_password_or_an_unknown_user_is_refused_on_the_sign_in_page(vaultlink: Running, browser: Any) -> None:
    page = browser.new_context().new_page()
    page.goto(vaultlink.status()["portal"])
    assert "/login.microsoftonline.com/organizations/oauth2/v2.0/authorize?" in page.url
    assert "code_challenge_method=S256" in page.url
    shot(page, "signin")
    sign_in(page, vaultlink.credentials["user"]["userPrincipalName"], "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("AADSTS50126: Error validating credentials due to invalid "
                                                      "username or password.")
    shot(page, "signin-wrong-password")
    sign_in(page, "nobody@vaultlink.onmicrosoft.com", "whatever")
    expect(page.get_by_role("alert")).to_contain_text("AADSTS50034: The user account nobody@vaultlink.onmicrosoft.com "
                                                      "does not exist")
    assert page.get_by_role("heading", name="Azure services").count() == 0


def create_network(page: Any, group: str, vnet: str, prefix: str) -> None:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/create/virtualnetwork")
    page.get_by_label("Resource group", exact=True).select_option("(new)")
    page.get_by_label("New resource group name").fill(group)
    page.get_by_label("Virtual network name").fill(vnet)
    page.get_by_label("Region").select_option("eastus")
    page.get_by_label("IPv4 address space").fill(f"{prefix}.0.0/16")
    page.get_by_label("Subnet name").fill("default")
    page.get_by_label("Subnet address range").fill(f"{prefix}.0.0/24")
    shot(page, "vnet-create")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=re.compile(vnet))).to_be_visible()
    expect(page.get_by_role("table", name="Subnets")).to_contain_text("Disabled")


def test_create_a_key_vault_with_a_private_endpoint(vaultlink: Running, browser: Any) -> None:
    page = open_portal(browser, vaultlink)
    shot(page, "home")
    group, vnet, vault = f"rg-{uuid.uuid4().hex[:6]}", "demo-vnet", f"kv{uuid.uuid4().hex[:10]}"
    create_network(page, group, vnet, "10.1")
    shot(page, "vnet")

    page.get_by_role("searchbox", name="Search resources, services, and docs").fill("key vaults")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Key vaults").first.click()
    page.get_by_role("link", name="+ Create").click()
    page.get_by_label("Resource group", exact=True).select_option(group)
    page.get_by_label("Key vault name").fill("ab")
    expect(page.locator("#name-status")).to_contain_text("The vault name 'ab' is invalid.")
    page.get_by_label("Key vault name").fill(vault)
    expect(page.locator("#name-status")).to_contain_text(f"The name {vault} is available.")
    page.get_by_label("Region").select_option("eastus")
    shot(page, "vault-create-basics")
    page.get_by_role("tab", name="Networking").click()
    page.get_by_role("switch", name="Enable public access").uncheck()
    page.get_by_role("button", name="+ Create a private endpoint").click()
    blade = page.get_by_role("dialog", name="Create private endpoint")
    blade.get_by_label("Location").select_option("eastus")
    blade.get_by_label("Name").fill("demo-pe")
    blade.get_by_label("Virtual network").select_option(label=vnet)
    expect(blade.get_by_role("group", name="Integrate with private DNS zone").get_by_label("Yes")).to_be_checked()
    shot(page, "vault-create-pe-blade")
    blade.get_by_role("button", name="OK").click()
    expect(page.get_by_role("table", name="Private endpoints")).to_contain_text("demo-pe")
    shot(page, "vault-create-networking")
    page.get_by_role("button", name="Review + create").click()
    expect(page.get_by_text("Validation passed")).to_be_visible()
    expect(page.get_by_text("Public network access")).to_be_visible()
    shot(page, "vault-create-review")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("Your deployment is complete")).to_be_visible()
    expect(page.get_by_role("table", name="Deployment details")).to_contain_text("Private DNS zone group of demo-pe")
    shot(page, "deployment")
    page.get_by_role("link", name="Go to resource").click()
    expect(page.get_by_text("Disabled")).to_be_visible()
    page.get_by_role("link", name="Networking").click()
    page.get_by_role("link", name="Private endpoint connections").click()
    table = page.get_by_role("table", name="Private endpoint connections")
    expect(table).to_contain_text("Approved")
    expect(table).to_contain_text("Succeeded")
    shot(page, "vault-connections")
    page.get_by_role("link", name="Topology").click()
    facts = page.get_by_role("list", name="Topology facts")
    expect(facts).to_contain_text("connection Approved")
    expect(facts).to_contain_text(f"private DNS zone privatelink.vaultcore.azure.net is linked to {vnet}; "
                                  f"A {vault} -> 10.1.0.4")
    shot(page, "topology")

    # The judge: a real SecretClient from a machine in the subnet, and from the internet.
    sub = vaultlink.credentials["subscriptionId"]
    vaultlink_cli(vaultlink, "identity", "role-assign", "--assignee", vaultlink.credentials["servicePrincipal"]["appId"],
                  "--role", "Key Vault Secrets Officer", "--scope",
                  f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{vault}")
    vaultlink_cli(vaultlink, "vm", "create", "app-vm", "-g", group, "--vnet", vnet, "--subnet", "default")
    inside = secret_client(vaultlink, vault, machine_proxy(vaultlink, "app-vm"))
    inside.set_secret("db-password", "s3cret")
    assert inside.get_secret("db-password").value == "s3cret"
    with pytest.raises(HttpResponseError) as refused:
        secret_client(vaultlink, vault, vaultlink.proxy).get_secret("db-password")
    assert refused.value.status_code == 403
    assert refused.value.response.json()["error"]["innererror"]["code"] == "ForbiddenByConnection"

    # The resolve tool asks the same resolution: private inside, public outside.
    page.goto(vaultlink.status()["portal"] + "resolve")
    page.get_by_label("Resolve from").select_option(label="machine app-vm")
    page.get_by_label("Name", exact=True).fill(f"{vault}.vault.azure.net")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("table", name="Records")).to_contain_text("10.1.0.4")
    expect(page.get_by_role("list", name="Reasons")).to_contain_text("privatelink.vaultcore.azure.net, linked to")
    shot(page, "resolve-inside")

    page.get_by_label("Resolve from").select_option(label="The internet")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("table", name="Records")).to_contain_text("198.51.100.")
    expect(page.get_by_role("table", name="Records")).not_to_contain_text("10.1.0.4")

    # The machine is drawn in its subnet, and the network lists both interfaces as connected devices.
    rg = f"/subscriptions/{sub}/resourceGroups/{group}"
    page.goto(vaultlink.status()["portal"] + f"resource{rg}/providers/Microsoft.KeyVault/vaults/{vault}/topology")
    expect(page.get_by_role("list", name="Topology facts")).to_contain_text(
        f"machine app-vm (10.1.0.5) is in subnet default of {vnet}")
    page.goto(vaultlink.status()["portal"] + f"resource{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/overview")
    devices = page.get_by_role("table", name="Connected devices")
    expect(devices.get_by_role("row").filter(has_text="Private endpoint")).to_contain_text("10.1.0.4")
    expect(devices.get_by_role("row").filter(has_text="Virtual machine")).to_contain_text("10.1.0.5")

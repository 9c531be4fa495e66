"""The seed's portal tab, second path: "establish a private link connection to an existing key vault" with a
manual request, approved and rejected on the vault's Private endpoint connections tab, removed; a Reader's
Approve refused with ARM's AuthorizationFailed; the firewall tab's selected networks judged by real SecretClients;
and the same states after a restart."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from playwright.sync_api import expect

from tests.browser.support import open_portal, shot, vaultlink_cli
from tests.browser.test_portal_new_vault import machine_proxy, secret_client
from tests.clients.keyvaults import make_vault, owner_credential
from tests.vaultlink_process import Running

GROUP = "rg-data"


@pytest.fixture(scope="module")
def network(vaultlink: Running) -> str:
    """A virtual network made with the SDK, in the vaults' group; returns its name."""
    name = f"vnet-{uuid.uuid4().hex[:6]}"
    c = vaultlink.credentials
    make_vault(vaultlink)  # makes the group
    NetworkManagementClient(owner_credential(vaultlink), c["subscriptionId"]).virtual_networks.begin_create_or_update(
        GROUP, name, {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.7.0.0/16"]},
                      "subnets": [{"name": "default", "properties": {"addressPrefix": "10.7.0.0/24"}}]}}).result()
    return name


def vault_id(running: Running, vault: str) -> str:
    return f"/subscriptions/{running.credentials['subscriptionId']}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{vault}"


def request_connection(page: Any, running: Running, vault: str, network: str, endpoint: str) -> None:
    """The wizard from the vault's "+ Create", connecting by resource ID with a request message."""
    page.get_by_role("link", name="+ Create").click()
    page.get_by_label("Resource group", exact=True).select_option(GROUP)
    page.get_by_label("Name", exact=True).fill(endpoint)
    expect(page.get_by_label("Network Interface Name")).to_have_value(f"{endpoint}-nic")
    page.get_by_label("Region").select_option("eastus")
    page.get_by_role("tab", name="Resource").click()
    page.get_by_label("Connect to an Azure resource by resource ID or alias.").check()
    page.get_by_label("Resource ID or alias", exact=True).fill(vault_id(running, vault))
    page.get_by_label("Request message").fill(f"please approve {endpoint}")
    page.get_by_role("tab", name="Virtual Network").click()
    page.get_by_label("Virtual network", exact=True).select_option(label=network)
    shot(page, "endpoint-create-vnet")
    page.get_by_role("button", name="Review + create").click()
    expect(page.get_by_text("Manual approval (request message: please approve")).to_be_visible()
    shot(page, "endpoint-create-review")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("Your deployment is complete")).to_be_visible()


def open_connections(page: Any, vault: str) -> Any:
    page.get_by_role("searchbox", name="Search resources, services, and docs").fill("key vaults")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Key vaults").first.click()
    page.get_by_role("link", name=vault).click()
    page.get_by_role("link", name="Networking").click()
    page.get_by_role("link", name="Private endpoint connections").click()
    return page.get_by_role("table", name="Private endpoint connections")


def row(table: Any, endpoint: str) -> Any:
    return table.get_by_role("row").filter(has=table.page.get_by_role("link", name=endpoint, exact=True))


def act(page: Any, endpoint: str, action: str, description: str) -> None:
    table = page.get_by_role("table", name="Private endpoint connections")
    row(table, endpoint).get_by_role("checkbox").check()
    page.get_by_role("button", name=action, exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Description").fill(description)
    dialog.get_by_role("button", name="Yes").click()


def test_manual_connection_to_an_existing_vault(vaultlink: Running, browser: Any, network: str) -> None:
    vault = make_vault(vaultlink)
    page = open_portal(browser, vaultlink)
    table = open_connections(page, vault)
    expect(table).to_contain_text("No private endpoint connections")
    request_connection(page, vaultlink, vault, network, "pe-first")
    table = open_connections(page, vault)
    expect(row(table, "pe-first")).to_contain_text("Pending")
    shot(page, "vault-connections-pending")

    act(page, "pe-first", "Approve", "approved in the portal")
    expect(page.get_by_role("status").filter(has_text="Approved the private endpoint connection")).to_be_visible()
    table = page.get_by_role("table", name="Private endpoint connections")
    expect(row(table, "pe-first")).to_contain_text("Approved")
    expect(row(table, "pe-first")).to_contain_text("Succeeded")
    expect(row(table, "pe-first")).to_contain_text("approved in the portal")
    shot(page, "vault-connections-approved")
    row(table, "pe-first").get_by_role("link", name="pe-first").click()
    connection = page.get_by_role("table", name="Private link connections")
    expect(connection).to_contain_text("Approved")
    expect(connection).to_contain_text("please approve pe-first")
    expect(page.get_by_role("table", name="DNS configuration")).to_contain_text(f"{vault}.vault.azure.net")
    shot(page, "endpoint")
    page.get_by_role("link", name="pe-first-nic").click()
    expect(page.get_by_text("10.7.0.")).to_be_visible()
    shot(page, "nic")

    # A second request, rejected.
    table = open_connections(page, vault)
    request_connection(page, vaultlink, vault, network, "pe-second")
    table = open_connections(page, vault)
    act(page, "pe-second", "Reject", "not this one")
    table = page.get_by_role("table", name="Private endpoint connections")
    expect(row(table, "pe-second")).to_contain_text("Rejected")
    expect(row(table, "pe-first")).to_contain_text("Approved")

    # Remove makes the consumer's side Disconnected.
    act(page, "pe-first", "Remove", "")
    expect(page.get_by_role("status").filter(has_text="Removed the private endpoint connection")).to_be_visible()
    table = page.get_by_role("table", name="Private endpoint connections")
    expect(row(table, "pe-first")).to_have_count(0)
    page.goto(vaultlink.status()["portal"] + "browse/privateendpoints")
    page.get_by_role("link", name="pe-first", exact=True).click()
    expect(page.get_by_role("table", name="Private link connections")).to_contain_text("Disconnected")

    # After a restart the portal shows the same states (sign in again: sessions live in memory).
    vaultlink.restart()
    page = open_portal(browser, vaultlink)
    table = open_connections(page, vault)
    expect(row(table, "pe-second")).to_contain_text("Rejected")
    page.goto(vaultlink.status()["portal"] + "browse/privateendpoints")
    page.get_by_role("link", name="pe-first", exact=True).click()
    expect(page.get_by_role("table", name="Private link connections")).to_contain_text("Disconnected")


def test_a_reader_cannot_approve(vaultlink: Running, browser: Any, network: str) -> None:
    vault = make_vault(vaultlink)
    owner = open_portal(browser, vaultlink)
    open_connections(owner, vault)
    request_connection(owner, vaultlink, vault, network, "pe-reader")
    upn = f"reader{uuid.uuid4().hex[:6]}@vaultlink.onmicrosoft.com"
    created = vaultlink_cli(vaultlink, "identity", "user-create", upn, "--tenant", vaultlink.credentials["tenantId"])
    vaultlink_cli(vaultlink, "identity", "role-assign", "--assignee", created["objectId"], "--role", "Reader",
                  "--scope", f"/subscriptions/{vaultlink.credentials['subscriptionId']}")
    page = open_portal(browser, vaultlink, {"userPrincipalName": upn, "password": created["password"]})
    table = open_connections(page, vault)
    expect(row(table, "pe-reader")).to_contain_text("Pending")
    act(page, "pe-reader", "Approve", "a reader tries")
    alert = page.get_by_role("alert").filter(has_text="Failed to approve")
    expect(alert).to_contain_text("AuthorizationFailed")
    expect(alert).to_contain_text(re.compile(
        f"does not have authorization to perform action "
        f"'Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action' over scope '{re.escape(vault_id(vaultlink, vault))}"))
    shot(page, "reader-approve-refused")
    expect(row(page.get_by_role("table", name="Private endpoint connections"), "pe-reader")).to_contain_text("Pending")


def test_firewall_selected_networks_with_an_ip_rule(vaultlink: Running, browser: Any, network: str) -> None:
    vault = make_vault(vaultlink)
    vaultlink_cli(vaultlink, "vm", "create", "fw-vm", "-g", GROUP, "--vnet", network, "--subnet", "default")
    internet, machine = secret_client(vaultlink, vault, vaultlink.proxy), secret_client(
        vaultlink, vault, machine_proxy(vaultlink, "fw-vm"))
    internet.set_secret("s", "v")
    page = open_portal(browser, vaultlink)
    open_connections(page, vault)
    page.get_by_role("link", name="Firewalls and virtual networks").click()
    expect(page.get_by_label("Allow public access from all networks")).to_be_checked()
    page.get_by_label("Allow public access from specific virtual networks and IP addresses").check()
    page.get_by_label("IPv4 address or CIDR (one per line)").fill("203.0.113.50")
    expect(page.get_by_label("Allow trusted Microsoft services to bypass this firewall")).to_be_checked()
    shot(page, "vault-firewall")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved the networking settings")).to_be_visible()
    expect(page.get_by_label("IPv4 address or CIDR (one per line)")).to_have_value("203.0.113.50/32")
    assert internet.get_secret("s").value == "v"  # the internet presents 203.0.113.50: the rule admits it
    with pytest.raises(HttpResponseError) as refused:
        machine.get_secret("s")  # the machine reaches the public front end from another address
    assert refused.value.response.json()["error"]["innererror"]["code"] == "ForbiddenByFirewall"
    # Discard undoes an unsaved choice.
    page.get_by_label("Disable public access").check()
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_label("Allow public access from specific virtual networks and IP addresses")).to_be_checked()


def test_search_finds_resources_by_a_part_of_their_name(vaultlink: Running, browser: Any, network: str) -> None:
    vault = make_vault(vaultlink)
    page = open_portal(browser, vaultlink)
    box = page.get_by_role("searchbox", name="Search resources, services, and docs")
    box.fill(vault[4:].upper())  # ARM's substringof ignores case, as names do
    page.keyboard.press("Enter")
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name=vault, exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=network, exact=True)).to_have_count(0)
    page.get_by_role("searchbox", name="Search resources, services, and docs").fill("o'brien")
    page.keyboard.press("Enter")
    expect(page.get_by_text("No resources match.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

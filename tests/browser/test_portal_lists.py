"""Lists stay usable when they are long: the private endpoints list and a network's connected devices show 50
at a time with a Next page link, and reading on shows the rest, each item once."""

from __future__ import annotations

import re
import uuid
from typing import Any

from azure.mgmt.network import NetworkManagementClient
from playwright.sync_api import expect

from tests.browser.support import open_portal
from tests.clients.keyvaults import make_vault, owner_credential
from tests.vaultlink_process import Running

ENDPOINTS = 60


def test_sixty_endpoints_page_in_the_list_and_on_their_network(vaultlink: Running, browser: Any) -> None:
    c = vaultlink.credentials
    network = NetworkManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    vault, tag = make_vault(vaultlink, group="rg-lists"), uuid.uuid4().hex[:6]
    vnet = network.virtual_networks.begin_create_or_update("rg-lists", f"vnet-{tag}", {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.60.0.0/16"]},
                                             "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.60.0.0/24"}}]}}).result()
    vault_id = f"/subscriptions/{c['subscriptionId']}/resourceGroups/rg-lists/providers/Microsoft.KeyVault/vaults/{vault}"
    names = [f"pe{tag}-{i:02d}" for i in range(ENDPOINTS)]
    for name in names:
        network.private_endpoints.begin_create_or_update("rg-lists", name, {
            "location": "eastus", "properties": {"subnet": {"id": vnet.subnets[0].id}, "privateLinkServiceConnections": [
                {"name": name, "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}).result()

    page = open_portal(browser, vaultlink)
    assert listed(page, tag) == names  # every one once, in order

    page.goto(vaultlink.status()["portal"] + f"resource{vnet.id}/overview")
    pager = page.get_by_role("navigation", name="Connected devices pages")
    expect(pager).to_contain_text(f"Devices 1 to 50 of {ENDPOINTS}")
    first = page.get_by_role("table", name="Connected devices").get_by_role("link").all_inner_texts()
    pager.get_by_role("link", name="Next page").click()
    expect(pager).to_contain_text(f"Devices 51 to {ENDPOINTS} of {ENDPOINTS}")
    rest = page.get_by_role("table", name="Connected devices").get_by_role("link").all_inner_texts()
    assert len(first) == 50 and len(rest) == ENDPOINTS - 50 and not set(first) & set(rest)
    addresses = page.get_by_role("table", name="Connected devices").inner_text()
    assert len(re.findall(r"10\.60\.0\.\d+", addresses)) == ENDPOINTS - 50
    pager.get_by_role("link", name="Previous page").click()
    expect(pager).to_contain_text(f"Devices 1 to 50 of {ENDPOINTS}")

    # After a restart the same pages (sign in again: sessions live in memory).
    vaultlink.restart()
    page = open_portal(browser, vaultlink)
    assert listed(page, tag) == names
    page.goto(vaultlink.status()["portal"] + f"resource{vnet.id}/overview")
    expect(page.get_by_role("navigation", name="Connected devices pages")).to_contain_text(
        f"Devices 1 to 50 of {ENDPOINTS}")
    assert page.get_by_role("table", name="Connected devices").get_by_role("link").all_inner_texts() == first


def listed(page: Any, tag: str) -> list[str]:
    """The private endpoints list read page by page through Next page, each page at most 50."""
    page.get_by_role("link", name="Private endpoints").first.click()
    seen: list[str] = []
    while True:
        table = page.get_by_role("table", name="Private endpoints")
        expect(table.get_by_role("row").nth(1)).to_be_visible()
        rows = table.get_by_role("link").all_inner_texts()
        assert len(rows) <= 50
        seen += rows
        following = page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page")
        if following.count() == 0:
            return [n for n in seen if n.startswith(f"pe{tag}")]
        following.click()

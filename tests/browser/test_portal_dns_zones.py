"""Private DNS zones in the portal: create a zone; add, edit and delete an A record set with its TTL; link a
network without and with auto-registration and remove a link. Real dig through the linked network's resolver
and the real SDK judge each step. A zone with more record sets than a page reads on through Next page, and all
of it reads the same after a restart."""

from __future__ import annotations

import time
import uuid
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.privatedns.models import ARecord, RecordSet
from azure.mgmt.resource.resources import ResourceManagementClient
from playwright.sync_api import expect

from tests.browser.support import open_portal, shot, vaultlink_cli
from tests.clients.keyvaults import owner_credential
from tests.clients.seed_support import dig, view_of
from tests.vaultlink_process import Running

GROUP = "rg-zones"


def resolver(running: Running, vnet: str) -> str:
    """The network's resolver, once the server has started it (it reconciles resolvers just after a write)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return view_of(running, vnet)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def record_names(page: Any) -> list[str]:
    return page.get_by_role("table", name="Record sets").locator("tbody tr td:first-child").all_inner_texts()


def saved(page: Any, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_a_zone_its_records_and_its_links(vaultlink: Running, browser: Any) -> None:
    c = vaultlink.credentials
    tag = uuid.uuid4().hex[:6]
    zone, vnet = f"z{tag}.internal", f"vnet-z{tag}"
    network = NetworkManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    dns = PrivateDnsManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    ResourceManagementClient(owner_credential(vaultlink), c["subscriptionId"]).resource_groups.create_or_update(
        GROUP, {"location": "eastus"})
    network.virtual_networks.begin_create_or_update(GROUP, vnet, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.70.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.70.0.0/24"}}]}}).result()
    inside = resolver(vaultlink, vnet)

    page = open_portal(browser, vaultlink)
    page.get_by_role("link", name="Private DNS zones").first.click()
    page.get_by_label("Resource group").select_option(GROUP)
    page.get_by_label("Zone name").fill(zone)
    page.get_by_role("button", name="Create zone").click()
    expect(page.get_by_role("heading", name=zone)).to_be_visible()
    assert dns.private_zones.get(GROUP, zone).name == zone

    # An A record set with its TTL, seen by a network once a link joins the zone to it.
    page.get_by_label("Name", exact=True).fill("app")
    page.get_by_label("TTL (seconds)").fill("300")
    page.get_by_label("IP addresses").fill("10.70.0.10")
    page.get_by_role("button", name="+ Record set").click()
    saved(page, "Saved the record set")
    assert dns.record_sets.get(GROUP, zone, "A", "app").ttl == 300
    # not linked yet: the name is not the internet's (vaultlink refuses names the internet would not know)
    assert dig(inside, f"app.{zone}").split()[0] in ("NXDOMAIN", "REFUSED")
    page.get_by_label("Link name").fill("plain")
    page.get_by_label("Virtual network", exact=True).select_option(label=vnet)
    page.get_by_role("button", name="+ Add").click()
    saved(page, "Added the virtual network link")
    expect(page.get_by_role("table", name="Virtual network links").get_by_role("row").filter(
        has_text="plain")).to_contain_text("Disabled")
    assert dig(inside, f"app.{zone}") == f"NOERROR app.{zone}. 300 IN A 10.70.0.10"

    # Edit: the address and the TTL change in what the network resolves.
    page.get_by_role("link", name="Edit app").click()
    form = page.get_by_role("form", name="Edit record set")
    form.get_by_label("TTL (seconds)").fill("60")
    form.get_by_label("IP addresses").fill("10.70.0.11, 10.70.0.12")
    form.get_by_role("button", name="Save").click()
    saved(page, "Saved the record set")
    shot(page, "dns-zone")
    assert dig(inside, f"app.{zone}") == f"NOERROR app.{zone}. 60 IN A 10.70.0.11 app.{zone}. 60 IN A 10.70.0.12"

    # Auto-registration: a second network's machine registers itself; removing the first link unlinks its network.
    other = f"vnet-r{tag}"
    network.virtual_networks.begin_create_or_update(GROUP, other, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.71.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.71.0.0/24"}}]}}).result()
    page.reload()
    page.get_by_label("Link name").fill("registering")
    page.get_by_label("Virtual network", exact=True).select_option(label=other)
    page.get_by_label("Enable auto registration").check()
    page.get_by_role("button", name="+ Add").click()
    saved(page, "Added the virtual network link")
    vaultlink_cli(vaultlink, "vm", "create", f"m{tag}", "-g", GROUP, "--vnet", other, "--subnet", "default")
    page.reload()
    expect(page.get_by_role("table", name="Record sets").get_by_role("row").filter(has_text=f"m{tag}")).to_contain_text(
        "Yes")
    page.get_by_role("button", name="Remove plain").click()
    saved(page, "Removed the virtual network link")
    assert dig(inside, f"app.{zone}").split()[0] in ("NXDOMAIN", "REFUSED")
    assert dig(resolver(vaultlink, other), f"app.{zone}").startswith("NOERROR")

    # Delete the record set.
    page.get_by_role("button", name="Delete app").click()
    saved(page, "Deleted the record set")
    try:
        dns.record_sets.get(GROUP, zone, "A", "app")
        raise AssertionError("the record set is still there")
    except ResourceNotFoundError:
        pass

    # More record sets than a page: Next page shows the rest, each once; First page goes back.
    for i in range(60):
        dns.record_sets.create_or_update(GROUP, zone, "A", f"r{i:02d}", RecordSet(
            ttl=10, a_records=[ARecord(ipv4_address=f"10.70.1.{i}")]))
    page.reload()
    first = record_names(page)
    pager = page.get_by_role("navigation", name="Record sets pages")
    pager.get_by_role("link", name="Next page").click()
    rest = record_names(page)
    every = {r.name for r in dns.record_sets.list(GROUP, zone)}
    assert len(first) == 50 and not set(first) & set(rest) and set(first) | set(rest) == every
    page.get_by_role("navigation", name="Record sets pages").get_by_role("link", name="First page").click()
    assert record_names(page) == first

    # After a restart (sign in again: sessions live in memory) the zone reads the same.
    vaultlink.restart()
    page = open_portal(browser, vaultlink)
    page.goto(vaultlink.status()["portal"] + f"resource{dns.private_zones.get(GROUP, zone).id}/overview")
    assert record_names(page) == first
    expect(page.get_by_role("table", name="Virtual network links").get_by_role("row").filter(
        has_text="registering")).to_contain_text("Enabled")
    assert dig(resolver(vaultlink, other), f"r07.{zone}") == f"NOERROR r07.{zone}. 10 IN A 10.70.1.7"

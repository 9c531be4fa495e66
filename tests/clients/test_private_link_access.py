"""The heart of the seed, through the real SDKs from machines inside and outside the network: where a name
resolves from each place, where the connection lands, and whether the vault admits it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from azure.core.exceptions import ServiceRequestError
from tests.clients.seed_support import RG, ZONE, Site, build_seed, forbidden, observe, same_after_restarts
from tests.vaultlink_process import start


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = start(tmp_path_factory.mktemp("heart") / "data")
    try:
        yield build_seed(running)
    finally:
        running.stop()


def test_approved_endpoint_admits_the_linked_network(site: Site) -> None:
    assert site.inside("inside-vm").get_secret("inside").value == "only from the network"
    assert "ForbiddenByConnection" == forbidden(site.internet())["innererror"]["code"]


def test_unlinked_network_gets_the_public_answer_and_is_refused(site: Site) -> None:
    body = forbidden(site.inside("outside-vm"))  # the troubleshooting guide's symptom
    assert body["innererror"]["code"] == "ForbiddenByConnection"
    assert body["message"].startswith("Public network access is disabled")


def test_pending_approved_and_rejected_endpoints(site: Site) -> None:
    manual = site.network.private_endpoints.get(RG, "pe-manual")
    address = manual.custom_dns_configs[0].ip_addresses[0] if hasattr(manual, "custom_dns_configs") else \
        manual.properties.custom_dns_configs[0].ip_addresses[0]
    site.record(address)  # the zone now points at the manual endpoint, whose connection is Pending
    try:
        body = forbidden(site.inside("inside-vm"))
        assert body["innererror"]["code"] == "ForbiddenByConnection" and "Pending" in body["message"]
        site.set_state("pe-manual", "Approved")
        assert site.inside("inside-vm").get_secret("inside").value == "only from the network"
        site.set_state("pe-manual", "Rejected")
        body = forbidden(site.inside("inside-vm"))
        assert "Rejected" in body["message"]
        site.set_state("pe-manual", "Approved")  # Key Vault approves a rejected connection again
        assert site.inside("inside-vm").get_secret("inside").value == "only from the network"
    finally:
        site.record("10.1.0.4")


def test_a_wrong_a_record_leads_nowhere(site: Site) -> None:
    site.record("10.1.0.99")
    try:
        with pytest.raises(ServiceRequestError) as err:
            site.inside("inside-vm").get_secret("inside")
        assert "timed out" in str(err.value) and "10.1.0.99" in str(err.value)
    finally:
        site.record("10.1.0.4")


def test_removing_the_link_flips_the_answer_back(site: Site) -> None:
    assert site.inside("inside-vm").get_secret("inside").value == "only from the network"
    link = site.dns.virtual_network_links.get(RG, ZONE, "link")
    vnet_id = link.virtual_network.id if hasattr(link, "virtual_network") else link.properties.virtual_network.id
    site.dns.virtual_network_links.begin_delete(RG, ZONE, "link").result()
    try:
        body = forbidden(site.inside("inside-vm"))
        assert body["innererror"]["code"] == "ForbiddenByConnection"
    finally:
        site.dns.virtual_network_links.begin_create_or_update(RG, ZONE, "link", {"location": "global", "properties": {
            "virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}).result()


def test_healthstatus_reports_the_address_the_vault_sees(site: Site) -> None:
    import requests

    url = f"https://{site.vault}.vault.azure.net/healthstatus"
    inside = requests.get(url, proxies={"https": site.proxies["inside-vm"]}, verify=site.running.ca, timeout=10)
    assert inside.status_code == 200
    info = inside.headers["x-ms-keyvault-network-info"]
    assert info.startswith("conn_type=Ipv4;addr=10.1.0.") and info.endswith(";act_addr_fam=InterNetwork;")
    outside = requests.get(url, proxies={"https": site.running.proxy}, verify=site.running.ca, timeout=10)
    assert "addr=203.0.113.50;" in outside.headers["x-ms-keyvault-network-info"]


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")
def test_the_seed_topology_answers_the_same_after_a_restart(site: Site) -> None:
    before = same_after_restarts(site.running, lambda: observe(site))
    assert before["dns-linked"].endswith(f"{site.vault}.privatelink.vaultcore.azure.net. 10 IN A 10.1.0.4")
    assert before["inside"] == "only from the network" and before["internet"] == "ForbiddenByConnection"

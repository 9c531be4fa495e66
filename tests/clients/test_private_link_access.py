"""The heart of the seed, through the real SDKs from machines inside and outside the network: where a name
resolves from each place, where the connection lands, and whether the vault admits it."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.machines_support import inline_vm, vaultlink_cli
from tests.vaultlink_process import Running, start

ZONE = "privatelink.vaultcore.azure.net"
RG = "rg-heart"


@dataclass
class Site:
    running: Running
    vault: str
    vault_id: str
    network: NetworkManagementClient
    dns: PrivateDnsManagementClient
    kv: KeyVaultManagementClient
    proxies: dict[str, str]

    def client_from(self, proxy: str) -> SecretClient:
        c = self.running.credentials
        kw: dict[str, Any] = {"proxies": {"https": proxy}, "connection_verify": self.running.ca}
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        return SecretClient(f"https://{self.vault}.vault.azure.net", cred, retry_total=0, **kw)

    def inside(self, machine: str) -> SecretClient:
        return self.client_from(self.proxies[machine])

    def internet(self) -> SecretClient:
        return self.client_from(self.running.proxy)

    def record(self, address: str) -> None:
        self.dns.record_sets.create_or_update(RG, ZONE, "A", self.vault, {"properties": {
            "ttl": 10, "aRecords": [{"ipv4Address": address}]}})

    def connection(self, endpoint: str) -> Any:
        for pec in self.kv.private_endpoint_connections.list_by_resource(RG, self.vault):
            if pec.properties.private_endpoint.id.endswith(f"/{endpoint}"):
                return pec
        raise AssertionError(endpoint)

    def set_state(self, endpoint: str, status: str) -> None:
        pec = self.connection(endpoint)
        self.kv.private_endpoint_connections.put(RG, self.vault, pec.name, {"properties": {
            "privateLinkServiceConnectionState": {"status": status, "description": f"{status} by the test"}}})


def forbidden(client: SecretClient) -> dict[str, Any]:
    with pytest.raises(HttpResponseError) as err:
        client.get_secret("inside")
    assert err.value.status_code == 403
    body: dict[str, Any] = err.value.response.json()["error"]
    return body


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = start(tmp_path_factory.mktemp("heart") / "data")
    try:
        c = running.credentials
        kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        sub = c["subscriptionId"]
        ResourceManagementClient(cred, sub, **kw).resource_groups.create_or_update(RG, {"location": "eastus"})
        kv = KeyVaultManagementClient(cred, sub, **kw)
        vault = f"heart{uuid.uuid4().hex[:8]}"
        vault_id = kv.vaults.begin_create_or_update(RG, vault, {"location": "eastus", "properties": {
            "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
            "publicNetworkAccess": "Disabled", "accessPolicies": [{"tenantId": c["tenantId"],
            "objectId": c["servicePrincipal"]["objectId"], "permissions": {"secrets": ["get", "set"]}}]}}).result().id
        network = NetworkManagementClient(cred, sub, **kw)
        for name, prefix in (("vnet-linked", "10.1"), ("vnet-unlinked", "10.2")):
            network.virtual_networks.begin_create_or_update(RG, name, {"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": [f"{prefix}.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": f"{prefix}.0.0/24"}}]}}).result()
        dns = PrivateDnsManagementClient(cred, sub, **kw)
        dns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}).result()
        dns.virtual_network_links.begin_create_or_update(RG, ZONE, "link", {"location": "global", "properties": {
            "virtualNetwork": {"id": network.virtual_networks.get(RG, "vnet-linked").id},
            "registrationEnabled": False}}).result()
        linked_subnet = network.subnets.get(RG, "vnet-linked", "default").id
        for name, collection in (("pe-auto", "privateLinkServiceConnections"),
                                 ("pe-manual", "manualPrivateLinkServiceConnections")):
            network.private_endpoints.begin_create_or_update(RG, name, {"location": "eastus", "properties": {
                "subnet": {"id": linked_subnet}, collection: [{"name": f"{name}-c", "properties": {
                    "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}).result()
        compute = ComputeManagementClient(cred, sub, **kw)
        proxies = {}
        for vm, vnet in (("inside-vm", "vnet-linked"), ("outside-vm", "vnet-unlinked")):
            compute.virtual_machines.begin_create_or_update(
                RG, vm, inline_vm(network.subnets.get(RG, vnet, "default").id)).result()
            exports = vaultlink_cli(running, "env", "--vm", vm).stdout
            proxies[vm] = next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                               if line.startswith("export HTTPS_PROXY="))
        site = Site(running, vault, vault_id, network, dns, kv, proxies)
        site.record("10.1.0.4")  # pe-auto's address
        site.inside("inside-vm").set_secret("inside", "only from the network")
        yield site
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


def _dig(resolver: str, name: str) -> str:
    import subprocess

    host, port = resolver.rsplit(":", 1)
    out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer", "+time=2", "+tries=1"],
                         capture_output=True, text=True, timeout=20, check=False).stdout
    return " ".join(out.split())


def _observe(site: Site) -> dict[str, Any]:
    """What a client sees of the seed topology: DNS answers inside and outside, admissions, ARM reads."""
    views = site.running.status()["dnsViews"]
    vnet_key = {key.rsplit("/", 1)[1]: key for key in views}
    name = f"{site.vault}.vault.azure.net"
    manual = site.network.private_endpoints.get(RG, "pe-manual")
    return {
        "resolvers": dict(views),
        "dns-linked": _dig(views[vnet_key["vnet-linked"]], name),
        "dns-unlinked": _dig(views[vnet_key["vnet-unlinked"]], name),
        "dns-internet": _dig(site.running.state["dns"][0], name),
        "inside": site.inside("inside-vm").get_secret("inside").value,
        "internet": forbidden(site.internet())["innererror"]["code"],
        "outside-vm": forbidden(site.inside("outside-vm"))["innererror"]["code"],
        "manual-state": manual.properties.manual_private_link_service_connections[0].properties
        .private_link_service_connection_state.status,
        "connections": sorted((c.name, c.properties.private_link_service_connection_state.status)
                              for c in site.kv.private_endpoint_connections.list_by_resource(RG, site.vault)),
        "record": site.dns.record_sets.get(RG, ZONE, "A", site.vault).properties.a_records[0].ipv4_address,
    }


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_the_seed_topology_answers_the_same_after_a_restart(site: Site, kill: bool) -> None:
    before = _observe(site)
    assert before["dns-linked"].endswith(f"{site.vault}.privatelink.vaultcore.azure.net. 10 IN A 10.1.0.4")
    site.running.restart(kill=kill)
    assert _observe(site) == before

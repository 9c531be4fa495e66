"""Split-horizon DNS with the real `dig` and `nslookup`, against resolvers of a running vaultlink whose
topology was built through the real management SDKs."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.keyvaults import owner_credential
from tests.clients.seed_support import dig, same_after_restarts
from tests.vaultlink_process import Running, start

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")
ZONE = "privatelink.vaultcore.azure.net"


@dataclass
class World:
    running: Running
    rg: str
    vault: str
    vault_id: str
    network: NetworkManagementClient
    dns: PrivateDnsManagementClient
    kv: KeyVaultManagementClient

    def status(self) -> dict[str, Any]:
        import json
        import urllib.request

        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"{self.running.proxy}/vaultlink/status", timeout=5) as r:
            data: dict[str, Any] = json.loads(r.read())
        return data

    def resolver(self, vnet: str | None) -> tuple[str, str]:
        """The resolver's address; a new network's resolver starts just after the write that made it."""
        import time

        sub = self.running.credentials["subscriptionId"]
        key = f"/subscriptions/{sub}/resourcegroups/{self.rg}/providers/microsoft.network/virtualnetworks/{vnet}".lower()
        deadline = time.monotonic() + 10
        while True:
            s = self.status()
            address = s["dns"][0] if vnet is None else s["dnsViews"].get(key)
            if address or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert address, f"no resolver for {vnet}"
        host, port = address.rsplit(":", 1)
        return host, port

    def dig(self, vnet: str | None, name: str, *extra: str) -> str:
        host, port = self.resolver(vnet)
        out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer", "+comments", "+authority",
                              "+time=2", "+tries=1", *extra], capture_output=True, text=True, timeout=20, check=False).stdout
        return " ".join(out.split())  # dig aligns with tabs; compare with single spaces

    def vnet(self, name: str, prefix: str) -> str:
        self.network.virtual_networks.begin_create_or_update(self.rg, name, {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": prefix.replace("/16", "/24")}}]}}).result()
        return name


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    running = start(tmp_path_factory.mktemp("split") / "data")
    try:
        c = running.credentials
        cred = owner_credential(running)
        kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
        from azure.identity import ClientSecretCredential
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        sub = c["subscriptionId"]
        rg = "rg-dns"
        ResourceManagementClient(cred, sub, **kw).resource_groups.create_or_update(rg, {"location": "eastus"})
        kv = KeyVaultManagementClient(cred, sub, **kw)
        vault = f"fab{uuid.uuid4().hex[:10]}"
        created = kv.vaults.begin_create_or_update(rg, vault, {"location": "eastus", "properties": {
            "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "publicNetworkAccess": "Disabled"}}).result()
        yield World(running, rg, vault, created.id, NetworkManagementClient(cred, sub, **kw),
                    PrivateDnsManagementClient(cred, sub, **kw), kv)
    finally:
        running.stop()


def test_public_chain_before_any_endpoint(world: World) -> None:
    out = world.dig(None, f"{world.vault}.vault.azure.net")
    assert "status: NOERROR" in out
    assert f"{world.vault}.vault.azure.net. 60 IN CNAME data-prod-eus.vaultcore.azure.net." in out
    assert "data-prod-eus-region.vaultcore.azure.net. 60 IN CNAME azkms-prod-eus-b.eastus.cloudapp.azure.com." in out
    assert "azkms-prod-eus-b.eastus.cloudapp.azure.com. 60 IN A 198.51.100." in out
    assert "status: NXDOMAIN" in world.dig(None, "nosuchvault.vault.azure.net")
    assert "status: REFUSED" in world.dig(None, "example.com")


def test_private_answer_inside_the_linked_network_only(world: World) -> None:
    inside, outside = world.vnet("vnet-app", "10.1.0.0/16"), world.vnet("vnet-other", "10.2.0.0/16")
    world.dns.private_zones.begin_create_or_update(world.rg, ZONE, {"location": "global"}).result()
    world.dns.virtual_network_links.begin_create_or_update(world.rg, ZONE, "link-app", {"location": "global", "properties": {
        "virtualNetwork": {"id": world.network.virtual_networks.get(world.rg, inside).id},
        "registrationEnabled": False}}).result()
    subnet = world.network.subnets.get(world.rg, inside, "default").id
    world.network.private_endpoints.begin_create_or_update(world.rg, "pe-app", {"location": "eastus", "properties": {
        "subnet": {"id": subnet},
        "privateLinkServiceConnections": [{"name": "conn", "properties": {
            "privateLinkServiceId": world.vault_id, "groupIds": ["vault"]}}]}}).result()
    world.network.private_dns_zone_groups.begin_create_or_update(world.rg, "pe-app", "default", {"properties": {
        "privateDnsZoneConfigs": [{"name": "kv", "properties": {
            "privateDnsZoneId": world.dns.private_zones.get(world.rg, ZONE).id}}]}}).result()

    name = f"{world.vault}.vault.azure.net"
    linked = world.dig(inside, name)
    assert f"{name}. 60 IN CNAME {world.vault}.{ZONE}." in linked
    assert f"{world.vault}.{ZONE}. 10 IN A 10.1.0.4" in linked
    internet = world.dig(None, name)
    assert f"{name}. 60 IN CNAME {world.vault}.{ZONE}." in internet and "IN A 198.51.100." in internet
    assert "10.1.0.4" not in internet
    unlinked = world.dig(outside, name)
    assert "IN A 198.51.100." in unlinked and "10.1.0.4" not in unlinked
    assert "IN A 10.1.0.4" in world.dig(inside, name, "+tcp")

    host, port = world.resolver(inside)
    ns = subprocess.run(["nslookup", f"-port={port}", name, host], capture_output=True, text=True, timeout=20, check=False).stdout
    assert "Address: 10.1.0.4" in ns
    assert f"{name}\tcanonical name = {world.vault}.{ZONE}." in ns


def test_wrong_record_and_removed_link(world: World) -> None:
    name = f"{world.vault}.vault.azure.net"
    world.dns.record_sets.create_or_update(world.rg, ZONE, "A", world.vault, {"properties": {
        "ttl": 600, "aRecords": [{"ipv4Address": "10.1.0.99"}]}})
    assert f"{world.vault}.{ZONE}. 600 IN A 10.1.0.99" in world.dig("vnet-app", name)
    world.dns.record_sets.delete(world.rg, ZONE, "A", world.vault)
    missing = world.dig("vnet-app", name)
    assert "status: NXDOMAIN" in missing and "SOA" in missing  # the troubleshooting guide's missing A record
    world.dns.virtual_network_links.begin_delete(world.rg, ZONE, "link-app").result()
    flipped = world.dig("vnet-app", name)
    assert "IN A 198.51.100." in flipped and "NXDOMAIN" not in flipped


@pytest.mark.skipif(os.geteuid() != 0, reason="port 53 needs root")
@pytest.mark.parametrize("taken", [0, 60], ids=["free", "60-addresses-taken"])
def test_two_servers_each_get_system_resolvers(tmp_path: Any, taken: int) -> None:
    """Two vaultlink servers on one machine both allocate 127.77.x.y addresses; each network still gets a port-53
    resolver (the second server moves to addresses the first does not hold), also when other processes (other
    vaultlink servers, one address per network each) hold many of the addresses already."""
    import json
    import socket
    import time
    import urllib.request

    import requests

    held = []
    for i in range(taken):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((f"127.77.1.{1 + i}", 53))
            held.append(sock)
        except OSError:  # another process holds it already: taken all the same
            sock.close()
    servers = [start(tmp_path / name) for name in ("one", "two")]
    try:
        found = []
        for running in servers:
            c = running.credentials
            kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
            from azure.identity import ClientSecretCredential
            cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
            token = cred.get_token("https://management.core.windows.net//.default").token
            base = f"https://management.azure.com/subscriptions/{c['subscriptionId']}/resourcegroups/rg"
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {token}"
            assert s.put(f"{base}?api-version=2025-04-01", json={"location": "eastus"}, proxies=kw["proxies"],
                         verify=running.ca).status_code in (200, 201)
            made = s.put(f"{base}/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2024-07-01", json={
                "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
                proxies=kw["proxies"], verify=running.ca)
            assert made.status_code in (200, 201), made.text
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                        f"{running.proxy}/vaultlink/status", timeout=5) as r:
                    views53 = json.loads(r.read())["dnsViews53"]
                if views53:
                    break
                time.sleep(0.05)
            assert len(views53) == 1, views53
            found.append(next(iter(views53.values())))
        assert found[0] != found[1]
    finally:
        for running in servers:
            running.stop()
        for sock in held:
            sock.close()


def test_custom_dns_servers_change_whose_answers_a_network_gets(world: World) -> None:
    from azure.mgmt.compute import ComputeManagementClient
    from tests.clients.machines_support import inline_vm

    name = f"{world.vault}.vault.azure.net"
    c = world.running.credentials
    kw: dict[str, Any] = {"proxies": {"https": world.running.proxy}, "connection_verify": world.running.ca}
    from azure.identity import ClientSecretCredential
    cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    compute = ComputeManagementClient(cred, c["subscriptionId"], **kw)
    if "vnet-app" not in [v.name for v in world.network.virtual_networks.list(world.rg)]:
        world.vnet("vnet-app", "10.1.0.0/16")
    forwarder = compute.virtual_machines.begin_create_or_update(
        world.rg, "dns-forwarder", inline_vm(world.network.subnets.get(world.rg, "vnet-app", "default").id)).result()
    nic = world.network.network_interfaces.get(world.rg, forwarder.network_profile.network_interfaces[0].id.split("/")[-1]
                                               if hasattr(forwarder, "network_profile") else
                                               forwarder.properties.network_profile.network_interfaces[0].id.split("/")[-1])
    ipc = nic.ip_configurations[0] if hasattr(nic, "ip_configurations") else nic.properties.ip_configurations[0]
    forwarder_ip = ipc.private_ip_address if hasattr(ipc, "private_ip_address") else ipc.properties.private_ip_address

    def custom_network(servers: list[str]) -> None:
        world.network.virtual_networks.begin_create_or_update(world.rg, "vnet-custom", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.3.0.0/16"]}, "dhcpOptions": {"dnsServers": servers},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.3.0.0/24"}}]}}).result()

    import time

    custom_network(["10.9.9.9"])  # a DNS server nobody runs
    deadline = time.monotonic() + 10
    while "status: REFUSED" not in (out := world.dig("vnet-custom", name)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "status: REFUSED" in out

    # link vnet-app to the zone (again) with the vault's record, so its answer is the private one
    world.dns.private_zones.begin_create_or_update(world.rg, ZONE, {"location": "global"}).result()
    if not list(world.dns.virtual_network_links.list(world.rg, ZONE)):
        world.dns.virtual_network_links.begin_create_or_update(world.rg, ZONE, "link-app2", {"location": "global",
            "properties": {"virtualNetwork": {"id": world.network.virtual_networks.get(world.rg, "vnet-app").id},
                           "registrationEnabled": False}}).result()
    world.dns.record_sets.create_or_update(world.rg, ZONE, "A", world.vault, {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": "10.1.0.4"}]}})

    custom_network([forwarder_ip])  # a forwarder in vnet-app, which vnet-custom cannot reach while not peered
    assert "status: REFUSED" in world.dig("vnet-custom", name)
    for local, remote in (("vnet-custom", "vnet-app"), ("vnet-app", "vnet-custom")):  # peered: it sees what vnet-app sees
        world.network.virtual_network_peerings.begin_create_or_update(world.rg, local, f"to-{remote}", {"properties": {
            "remoteVirtualNetwork": {"id": world.network.virtual_networks.get(world.rg, remote).id}}}).result()
    expected = world.dig("vnet-app", name).split("ANSWER SECTION:")[-1]
    if any(True for _ in world.kv.private_endpoint_connections.list_by_resource(world.rg, world.vault)):
        assert "10.1.0.4" in expected
    deadline = time.monotonic() + 10
    while (out := world.dig("vnet-custom", name)).split("ANSWER SECTION:")[-1] != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "ANSWER SECTION:" in out and out.split("ANSWER SECTION:")[-1] == expected


def test_every_resolver_answers_the_same_after_a_restart(world: World) -> None:
    """Last in this file, over whatever the tests above left (custom DNS servers, a forwarder, links, records):
    each network keeps its resolver address, and every resolver its answers, across SIGTERM and SIGKILL."""
    names = [f"{world.vault}.vault.azure.net", f"{world.vault}.{ZONE}", f"missing.{ZONE}", "example.com"]

    def look() -> dict[str, Any]:
        status = world.status()
        resolvers = {"internet": status["dns"][0], **status["dnsViews"]}
        answers = {f"{where} {name} {'tcp' if tcp else 'udp'}": dig(address, name, tcp=tcp)
                   for where, address in resolvers.items() for name in names for tcp in (False, True)}
        return {"resolvers": resolvers, **answers,
                "records": sorted(str(r.as_dict()) for r in world.dns.record_sets.list(world.rg, ZONE)),
                "links": sorted(str(link.as_dict()) for link in world.dns.virtual_network_links.list(world.rg, ZONE)),
                "networks": sorted(str(n.as_dict()) for n in world.network.virtual_networks.list(world.rg))}

    before = same_after_restarts(world.running, look)
    assert len(before["resolvers"]) >= 3  # the internet's and at least two networks'

"""On-premises sites: `vaultlink site`, machines in a site (`vaultlink vm create --site`), the Azure side of the
VPN through the real azure-mgmt-network SDK (virtual network gateway, local network gateway, connection), and
the four forwarder arrangements answered by `dig` from the site machine, with a secret read admitted or refused
as each answer leads."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.mgmt.dnsresolver import DnsResolverManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.clients.machines_support import vaultlink_cli, vm_json
from tests.clients.network_support import VAULT_ZONE, Net
from tests.clients.test_dns_resolver import DELEGATED
from tests.clients.test_network_peering import dig_from, secrets_from
from tests.vaultlink_process import Running

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")
GROUP = "rg-onprem"


@dataclass
class World:
    running: Running
    net: Net
    vault: str
    private: str
    inbound: str
    gateway: str

    @property
    def name(self) -> str:
        return f"{self.vault}.vault.azure.net"

    def site(self, name: str, *args: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(vaultlink_cli(self.running, "site", "create", name, *args, "-o", "json").stdout)
        return result

    def connect(self, site: dict[str, Any]) -> None:
        c = self.net.client
        local = c.local_network_gateways.begin_create_or_update(GROUP, f"lng-{site['name']}", {
            "location": "eastus", "properties": {"gatewayIpAddress": site["publicAddress"],
                                                 "localNetworkAddressSpace": {"addressPrefixes": site["addressSpace"]}}}).result()
        made = c.virtual_network_gateway_connections.begin_create_or_update(GROUP, f"to-{site['name']}", {
            "location": "eastus", "properties": {"connectionType": "IPsec", "sharedKey": "not-kept",
                                                 "virtualNetworkGateway1": {"id": self.gateway, "properties": {}},
                                                 "localNetworkGateway2": {"id": local.id, "properties": {}}}}).result()
        assert made.properties.connection_status == "Connected"
        deadline = time.monotonic() + 10
        while not self.show(site["name"])["connectedVirtualNetworks"] and time.monotonic() < deadline:
            time.sleep(0.2)

    def show(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(vaultlink_cli(self.running, "site", "show", name, "-o", "json").stdout)
        return result

    def read(self, machine: str) -> str | None:
        client = secrets_from(self.running, machine, self.vault)
        return client.get_secret("onprem").value


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with az_support.server(tmp_path_factory) as running:
        saved = dict(os.environ)
        os.environ.update(running.env_exports())
        try:
            yield build(running)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def build(running: Running) -> World:
    c = running.credentials
    net = Net.default(running)
    net.rm.resource_groups.create_or_update(GROUP, {"location": "eastus"})
    hub = net.client.virtual_networks.begin_create_or_update(GROUP, "hub", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.80.0.0/16"]}, "subnets": [
            {"name": "default", "properties": {"addressPrefix": "10.80.0.0/24"}},
            {"name": "inbound", "properties": {"addressPrefix": "10.80.1.0/28", "delegations": DELEGATED}},
            {"name": "GatewaySubnet", "properties": {"addressPrefix": "10.80.255.0/27"}}]}}).result()
    dr = DnsResolverManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]
    dr.dns_resolvers.begin_create_or_update(GROUP, "resolver", {"location": "eastus",
                                                                "virtual_network": {"id": hub.id}}).result()
    inbound = dr.inbound_endpoints.begin_create_or_update(GROUP, "resolver", "in", {
        "location": "eastus", "ip_configurations": [{"subnet": {"id": f"{hub.id}/subnets/inbound"}}]}).result()
    gateway = net.client.virtual_network_gateways.begin_create_or_update(GROUP, "vpn", {
        "location": "eastus", "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased",
                                             "sku": {"name": "VpnGw1", "tier": "VpnGw1"}, "ipConfigurations": [
            {"name": "default", "properties": {"subnet": {"id": f"{hub.id}/subnets/GatewaySubnet"}}}]}}).result()
    vault_id = net.vault(GROUP)
    vault = vault_id.rsplit("/", 1)[1]
    net.session().put(net.url(vault_id, "2025-05-01"), json={"location": "eastus", "properties": {
        "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled",
        "enableRbacAuthorization": False, "accessPolicies": [{"tenantId": c["tenantId"],
        "objectId": c["servicePrincipal"]["objectId"], "permissions": {"secrets": ["get", "set"]}}]}}).raise_for_status()
    dns = PrivateDnsManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]
    net.zone(GROUP)
    dns.virtual_network_links.begin_create_or_update(GROUP, VAULT_ZONE, "hub", {"location": "global", "properties": {
        "virtualNetwork": {"id": hub.id}, "registrationEnabled": False}}).result()
    private = net.address_of(net.endpoint(GROUP, f"{hub.id}/subnets/default", vault_id))
    dns.record_sets.create_or_update(GROUP, VAULT_ZONE, "A", vault, {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": private}]}})
    helper = vm_json(running, "create", "hub-vm", "-g", GROUP, "--vnet", "hub", "--subnet", "default")["name"]
    secrets_from(running, helper, vault).set_secret("onprem", "from the datacenter")
    return World(running, net, vault, private, inbound.ip_configurations[0].private_ip_address, gateway.id)


def test_a_site_and_its_machines_through_vaultlink_site(world: World) -> None:
    made = world.site("branch", "--address-space", "172.20.0.0/16")
    assert made["dnsServer"] == "172.20.0.53" and made["publicAddress"].startswith("192.0.2.")
    assert made["dnsListener"] and made["connectedVirtualNetworks"] == []
    machine = vm_json(world.running, "create", "till", "--site", "branch")
    assert machine["privateIp"] == "172.20.0.10" and machine["site"] == "branch"
    assert machine["publicIp"] == made["publicAddress"] and machine["dnsServer"] == made["dnsListener"]
    assert "branch" in vaultlink_cli(world.running, "site", "list").stdout
    vaultlink_cli(world.running, "site", "forwarder", "add", "branch", "--zone", "vault.azure.net", "--to", "10.9.9.9:53")
    assert world.show("branch")["forwarders"] == {"vault.azure.net": ["10.9.9.9:53"]}
    vaultlink_cli(world.running, "site", "forwarder", "remove", "branch", "--zone", "vault.azure.net")
    assert world.show("branch")["forwarders"] == {}
    refused = vaultlink_cli(world.running, "site", "forwarder", "add", "branch", "--zone", "x.com", "--to", "nope",
                            check=False)
    assert refused.returncode == 1 and "IP[:PORT]" in refused.stderr
    exports = vaultlink_cli(world.running, "env", "--vm", "till").stdout
    assert "HTTPS_PROXY=" in exports
    vaultlink_cli(world.running, "site", "delete", "branch")
    assert vaultlink_cli(world.running, "site", "show", "branch", check=False).returncode == 1


def test_the_four_forwarder_arrangements(world: World) -> None:
    corp = world.site("corp", "--address-space", "192.168.0.0/16")
    world.connect(corp)
    assert world.show("corp")["connectedVirtualNetworks"] == [world.gateway.split("/virtualNetworkGateways/")[0].lower()
                                                              + "/virtualnetworks/hub"]
    vm_json(world.running, "create", "onprem", "--site", "corp")

    # no forwarders: the public answer, and the vault with public access disabled refuses
    assert world.private not in dig_from(world.running, "onprem", world.name)
    with pytest.raises(HttpResponseError) as public:
        world.read("onprem")
    assert public.value.status_code == 403

    # forwarders for both public zones to the inbound endpoint: the private answer, and the read is admitted
    for zone in ("vault.azure.net", "vaultcore.azure.net"):
        vaultlink_cli(world.running, "site", "forwarder", "add", "corp", "--zone", zone, "--to", world.inbound)
    assert f"{world.vault}.{VAULT_ZONE}. 10 IN A {world.private}" in dig_from(world.running, "onprem", world.name)
    assert world.read("onprem") == "from the datacenter"

    # only privatelink forwarded: behind an upstream forwarder the whole public chain comes back
    for zone in ("vault.azure.net", "vaultcore.azure.net"):
        vaultlink_cli(world.running, "site", "forwarder", "remove", "corp", "--zone", zone)
    vaultlink_cli(world.running, "site", "forwarder", "add", "corp", "--zone", VAULT_ZONE, "--to", world.inbound)
    assert world.private not in dig_from(world.running, "onprem", world.name)
    with pytest.raises(HttpResponseError):
        world.read("onprem")
    # ... while a server that chases the CNAME itself gets the private answer
    lab = world.site("lab", "--address-space", "192.169.0.0/16", "--resolution", "iterative")
    world.connect(lab)
    vm_json(world.running, "create", "bench", "--site", "lab")
    vaultlink_cli(world.running, "site", "forwarder", "add", "lab", "--zone", VAULT_ZONE, "--to", world.inbound)
    assert f"IN A {world.private}" in dig_from(world.running, "bench", world.name)
    assert world.read("bench") == "from the datacenter"

    # no connection: the forwarder times out (SERVFAIL after the wait), and the endpoint is out of reach
    vaultlink_cli(world.running, "site", "forwarder", "add", "corp", "--zone", "vault.azure.net", "--to", world.inbound)
    world.net.client.virtual_network_gateway_connections.begin_delete(GROUP, "to-corp").result()
    deadline = time.monotonic() + 10
    while world.show("corp")["connectedVirtualNetworks"] and time.monotonic() < deadline:
        time.sleep(0.2)
    out = dig_from(world.running, "onprem", world.name)
    assert "status: SERVFAIL" in out, out
    with pytest.raises((HttpResponseError, ServiceRequestError)):
        world.read("onprem")


def test_az_network_local_gateway_and_vpn_connection(world: World, tmp_path_factory: pytest.TempPathFactory) -> None:
    az = Az(world.running, tmp_path_factory.mktemp("az-vpn"))
    az.login()
    branch = world.site("office", "--address-space", "172.30.0.0/16")
    local = az("network", "local-gateway", "create", "-g", GROUP, "-n", "lng-office", "--gateway-ip-address",
               branch["publicAddress"], "--local-address-prefixes", "172.30.0.0/16")
    assert local["gatewayIpAddress"] == branch["publicAddress"]
    made = az("network", "vpn-connection", "create", "-g", GROUP, "-n", "to-office", "--vnet-gateway1", "vpn",
              "--local-gateway2", "lng-office", "--shared-key", "not-kept")
    connection = made.get("resource", made)
    assert connection["connectionType"] == "IPsec"
    shown = az("network", "vpn-connection", "show", "-g", GROUP, "-n", "to-office")
    assert shown["connectionStatus"] == "Connected" and "sharedKey" not in shown
    deadline = time.monotonic() + 10
    while not world.show("office")["connectedVirtualNetworks"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert world.show("office")["connectedVirtualNetworks"]
    az("network", "vpn-connection", "delete", "-g", GROUP, "-n", "to-office")
    assert "to-office" not in [c["name"] for c in az("network", "vpn-connection", "list", "-g", GROUP)]


def test_a_spoke_using_the_hubs_gateway_is_reachable_from_the_site(world: World) -> None:
    c = world.net.client
    spoke = c.virtual_networks.begin_create_or_update(GROUP, "spoke", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.81.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.81.0.0/24"}}]}}).result()
    forwarder = vm_json(world.running, "create", "spoke-dns", "-g", GROUP, "--vnet", "spoke", "--subnet", "default")
    remote = world.site("remote", "--address-space", "172.31.0.0/16")
    world.connect(remote)
    vm_json(world.running, "create", "desk", "--site", "remote")
    vaultlink_cli(world.running, "site", "forwarder", "add", "remote", "--zone", "vault.azure.net",
                  "--to", forwarder["privateIp"])
    hub_id = world.gateway.split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/hub"
    for local, remote_id, flags in (("hub", spoke.id, {"allowGatewayTransit": True}),
                                    ("spoke", hub_id, {})):
        c.virtual_network_peerings.begin_create_or_update(GROUP, local, "transit", {"properties": {
            "remoteVirtualNetwork": {"id": remote_id}, **flags}}).result()
    assert "status: SERVFAIL" in dig_from(world.running, "desk", world.name)  # the spoke is not on the VPN

    c.virtual_network_peerings.begin_create_or_update(GROUP, "spoke", "transit", {"properties": {
        "remoteVirtualNetwork": {"id": hub_id}, "useRemoteGateways": True}}).result()
    deadline = time.monotonic() + 10
    while "status: NOERROR" not in (out := dig_from(world.running, "desk", world.name)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "status: NOERROR" in out and world.private not in out  # the spoke's own answer: its zone link is not there

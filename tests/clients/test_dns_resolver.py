"""Azure DNS Private Resolver through the real azure-mgmt-dnsresolver SDK: resolvers, inbound and outbound
endpoints in delegated subnets, forwarding rulesets with their rules and links; the inbound endpoint served as a
real DNS listener (named in `vaultlink status`) that `dig` asks; a spoke whose custom DNS is the hub's inbound
endpoint getting the private answer and reading a secret over the peering; a ruleset forwarding a spoke's names."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.dnsresolver import DnsResolverManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients import az_support
from tests.clients.machines_support import vm_json
from tests.clients.network_support import VAULT_ZONE, Net, unique
from tests.clients.test_network_peering import dig_from, peer, secrets_from
from tests.vaultlink_process import Running, exported

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")
DELEGATED = [{"name": "resolver", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server, exported(server):
        yield server


@pytest.fixture(scope="module")
def net(running: Running) -> Net:
    return Net.default(running)


@pytest.fixture(scope="module")
def dr(net: Net) -> DnsResolverManagementClient:
    return DnsResolverManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]


def hub(net: Net, group: str, second: int, location: str = "eastus") -> Any:
    return net.client.virtual_networks.begin_create_or_update(group, "hub", {"location": location, "properties": {
        "addressSpace": {"addressPrefixes": [f"10.{second}.0.0/16"]}, "subnets": [
            {"name": "default", "properties": {"addressPrefix": f"10.{second}.0.0/24"}},
            {"name": "inbound", "properties": {"addressPrefix": f"10.{second}.1.0/28", "delegations": DELEGATED}},
            {"name": "outbound", "properties": {"addressPrefix": f"10.{second}.2.0/28", "delegations": DELEGATED}},
            {"name": "plain", "properties": {"addressPrefix": f"10.{second}.3.0/28"}}]}}).result()


def resolver(dr: DnsResolverManagementClient, group: str, vnet: Any) -> tuple[Any, Any, Any]:
    made = dr.dns_resolvers.begin_create_or_update(group, "resolver", {
        "location": "eastus", "virtual_network": {"id": vnet.id}}).result()
    inbound = dr.inbound_endpoints.begin_create_or_update(group, "resolver", "in", {
        "location": "eastus", "ip_configurations": [{"subnet": {"id": f"{vnet.id}/subnets/inbound"}}]}).result()
    outbound = dr.outbound_endpoints.begin_create_or_update(group, "resolver", "out", {
        "location": "eastus", "subnet": {"id": f"{vnet.id}/subnets/outbound"}}).result()
    return made, inbound, outbound


def status(running: Running) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "vaultlink", "status", "-o", "json", "--data-dir",
                          str(running.data_dir)], check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_resolver_endpoints_and_rulesets_in_azures_shape(net: Net, dr: DnsResolverManagementClient) -> None:
    group = net.group()
    vnet = hub(net, group, 60)
    made, inbound, outbound = resolver(dr, group, vnet)
    assert made.type == "Microsoft.Network/dnsResolvers" and made.dns_resolver_state == "Connected"
    assert made.virtual_network.id == vnet.id and made.provisioning_state == "Succeeded" and made.resource_guid
    [config] = inbound.ip_configurations
    assert (config.private_ip_address, config.private_ip_allocation_method) == ("10.60.1.4", "Dynamic")
    assert inbound.type == "Microsoft.Network/dnsResolvers/inboundEndpoints"
    assert outbound.subnet.id == f"{vnet.id}/subnets/outbound"
    assert [e.name for e in dr.inbound_endpoints.list(group, "resolver")] == ["in"]
    assert "resolver" in [r.name for r in dr.dns_resolvers.list_by_resource_group(group)]
    subnet = net.client.subnets.get(group, "hub", "inbound")  # the endpoint holds its address like a NIC
    assert subnet.properties.ip_configurations[0].id.startswith(inbound.id)

    ruleset = dr.dns_forwarding_rulesets.begin_create_or_update(group, "rules", {
        "location": "eastus", "dns_resolver_outbound_endpoints": [{"id": outbound.id}]}).result()
    rule = dr.forwarding_rules.create_or_update(group, "rules", "corp", {
        "domain_name": "corp.contoso.com.", "target_dns_servers": [{"ip_address": "192.168.0.53", "port": 53}]})
    assert (rule.domain_name, rule.forwarding_rule_state, rule.target_dns_servers[0].ip_address) == (
        "corp.contoso.com.", "Enabled", "192.168.0.53")
    link = dr.virtual_network_links.begin_create_or_update(group, "rules", "hub", {
        "virtual_network": {"id": vnet.id}}).result()
    assert link.virtual_network.id == vnet.id and ruleset.dns_resolver_outbound_endpoints[0].id == outbound.id
    assert [r.name for r in dr.forwarding_rules.list(group, "rules")] == ["corp"]

    def refused(call: Any, *args: Any) -> HttpResponseError:
        with pytest.raises(HttpResponseError) as err:
            result = call(*args)
            if hasattr(result, "result"):
                result.result()
        assert err.value.status_code in (400, 409), err.value
        return err.value

    refused(dr.forwarding_rules.create_or_update, group, "rules", "azure", {
        "domain_name": "contoso.com.", "target_dns_servers": [{"ip_address": "168.63.129.16"}]})
    refused(dr.forwarding_rules.create_or_update, group, "rules", "bad", {
        "domain_name": "contoso.com", "target_dns_servers": [{"ip_address": "10.0.0.1"}]})
    refused(dr.inbound_endpoints.begin_create_or_update, group, "resolver", "in2", {
        "location": "eastus", "ip_configurations": [{"subnet": {"id": f"{vnet.id}/subnets/plain"}}]})
    refused(dr.inbound_endpoints.begin_create_or_update, group, "resolver", "in3", {  # the outbound's subnet
        "location": "eastus", "ip_configurations": [{"subnet": {"id": f"{vnet.id}/subnets/outbound"}}]})
    west = net.vnet(group, unique("west-"), space="10.61.0.0/16", subnets={}, location="westeurope")
    refused(dr.virtual_network_links.begin_create_or_update, group, "rules", "west", {"virtual_network": {"id": west.id}})
    assert refused(dr.dns_resolvers.begin_delete, group, "resolver").status_code == 409  # it still has endpoints
    assert refused(dr.dns_forwarding_rulesets.begin_delete, group, "rules").status_code == 409  # it is still linked
    web = net.session()
    stale = web.delete(net.url(link.id, "2022-07-01"), headers={"If-Match": '"stale"'})
    assert stale.status_code == 412, stale.text
    assert web.delete(net.url(f"{ruleset.id}/virtualNetworkLinks/absent", "2022-07-01")).status_code == 204

    dr.virtual_network_links.begin_delete(group, "rules", "hub").result()
    dr.dns_forwarding_rulesets.begin_delete(group, "rules").result()
    dr.inbound_endpoints.begin_delete(group, "resolver", "in").result()
    dr.outbound_endpoints.begin_delete(group, "resolver", "out").result()
    dr.dns_resolvers.begin_delete(group, "resolver").result()
    assert not net.client.subnets.get(group, "hub", "inbound").properties.ip_configurations


def test_the_inbound_endpoint_answers_as_its_network_and_serves_a_peered_spoke(
        running: Running, net: Net, dr: DnsResolverManagementClient) -> None:
    c = running.credentials
    group = net.group()
    vnet = hub(net, group, 70)
    spoke = net.vnet(group, "spoke", space="10.71.0.0/16", subnets={"default": "10.71.0.0/24"})
    _, inbound, outbound = resolver(dr, group, vnet)
    address = inbound.ip_configurations[0].private_ip_address
    vault_id = net.vault(group)
    vault = vault_id.rsplit("/", 1)[1]
    net.session().put(net.url(vault_id, "2025-05-01"), json={"location": "eastus", "properties": {
        "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled",
        "enableRbacAuthorization": False, "accessPolicies": [{"tenantId": c["tenantId"],
        "objectId": c["servicePrincipal"]["objectId"], "permissions": {"secrets": ["get", "set"]}}]}}).raise_for_status()
    dns = PrivateDnsManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]
    net.zone(group)
    dns.virtual_network_links.begin_create_or_update(group, VAULT_ZONE, "hub", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}}).result()
    endpoint = net.endpoint(group, f"{vnet.id}/subnets/default", vault_id)
    private = net.address_of(endpoint)
    dns.record_sets.create_or_update(group, VAULT_ZONE, "A", vault, {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": private}]}})
    name = f"{vault}.vault.azure.net"

    listed = status(running)["dnsInboundEndpoints"][inbound.id.lower()]
    assert listed["privateIp"] == address
    host, port = listed["dns"].rsplit(":", 1)
    asked = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer"], capture_output=True,
                           text=True, timeout=30, check=False).stdout
    assert f"{vault}.{VAULT_ZONE}. 10 IN A {private}" in " ".join(asked.split())

    app = vm_json(running, "create", unique("app-"), "-g", group, "--vnet", "spoke", "--subnet", "default")["name"]
    assert private not in dig_from(running, app, name)  # the spoke on Azure DNS: not linked, the public answer
    net.client.virtual_networks.begin_create_or_update(group, "spoke", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.71.0.0/16"]}, "dhcpOptions": {"dnsServers": [address]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.71.0.0/24"}}]}}).result()
    assert private not in dig_from(running, app, name)  # not peered: the inbound endpoint is out of reach
    peer(net, group, vnet, spoke)
    peer(net, group, spoke, vnet)
    assert f"IN A {private}" in dig_from(running, app, name)
    client = secrets_from(running, app, vault)
    client.set_secret("via-resolver", "admitted")
    assert client.get_secret("via-resolver").value == "admitted"

    # a ruleset linked to another spoke (no peering needed for the link) forwards the vault's zone to the endpoint
    other = net.vnet(group, "other", space="10.72.0.0/16", subnets={"default": "10.72.0.0/24"})
    worker = vm_json(running, "create", unique("worker-"), "-g", group, "--vnet", "other", "--subnet", "default")["name"]
    dr.dns_forwarding_rulesets.begin_create_or_update(group, "rules", {
        "location": "eastus", "dns_resolver_outbound_endpoints": [{"id": outbound.id}]}).result()
    dr.forwarding_rules.create_or_update(group, "rules", "vault", {
        "domain_name": "vault.azure.net.", "target_dns_servers": [{"ip_address": address, "port": 53}]})
    dr.forwarding_rules.create_or_update(group, "rules", "broad", {  # the shorter suffix loses
        "domain_name": "azure.net.", "target_dns_servers": [{"ip_address": "10.72.9.9", "port": 53}]})
    assert private not in dig_from(running, worker, name)
    dr.virtual_network_links.begin_create_or_update(group, "rules", "other", {"virtual_network": {"id": other.id}}).result()
    assert f"IN A {private}" in dig_from(running, worker, name)
    dr.forwarding_rules.create_or_update(group, "rules", "vault", {
        "domain_name": "vault.azure.net.", "target_dns_servers": [{"ip_address": address}],
        "forwarding_rule_state": "Disabled"})
    assert "status: SERVFAIL" in dig_from(running, worker, name)  # only the rule to nowhere is left: it times out

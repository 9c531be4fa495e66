"""Private DNS zone groups through the real azure-mgmt-network SDK, with the zone's records read back through
azure-mgmt-privatedns: the A record named after the vault, TTL 10, replaced by a second endpoint, removed with
the group or the endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients.network_support import VAULT_ZONE, Net, own_subscription, refused, unique
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def net(vaultlink: Running) -> Net:
    return own_subscription(vaultlink)


@pytest.fixture
def rg(net: Net) -> str:
    return net.group()


@pytest.fixture
def dns(net: Net) -> PrivateDnsManagementClient:
    return PrivateDnsManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]


def group_body(*zones: str) -> dict[str, Any]:
    return {"properties": {"privateDnsZoneConfigs": [
        {"name": f"config{i}", "properties": {"privateDnsZoneId": z}} for i, z in enumerate(zones)]}}


def a_record(dns: PrivateDnsManagementClient, rg: str, name: str, zone: str = VAULT_ZONE) -> Any:
    return dns.record_sets.get(rg, zone, "A", name)


def test_zone_group_writes_the_vaults_a_record(net: Net, rg: str, dns: PrivateDnsManagementClient) -> None:
    zone = net.zone(rg)
    vault = net.vault(rg)
    vault_name = vault.split("/")[-1]
    subnet = net.vnet(rg).properties.subnets[0]
    endpoint = net.endpoint(rg, subnet.id, vault)
    c = net.client

    group = c.private_dns_zone_groups.begin_create_or_update(rg, endpoint.name, "default", group_body(zone)).result()
    assert group.id == f"{endpoint.id}/privateDnsZoneGroups/default" and group.name == "default" and group.etag
    assert group.properties.provisioning_state == "Succeeded"
    [config] = group.properties.private_dns_zone_configs
    assert (config.name, config.properties.private_dns_zone_id) == ("config0", zone)
    [rs] = config.properties.record_sets
    assert (rs.record_type, rs.record_set_name, rs.fqdn, rs.ttl, rs.ip_addresses) == (
        "A", vault_name, f"{vault_name}.{VAULT_ZONE}", 10, ["10.0.1.4"])

    record = a_record(dns, rg, vault_name)
    assert [r.ipv4_address for r in record.properties.a_records] == ["10.0.1.4"]
    assert record.properties.ttl == 10

    assert c.private_dns_zone_groups.get(rg, endpoint.name, "default").etag == group.etag
    assert [g.name for g in c.private_dns_zone_groups.list(endpoint.name, rg)] == ["default"]

    again = c.private_dns_zone_groups.begin_create_or_update(rg, endpoint.name, "default", group_body(zone)).result()
    assert again.etag != group.etag
    assert [r.ipv4_address for r in a_record(dns, rg, vault_name).properties.a_records] == ["10.0.1.4"]

    c.private_dns_zone_groups.begin_delete(rg, endpoint.name, "default").result()
    with pytest.raises(ResourceNotFoundError):
        a_record(dns, rg, vault_name)
    with pytest.raises(ResourceNotFoundError):
        c.private_dns_zone_groups.get(rg, endpoint.name, "default")
    c.private_dns_zone_groups.begin_delete(rg, endpoint.name, "default").result()  # absent: 204


def test_a_second_endpoint_replaces_the_record_and_deleting_an_endpoint_removes_its_own(
        net: Net, rg: str, dns: PrivateDnsManagementClient) -> None:
    zone = net.zone(rg)
    vault = net.vault(rg)
    vault_name = vault.split("/")[-1]
    subnet = net.vnet(rg).properties.subnets[0]
    c = net.client
    first = net.endpoint(rg, subnet.id, vault)
    second = net.endpoint(rg, subnet.id, vault)
    c.private_dns_zone_groups.begin_create_or_update(rg, first.name, "default", group_body(zone)).result()
    c.private_dns_zone_groups.begin_create_or_update(rg, second.name, "default", group_body(zone)).result()
    assert [r.ipv4_address for r in a_record(dns, rg, vault_name).properties.a_records] == ["10.0.1.5"]

    c.private_endpoints.begin_delete(rg, first.name).result()  # its address is no longer in the record: no change
    assert [r.ipv4_address for r in a_record(dns, rg, vault_name).properties.a_records] == ["10.0.1.5"]
    c.private_endpoints.begin_delete(rg, second.name).result()
    with pytest.raises(ResourceNotFoundError):
        a_record(dns, rg, vault_name)


def test_zone_group_rules(net: Net, rg: str) -> None:
    zone = net.zone(rg)
    vault = net.vault(rg)
    subnet = net.vnet(rg).properties.subnets[0]
    endpoint = net.endpoint(rg, subnet.id, vault)
    c = net.client

    missing = zone.replace(VAULT_ZONE, "privatelink.nowhere.example")
    err = refused(c.private_dns_zone_groups.begin_create_or_update, rg, endpoint.name, "default", group_body(missing))
    assert (err.status_code, err.error.code) == (400, "InvalidPrivateDnsZoneIds")
    assert missing in err.error.message and "/privateDnsZoneGroups/default" in err.error.message

    zones = [net.zone(rg, f"z{i}.example.com") for i in range(6)]
    err = refused(c.private_dns_zone_groups.begin_create_or_update, rg, endpoint.name, "default", group_body(*zones))
    assert err.error.code == "PrivateDnsZoneConfigsLimitReached"
    five = c.private_dns_zone_groups.begin_create_or_update(rg, endpoint.name, "default", group_body(*zones[:5])).result()
    assert len(five.properties.private_dns_zone_configs) == 5

    err = refused(c.private_dns_zone_groups.begin_create_or_update, rg, endpoint.name, "second", group_body(zone))
    assert err.error.code == "PrivateDnsZoneGroupLimitReached" and endpoint.id in err.error.message

    err = refused(c.private_dns_zone_groups.begin_create_or_update, rg, "pe-missing", "default", group_body(zone))
    assert (err.status_code, err.error.code) == (404, "ResourceNotFound")

    s = net.session()
    url = net.url(net.path(rg, "privateEndpoints", endpoint.name) + "/privateDnsZoneGroups/default")
    r = s.put(url, json={"properties": {"privateDnsZoneConfigs": [
        {"name": "same", "properties": {"privateDnsZoneId": zones[0]}},
        {"name": "same", "properties": {"privateDnsZoneId": zones[1]}}]}})
    assert r.status_code == 400 and "same" in r.json()["error"]["message"]
    r = s.put(url, json={"properties": {"privateDnsZoneConfigs": [
        {"name": "bad", "properties": {"privateDnsZoneId": vault}}]}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidPrivateDnsZoneIds"
    assert len(c.private_dns_zone_groups.get(rg, endpoint.name, "default").properties.private_dns_zone_configs) == 5


def test_deleting_the_endpoints_group_removes_its_records(net: Net, dns: PrivateDnsManagementClient) -> None:
    dns_rg, endpoint_rg = net.group(), net.group()
    zone = net.zone(dns_rg)
    vault = net.vault(dns_rg)
    vault_name = vault.split("/")[-1]
    subnet = net.vnet(dns_rg).properties.subnets[0]
    endpoint = net.endpoint(endpoint_rg, subnet.id, vault, name=unique("pe-"))
    net.client.private_dns_zone_groups.begin_create_or_update(endpoint_rg, endpoint.name, "default",
                                                               group_body(zone)).result()
    assert a_record(dns, dns_rg, vault_name)
    net.rm.resource_groups.begin_delete(endpoint_rg).result()
    with pytest.raises(ResourceNotFoundError):
        a_record(dns, dns_rg, vault_name)

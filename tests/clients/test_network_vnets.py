"""Virtual networks and subnets through the real azure-mgmt-network SDK (NetworkManagementClient), and raw
REST for bodies the SDK will not send."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from tests.clients.network_support import Net, own_subscription, refused, unique
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def net(vaultlink: Running) -> Net:
    return own_subscription(vaultlink)


def test_virtual_network_lifecycle_in_azures_shape(net: Net) -> None:
    rg, name = net.group(), unique("vnet-")
    c = net.client
    created = c.virtual_networks.begin_create_or_update(rg, name, {
        "location": "East US", "tags": {"env": "test"},
        "properties": {"addressSpace": {"addressPrefixes": ["10.10.0.0/16"]},
                       "dhcpOptions": {"dnsServers": ["10.10.0.10"]},
                       "subnets": [{"name": "default", "properties": {"addressPrefix": "10.10.0.0/24"}}]},
    }).result()
    assert created.id == f"/subscriptions/{net.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
    assert (created.name, created.type, created.location, created.tags) == (
        name, "Microsoft.Network/virtualNetworks", "eastus", {"env": "test"})
    assert created.etag
    p = created.properties
    assert p.address_space.address_prefixes == ["10.10.0.0/16"]
    assert p.dhcp_options.dns_servers == ["10.10.0.10"]
    assert p.provisioning_state == "Succeeded" and p.resource_guid
    assert p.enable_ddos_protection is False and p.private_endpoint_v_net_policies == "Disabled"
    [subnet] = p.subnets
    assert subnet.id == f"{created.id}/subnets/default" and subnet.type == "Microsoft.Network/virtualNetworks/subnets"
    assert subnet.properties.address_prefix == "10.10.0.0/24"
    assert subnet.properties.private_endpoint_network_policies == "Disabled"
    assert subnet.properties.private_link_service_network_policies == "Enabled"
    assert subnet.properties.provisioning_state == "Succeeded" and subnet.etag

    fetched = c.virtual_networks.get(rg, name.upper())
    assert fetched.name == name and fetched.properties.resource_guid == p.resource_guid
    assert name in [v.name for v in c.virtual_networks.list(rg)]
    assert name in [v.name for v in c.virtual_networks.list_all()]

    tagged = c.virtual_networks.update_tags(rg, name, {"tags": {"env": "prod"}})
    assert tagged.tags == {"env": "prod"} and tagged.etag != fetched.etag
    assert [s.name for s in tagged.properties.subnets] == ["default"]

    again = c.virtual_networks.begin_create_or_update(rg, name, fetched).result()  # GET, then PUT it back
    assert again.properties.resource_guid == p.resource_guid and [s.name for s in again.properties.subnets] == ["default"]

    c.virtual_networks.begin_delete(rg, name).result()
    with pytest.raises(ResourceNotFoundError) as err:
        c.virtual_networks.get(rg, name)
    assert err.value.error.code == "ResourceNotFound"
    c.virtual_networks.begin_delete(rg, name).result()  # absent: 204


@pytest.mark.parametrize(("prefix", "code"), [
    ("10.0.0.1/16", "NetcfgInvalidIPAddressPrefix"),
    ("10.0.0/16", "InvalidAddressPrefixFormat"),
    ("10.0.0.0", "InvalidAddressPrefixFormat"),
    ("10.0.0.0/33", "InvalidAddressPrefixFormat"),
])
def test_address_space_must_be_ipv4_cidrs_of_network_addresses(net: Net, prefix: str, code: str) -> None:
    rg, name = net.group(), unique("vnet-")
    err = refused(net.client.virtual_networks.begin_create_or_update, rg, name, {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]}}})
    assert (err.status_code, err.error.code) == (400, code)
    assert prefix in err.error.message and name in err.error.message
    if code == "NetcfgInvalidIPAddressPrefix":
        assert "10.0.0.0/16" in err.error.message
    assert list(net.client.virtual_networks.list(rg)) == []


def test_other_bad_networks_are_refused_and_change_nothing(net: Net) -> None:
    rg, c = net.group(), net.client
    cases = [
        ({"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.0.128.0/17"]}}, "VnetAddressSpacesOverlap", "10.0.128.0/17"),
        ({"addressSpace": {"addressPrefixes": ["168.63.0.0/16"]}}, "NetcfgInvalidAddressSpace", "168.63.129.16/32"),
        ({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "dhcpOptions": {"dnsServers": ["10.0.0.300"]}},
         "InvalidDnsServerAddress", "10.0.0.300"),
        ({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
          "subnets": [{"name": "a", "properties": {"addressPrefix": "10.1.0.0/24"}}]}, "NetcfgSubnetRangeOutsideVnet", "'a'"),
        ({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
          "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}},
                      {"name": "b", "properties": {"addressPrefix": "10.0.0.128/25"}}]}, "NetcfgSubnetRangesOverlap", "'b'"),
        ({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
          "subnets": [{"name": "tiny", "properties": {"addressPrefix": "10.0.0.0/30"}}]}, "NetcfgInvalidSubnet", "'tiny'"),
    ]
    for props, code, named in cases:
        err = refused(c.virtual_networks.begin_create_or_update, rg, "vnet-bad", {"location": "eastus", "properties": props})
        assert (err.status_code, err.error.code) == (400, code), err.error.message
        assert named in err.error.message
    assert list(c.virtual_networks.list(rg)) == []

    err = refused(c.virtual_networks.begin_create_or_update, rg, "v", {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert err.error.code == "InvalidResourceName" and "'v'" in err.error.message
    err = refused(c.virtual_networks.begin_create_or_update, rg, "vnet-atlantis", {
        "location": "atlantis", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert err.error.code == "LocationNotAvailableForResourceType"
    err = refused(c.virtual_networks.begin_create_or_update, unique("rg-missing-"), "vnet-x", {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert (err.status_code, err.error.code) == (404, "ResourceGroupNotFound")


def test_a_network_stays_in_its_region(net: Net) -> None:
    rg = net.group()
    vnet = net.vnet(rg)
    err = refused(net.client.virtual_networks.begin_create_or_update, rg, vnet.name, {
        "location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert (err.status_code, err.error.code) == (409, "InvalidResourceLocation")
    assert "'eastus'" in err.error.message and "'westus'" in err.error.message


def test_conditional_requests(net: Net) -> None:
    rg = net.group()
    vnet = net.vnet(rg)
    s, url = net.session(), net.url(net.path(rg, "virtualNetworks", vnet.name))
    body = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    r = s.put(url, json=body, headers={"If-None-Match": "*"})
    assert r.status_code == 412 and r.json()["error"]["code"] == "PreconditionFailed"
    r = s.put(url, json=body, headers={"If-Match": '"stale"'})
    assert r.status_code == 412
    r = s.put(url, json=body, headers={"If-Match": vnet.etag})
    assert r.status_code == 200 and r.json()["etag"] != vnet.etag
    r = s.delete(url, headers={"If-Match": vnet.etag})
    assert r.status_code == 412
    r = s.put(net.url(net.path(rg, "virtualNetworks", "vnet-new")), json=body, headers={"If-Match": "*"})
    assert r.status_code == 412
    r = s.put(url, data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidRequestContent"


def test_subnets_lifecycle(net: Net) -> None:
    rg, c = net.group(), net.client
    vnet = net.vnet(rg, subnets={})
    created = c.subnets.begin_create_or_update(rg, vnet.name, "apps", {"properties": {
        "addressPrefix": "10.0.2.0/24",
        "privateEndpointNetworkPolicies": "enabled", "privateLinkServiceNetworkPolicies": "DISABLED",
        "serviceEndpoints": [{"service": "Microsoft.KeyVault"}],
        "delegations": [{"name": "web", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}],
    }}).result()
    assert created.id == f"{vnet.id}/subnets/apps" and created.name == "apps"
    p = created.properties
    assert (p.private_endpoint_network_policies, p.private_link_service_network_policies) == ("Enabled", "Disabled")
    assert [(s.service, s.locations, s.provisioning_state) for s in p.service_endpoints] == [
        ("Microsoft.KeyVault", ["*"], "Succeeded")]
    [d] = p.delegations
    assert (d.name, d.id, d.properties.service_name) == ("web", f"{created.id}/delegations/web", "Microsoft.Web/serverFarms")

    second = c.subnets.begin_create_or_update(rg, vnet.name, "data", {"properties": {
        "addressPrefixes": ["10.0.3.0/24", "10.0.4.0/29"]}}).result()
    assert second.properties.address_prefixes == ["10.0.3.0/24", "10.0.4.0/29"]

    assert sorted(s.name for s in c.subnets.list(rg, vnet.name)) == ["apps", "data"]
    inline = c.virtual_networks.get(rg, vnet.name).properties.subnets
    assert sorted(s.name for s in inline) == ["apps", "data"]
    assert c.subnets.get(rg, vnet.name, "APPS").name == "apps"

    c.subnets.begin_delete(rg, vnet.name, "data").result()
    assert [s.name for s in c.subnets.list(rg, vnet.name)] == ["apps"]
    with pytest.raises(ResourceNotFoundError):
        c.subnets.get(rg, vnet.name, "data")


def test_subnet_rules(net: Net) -> None:
    rg, c = net.group(), net.client
    vnet = net.vnet(rg, subnets={"one": "10.0.1.0/24"})
    cases = [
        ({"addressPrefix": "10.1.0.0/24"}, "NetcfgSubnetRangeOutsideVnet", "not valid because its IP address range is outside"),
        ({"addressPrefix": "10.0.1.128/25"}, "NetcfgSubnetRangesOverlap", "overlaps with that of an existing subnet"),
        ({"addressPrefix": "10.0.2.0/30"}, "NetcfgInvalidSubnet", "is not valid in virtual network"),
        ({"addressPrefix": "10.0.2.1/24"}, "NetcfgInvalidIPAddressPrefix", "10.0.2.1/24"),
        ({"addressPrefix": "banana"}, "InvalidAddressPrefixFormat", "banana"),
        ({}, "NetcfgInvalidSubnet", "addressPrefix"),
        ({"addressPrefix": "10.0.2.0/24", "privateEndpointNetworkPolicies": "Sometimes"}, "InvalidRequestFormat", "Sometimes"),
    ]
    for props, code, text in cases:
        err = refused(c.subnets.begin_create_or_update, rg, vnet.name, "two", {"properties": props})
        assert (err.status_code, err.error.code) == (400, code), err.error.message
        assert text in err.error.message
    assert [s.name for s in c.subnets.list(rg, vnet.name)] == ["one"]

    err = refused(c.subnets.begin_create_or_update, rg, "vnet-missing", "two", {"properties": {"addressPrefix": "10.0.2.0/24"}})
    assert (err.status_code, err.error.code) == (404, "ResourceNotFound")


def test_network_put_is_the_whole_network(net: Net) -> None:
    """Subnets the body leaves out are deleted; shrinking the address space under a subnet is refused."""
    rg, c = net.group(), net.client
    vnet = net.vnet(rg, subnets={"a": "10.0.1.0/24", "b": "10.0.2.0/24"})
    err = refused(c.virtual_networks.begin_create_or_update, rg, vnet.name, {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.1.0/24"]},
                                             "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.1.0/24"}},
                                                         {"name": "b", "properties": {"addressPrefix": "10.0.2.0/24"}}]}})
    assert err.error.code == "NetcfgSubnetRangeOutsideVnet" and "'b'" in err.error.message
    assert c.virtual_networks.get(rg, vnet.name).properties.address_space.address_prefixes == ["10.0.0.0/16"]

    kept = c.virtual_networks.begin_create_or_update(rg, vnet.name, {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.5.0.0/16"]},
                                             "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.1.0/24"}},
                                                         {"name": "c", "properties": {"addressPrefix": "10.5.0.0/24"}}]}}).result()
    assert sorted(s.name for s in kept.properties.subnets) == ["a", "c"]
    assert sorted(s.name for s in c.subnets.list(rg, vnet.name)) == ["a", "c"]


def test_check_ip_address_availability_in_a_fresh_subnet(net: Net) -> None:
    rg, c = net.group(), net.client
    vnet = net.vnet(rg)
    free = c.virtual_networks.check_ip_address_availability(rg, vnet.name, ip_address="10.0.1.4")
    assert (free.available, free.is_platform_reserved) == (True, False)
    for reserved in ("10.0.1.0", "10.0.1.1", "10.0.1.3", "10.0.1.255"):
        r = c.virtual_networks.check_ip_address_availability(rg, vnet.name, ip_address=reserved)
        assert (r.available, r.is_platform_reserved) == (False, True)
        assert r.available_ip_addresses == ["10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8"]
    s = net.session()
    path = net.path(rg, "virtualNetworks", vnet.name) + "/CheckIPAddressAvailability"
    r = s.get(net.url(path, ipAddress="10.0.1.999"))
    assert r.status_code == 400 and "10.0.1.999" in r.json()["error"]["message"]
    r = s.get(net.url(path))
    assert r.status_code == 400 and "ipAddress" in r.json()["error"]["message"]

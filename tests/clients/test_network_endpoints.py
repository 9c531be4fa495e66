"""Private endpoints and their network interfaces through the real azure-mgmt-network SDK: address allocation,
the read-only interface, connections to a key vault (automatic and manual), the region, subscription and
authorization rules, limits, and what a delete leaves behind (nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from tests.clients.network_support import (
    Net,
    cli,
    nic_group_and_name,
    other_tenant,
    own_subscription,
    refused,
    unique,
)
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def net(vaultlink: Running) -> Net:
    return own_subscription(vaultlink)


@pytest.fixture
def rg(net: Net) -> str:
    return net.group()


@pytest.fixture
def vault(net: Net, rg: str) -> str:
    return net.vault(rg)


@pytest.fixture
def subnet(net: Net, rg: str) -> Any:
    vnet = net.vnet(rg)
    return vnet.properties.subnets[0]


def test_first_endpoints_get_4_then_5_and_a_read_only_interface(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    first = net.endpoint(rg, subnet.id, vault, name="pe-one")
    second = net.endpoint(rg, subnet.id, vault, name="pe-two")
    assert (net.address_of(first), net.address_of(second)) == ("10.0.1.4", "10.0.1.5")

    p = first.properties
    assert (first.type, first.location, p.provisioning_state) == ("Microsoft.Network/privateEndpoints", "eastus", "Succeeded")
    assert p.subnet.id == subnet.id
    vault_name = vault.split("/")[-1]
    assert [(d.fqdn, d.ip_addresses) for d in p.custom_dns_configs] == [(f"{vault_name}.vault.azure.net", ["10.0.1.4"])]
    assert p.manual_private_link_service_connections == [] and p.custom_network_interface_name == ""
    [conn] = p.private_link_service_connections
    assert conn.id == f"{first.id}/privateLinkServiceConnections/to-target"
    assert conn.type == "Microsoft.Network/privateEndpoints/privateLinkServiceConnections" and conn.etag
    assert (conn.properties.private_link_service_id, conn.properties.group_ids) == (vault, ["vault"])
    assert conn.properties.private_link_service_connection_state.status == "Approved"
    assert conn.properties.provisioning_state == "Succeeded"

    nic_rg, nic_name = nic_group_and_name(first)
    assert nic_rg == rg and nic_name.startswith("pe-one.nic.")
    nic = c.network_interfaces.get(nic_rg, nic_name)
    assert (nic.type, nic.location, nic.properties.nic_type) == ("Microsoft.Network/networkInterfaces", "eastus", "Standard")
    assert nic.properties.private_endpoint.id == first.id and nic.properties.mac_address
    assert (nic.properties.dns_settings.dns_servers, nic.properties.dns_settings.applied_dns_servers) == ([], [])
    [config] = nic.properties.ip_configurations
    assert config.name.startswith("privateEndpointIpConfig.") and config.id == f"{nic.id}/ipConfigurations/{config.name}"
    cp = config.properties
    assert (cp.private_ip_address, cp.private_ip_allocation_method, cp.private_ip_address_version, cp.primary) == (
        "10.0.1.4", "Dynamic", "IPv4", True)
    assert cp.subnet.id == subnet.id
    assert (cp.private_link_connection_properties.group_id, cp.private_link_connection_properties.required_member_name,
            cp.private_link_connection_properties.fqdns) == ("vault", "default", [f"{vault_name}.vault.azure.net"])
    assert nic.id in [n.id for n in c.network_interfaces.list(rg)]
    assert nic.id in [n.id for n in c.network_interfaces.list_all()]

    used = c.subnets.get(rg, subnet.id.split("/")[-3], "endpoints").properties
    assert sorted(e.id for e in used.private_endpoints) == sorted([first.id, second.id])
    assert config.id in [i.id for i in used.ip_configurations]

    assert {e.name for e in c.private_endpoints.list(rg)} == {"pe-one", "pe-two"}
    assert {"pe-one", "pe-two"} <= {e.name for e in c.private_endpoints.list_by_subscription()}
    assert c.private_endpoints.get(rg, "pe-one", expand="networkInterfaces").etag == first.etag


def test_check_ip_address_availability_agrees_with_the_allocator(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    vnet = subnet.id.split("/")[-3]
    net.endpoint(rg, subnet.id, vault)
    net.endpoint(rg, subnet.id, vault)
    taken = c.virtual_networks.check_ip_address_availability(rg, vnet, ip_address="10.0.1.4")
    assert (taken.available, taken.is_platform_reserved) == (False, False)
    assert taken.available_ip_addresses == ["10.0.1.6", "10.0.1.7", "10.0.1.8", "10.0.1.9", "10.0.1.10"]
    third = net.endpoint(rg, subnet.id, vault)
    assert net.address_of(third) == taken.available_ip_addresses[0]
    assert c.virtual_networks.check_ip_address_availability(rg, vnet, ip_address="10.0.1.7").available is True


def test_deleting_an_endpoint_frees_its_address_and_interface(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    first = net.endpoint(rg, subnet.id, vault)
    second = net.endpoint(rg, subnet.id, vault)
    c.private_endpoints.begin_delete(rg, first.name).result()
    with pytest.raises(ResourceNotFoundError):
        c.private_endpoints.get(rg, first.name)
    with pytest.raises(ResourceNotFoundError):
        c.network_interfaces.get(*nic_group_and_name(first))
    vnet = subnet.id.split("/")[-3]
    assert c.virtual_networks.check_ip_address_availability(rg, vnet, ip_address="10.0.1.4").available is True
    again = net.endpoint(rg, subnet.id, vault)
    assert net.address_of(again) == "10.0.1.4"
    assert net.address_of(second) == "10.0.1.5"
    assert net.address_of(net.endpoint(rg, subnet.id, vault)) == "10.0.1.6"
    c.private_endpoints.begin_delete(rg, first.name).result()  # absent: 204


def test_the_interface_is_read_only(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    endpoint = net.endpoint(rg, subnet.id, vault)
    nic_rg, nic_name = nic_group_and_name(endpoint)
    nic = c.network_interfaces.get(nic_rg, nic_name)
    err = refused(c.network_interfaces.begin_create_or_update, nic_rg, nic_name, nic)
    assert (err.status_code, err.error.code) == (400, "CannotModifyNicAttachedToPrivateEndpoint")
    assert endpoint.id in err.error.message and "can not be modified by user" in err.error.message
    err = refused(c.network_interfaces.begin_delete, nic_rg, nic_name)
    assert err.error.code == "CannotModifyNicAttachedToPrivateEndpoint"
    tagged = c.network_interfaces.update_tags(nic_rg, nic_name, {"tags": {"owner": "me"}})
    assert tagged.tags == {"owner": "me"}
    assert c.network_interfaces.get(nic_rg, nic_name).properties.ip_configurations[0].properties.private_ip_address == "10.0.1.4"


def test_static_address_and_custom_interface_name(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    static = [{"name": "fixed", "properties": {"groupId": "vault", "memberName": "default", "privateIPAddress": "10.0.1.100"}}]
    endpoint = net.endpoint(rg, subnet.id, vault, ipConfigurations=static, customNetworkInterfaceName="my-nic")
    assert endpoint.properties.custom_network_interface_name == "my-nic"
    assert endpoint.properties.network_interfaces[0].id.endswith("/networkInterfaces/my-nic")
    [ipc] = endpoint.properties.ip_configurations
    assert (ipc.name, ipc.properties.group_id, ipc.properties.member_name, ipc.properties.private_ip_address) == (
        "fixed", "vault", "default", "10.0.1.100")
    config = c.network_interfaces.get(rg, "my-nic").properties.ip_configurations[0]
    assert (config.name, config.properties.private_ip_address, config.properties.private_ip_allocation_method) == (
        "fixed", "10.0.1.100", "Static")
    assert net.address_of(net.endpoint(rg, subnet.id, vault)) == "10.0.1.4"  # dynamic still starts low

    def static_at(address: str, member: str = "default") -> list[dict[str, Any]]:
        return [{"name": "s", "properties": {"groupId": "vault", "memberName": member, "privateIPAddress": address}}]

    cases = [
        ("10.0.1.1", "PrivateIPAddressInReservedRange", "falls within reserved IP range of subnet prefix 10.0.1.0/24"),
        ("10.0.1.255", "PrivateIPAddressInReservedRange", "10.0.1.255"),
        ("10.0.1.100", "PrivateIPAddressIsAllocated", "/networkInterfaces/my-nic/ipConfigurations/fixed"),
        ("10.0.1.4", "PrivateIPAddressIsAllocated", "is using the private IP address 10.0.1.4"),
        ("10.0.2.10", "PrivateIPAddressNotInSubnet", "does not belong to the range of subnet prefix 10.0.1.0/24"),
    ]
    for address, code, text in cases:
        err = refused(net.endpoint, rg, subnet.id, vault, name="pe-static-bad", ipConfigurations=static_at(address))
        assert (err.status_code, err.error.code) == (400, code), err.error.message
        assert text in err.error.message
    err = refused(net.endpoint, rg, subnet.id, vault, name="pe-static-bad", ipConfigurations=static_at("10.0.1.50", "vault"))
    assert err.error.code == "PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps"
    assert "GroupId: vault, MemberName: default" in err.error.message
    err = refused(net.endpoint, rg, subnet.id, vault, name="pe-static-bad", customNetworkInterfaceName="my-nic")
    assert (err.status_code, err.error.code) == (409, "NetworkInterfaceNameInUse")
    with pytest.raises(ResourceNotFoundError):
        c.private_endpoints.get(rg, "pe-static-bad")
    assert net.address_of(net.endpoint(rg, subnet.id, vault)) == "10.0.1.5"  # the refusals took nothing


def test_endpoint_and_network_must_share_region_and_subscription(net: Net, rg: str, vault: str, subnet: Any,
                                                                  vaultlink: Running) -> None:
    err = refused(net.endpoint, rg, subnet.id, vault, name="pe-west", location="westus")
    assert (err.status_code, err.error.code) == (400, "InvalidResourceReference")
    vnet_id = subnet.id.rsplit("/subnets/", 1)[0]
    assert err.error.message.startswith(f"Resource {vnet_id} referenced by resource ")
    assert err.error.message.endswith("/privateEndpoints/pe-west was not found. Please make sure that the referenced "
                                      "resource exists, and that both resources are in the same region.")

    err = refused(net.endpoint, rg, subnet.id.replace("/subnets/endpoints", "/subnets/nope"), vault, name="pe-nosubnet")
    assert err.error.code == "InvalidResourceReference" and "/subnets/nope" in err.error.message

    other = own_subscription(vaultlink, owner=net)
    other_rg = other.group()
    err = refused(other.endpoint, other_rg, subnet.id, vault, name="pe-elsewhere")
    assert err.error.code == "InvalidResourceReference" and vnet_id in err.error.message
    # the vault itself may live in another subscription (and another region), once the endpoint's subscription
    # has Microsoft.KeyVault registered (an automatic connection is an approval)
    far = net.vault(rg, location="westeurope")
    other_subnet = other.vnet(other_rg).properties.subnets[0]
    err = refused(other.endpoint, other_rg, other_subnet.id, far, name="pe-far")
    assert (err.status_code, err.error.code) == (403, "AuthorizationFailed")
    assert err.error.message == ("Microsoft.KeyVault provider must be registered on subscription containing private "
                                 f"endpoint: /subscriptions/{other.subscription_id}/resourceGroups/{other_rg}/providers/"
                                 "Microsoft.Network/privateEndpoints/pe-far")
    other.rm.providers.register("Microsoft.KeyVault")
    assert other.address_of(other.endpoint(other_rg, other_subnet.id, far, name="pe-far")) == "10.0.1.4"


def test_connection_rules(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    body = net.endpoint_body(subnet.id, vault, group_ids=["blob"])
    err = refused(c.private_endpoints.begin_create_or_update, rg, "pe-bad", body)
    assert err.error.code == "InvalidPrivateLinkServiceConnectionGroupId" and "'blob'" in err.error.message
    err = refused(c.private_endpoints.begin_create_or_update, rg, "pe-bad",
                  net.endpoint_body(subnet.id, vault, group_ids=["vault", "vault"]))
    assert err.error.code == "OnlyOneGroupIdPermitted"

    s = net.session()
    url = net.url(net.path(rg, "privateEndpoints", "pe-bad"))
    two = net.endpoint_body(subnet.id, vault)
    two["properties"]["manualPrivateLinkServiceConnections"] = two["properties"]["privateLinkServiceConnections"]
    r = s.put(url, json=two)
    assert r.status_code == 400 and r.json()["error"]["code"] == "OnlyOnePrivateLinkServiceConnectionPermitted"
    none = net.endpoint_body(subnet.id, vault)
    del none["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"]
    r = s.put(url, json=none)
    assert r.json()["error"]["code"] == "MissingParameterOnPrivateLinkServiceConnection"
    assert "is missing required parameter 'group Id'" in r.json()["error"]["message"]
    long = net.endpoint_body(subnet.id, vault)
    long["properties"]["privateLinkServiceConnections"][0]["properties"]["requestMessage"] = "x" * 141
    r = s.put(url, json=long)
    assert r.status_code == 400 and "141" in r.json()["error"]["message"]
    missing = vault.rsplit("/", 1)[0] + "/kv-not-there"
    r = s.put(url, json=net.endpoint_body(subnet.id, missing))
    assert r.json()["error"]["code"] == "InvalidResourceReference" and missing in r.json()["error"]["message"]
    storage = vault.replace("Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts")
    r = s.put(url, json=net.endpoint_body(subnet.id, storage))
    assert r.status_code == 400 and "Microsoft.Storage/storageAccounts" in r.json()["error"]["message"]
    r = s.put(url, json={"location": "eastus", "properties": {"privateLinkServiceConnections": []}})
    assert r.status_code == 400
    r = s.put(net.url(net.path(rg, "privateEndpoints", "p")), json=net.endpoint_body(subnet.id, vault))
    assert r.json()["error"]["code"] == "InvalidResourceName"
    with pytest.raises(ResourceNotFoundError):
        c.private_endpoints.get(rg, "pe-bad")


def test_updates_change_tags_only(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    endpoint = net.endpoint(rg, subnet.id, vault)
    fetched = c.private_endpoints.get(rg, endpoint.name)
    fetched.tags = {"team": "platform"}
    updated = c.private_endpoints.begin_create_or_update(rg, endpoint.name, fetched).result()  # GET, then PUT back
    assert updated.tags == {"team": "platform"} and updated.etag != endpoint.etag
    assert net.address_of(updated) == net.address_of(endpoint)
    assert updated.properties.network_interfaces[0].id == endpoint.properties.network_interfaces[0].id

    other_subnet = c.subnets.begin_create_or_update(rg, subnet.id.split("/")[-3], "more", {
        "properties": {"addressPrefix": "10.0.9.0/24"}}).result()
    err = refused(c.private_endpoints.begin_create_or_update, rg, endpoint.name,
                  net.endpoint_body(other_subnet.id, vault))
    assert err.error.code == "CannotChangeSubnetOnExistingPrivateEndpoint" and other_subnet.id in err.error.message
    second_vault = net.vault(rg)
    err = refused(c.private_endpoints.begin_create_or_update, rg, endpoint.name, net.endpoint_body(subnet.id, second_vault))
    assert err.error.code == "CannotChangePrivateLinkConnectionOnPrivateEndpoint"
    static = [{"name": "s", "properties": {"groupId": "vault", "memberName": "default", "privateIPAddress": "10.0.1.99"}}]
    err = refused(c.private_endpoints.begin_create_or_update, rg, endpoint.name,
                  net.endpoint_body(subnet.id, vault, ipConfigurations=static))
    assert err.error.code == "CannotChangePrivateEndpointIpConfigurations"
    err = refused(c.private_endpoints.begin_create_or_update, rg, endpoint.name,
                  net.endpoint_body(subnet.id, vault, location="westus"))
    assert err.error.code == "InvalidResourceLocation"


def test_manual_connections_start_pending(net: Net, rg: str, vault: str, subnet: Any) -> None:
    endpoint = net.endpoint(rg, subnet.id, vault, manual=True)
    assert endpoint.properties.private_link_service_connections == []
    [conn] = endpoint.properties.manual_private_link_service_connections
    assert conn.id == f"{endpoint.id}/manualPrivateLinkServiceConnections/to-target"
    assert conn.type == "Microsoft.Network/privateEndpoints/manualPrivateLinkServiceConnections"
    assert conn.properties.private_link_service_connection_state.status == "Pending"
    s = net.session()
    r = s.get(net.url(vault + "/privateEndpointConnections", "2025-05-01"))
    if r.status_code == 200:
        [pec] = [p for p in r.json()["value"] if p["properties"]["privateEndpoint"]["id"] == endpoint.id]
        assert pec["properties"]["privateLinkServiceConnectionState"]["status"] == "Pending"


def test_automatic_connections_need_the_approval_right(net: Net, rg: str, vault: str, subnet: Any) -> None:
    """A Network Contributor may build endpoints but not approve on the vault: automatic is refused (403),
    manual works and waits for the owner."""
    running = net.running
    sp = cli(running, "sp-create", unique("netadmin-"), "--tenant", net.tenant_id)
    cli(running, "role-assign", "--assignee", sp["appId"], "--role", "Network Contributor",
        "--scope", f"/subscriptions/{net.subscription_id}/resourceGroups/{rg}")
    admin = net.as_principal(sp["appId"], sp["objectId"], sp["secret"])
    err = refused(admin.endpoint, rg, subnet.id, vault, name="pe-auto")
    assert (err.status_code, err.error.code) == (403, "LinkedAuthorizationFailed")
    assert "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action" in err.error.message
    assert vault in err.error.message and sp["objectId"] in err.error.message
    pending = admin.endpoint(rg, subnet.id, vault, name="pe-manual", manual=True)
    assert pending.properties.manual_private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Pending"


def test_cross_tenant_takes_manual_requests_only(net: Net, rg: str, subnet: Any, vaultlink: Running) -> None:
    fabrikam = other_tenant(vaultlink)
    their_vault = fabrikam.vault(fabrikam.group())
    err = refused(net.endpoint, rg, subnet.id, their_vault, name="pe-x-auto")
    assert (err.status_code, err.error.code) == (403, "LinkedAuthorizationFailed")
    manual = net.endpoint(rg, subnet.id, their_vault, name="pe-x-manual", manual=True)
    assert manual.properties.manual_private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Pending"

    # it stays Pending until a principal of the vault's tenant approves it; then both sides say Approved
    from azure.mgmt.keyvault import KeyVaultManagementClient

    vault_rg, vault_name = their_vault.split("/")[4], their_vault.split("/")[-1]
    owner = KeyVaultManagementClient(fabrikam.credential, fabrikam.subscription_id)  # type: ignore[arg-type]
    [pec] = [p for p in owner.private_endpoint_connections.list_by_resource(vault_rg, vault_name)
             if p.properties.private_endpoint.id.lower() == manual.id.lower()]
    assert pec.properties.private_link_service_connection_state.status == "Pending"
    consumer = KeyVaultManagementClient(net.credential, fabrikam.subscription_id)  # type: ignore[arg-type]
    with pytest.raises((HttpResponseError, ClientAuthenticationError)):
        consumer.private_endpoint_connections.put(vault_rg, vault_name, pec.name, {"properties": {
            "privateLinkServiceConnectionState": {"status": "Approved"}}})
    approve = {"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "by fabrikam"}}}
    if net.rm.providers.get("Microsoft.KeyVault").registration_state != "Registered":
        # Azure's documented gotcha: the endpoint's subscription must have Microsoft.KeyVault registered
        err = refused(owner.private_endpoint_connections.put, vault_rg, vault_name, pec.name, approve)
        assert err.error.code == "AuthorizationFailed" and "must be registered" in err.error.message
        net.rm.providers.register("Microsoft.KeyVault")
    owner.private_endpoint_connections.put(vault_rg, vault_name, pec.name, approve)
    assert owner.private_endpoint_connections.get(vault_rg, vault_name, pec.name).properties \
        .private_link_service_connection_state.status == "Approved"
    assert net.client.private_endpoints.get(rg, "pe-x-manual").properties.manual_private_link_service_connections[0] \
        .properties.private_link_service_connection_state.status == "Approved"


def test_subnet_and_network_in_use_cannot_go(net: Net, rg: str, vault: str, subnet: Any) -> None:
    c = net.client
    vnet = subnet.id.split("/")[-3]
    endpoint = net.endpoint(rg, subnet.id, vault)
    nic_config = c.network_interfaces.get(*nic_group_and_name(endpoint)).properties.ip_configurations[0].id
    for call, args in ((c.subnets.begin_delete, (rg, vnet, "endpoints")), (c.virtual_networks.begin_delete, (rg, vnet))):
        err = refused(call, *args)
        assert (err.status_code, err.error.code) == (400, "InUseSubnetCannotBeDeleted")
        assert err.error.message == (f"Subnet endpoints is in use by {nic_config} and cannot be deleted. In order to "
                                     "delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.")
    err = refused(c.subnets.begin_create_or_update, rg, vnet, "endpoints", {"properties": {"addressPrefix": "10.0.2.0/24"}})
    assert err.error.code == "InUsePrefixCannotBeDeleted" and "10.0.1.0/24" in err.error.message
    err = refused(c.virtual_networks.begin_create_or_update, rg, vnet, {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert err.error.code == "InUseSubnetCannotBeDeleted"
    widened = c.subnets.begin_create_or_update(rg, vnet, "endpoints", {"properties": {
        "addressPrefixes": ["10.0.1.0/24", "10.0.7.0/24"]}}).result()  # adding a prefix is fine
    assert widened.properties.address_prefixes == ["10.0.1.0/24", "10.0.7.0/24"]
    c.private_endpoints.begin_delete(rg, endpoint.name).result()
    c.virtual_networks.begin_delete(rg, vnet).result()


def test_deleting_the_group_leaves_nothing_behind(net: Net, vaultlink: Running) -> None:
    """The endpoint's group goes: its connection leaves the vault, its address returns to the subnet (in
    another group), its interface goes. The network's group cannot go while another group's endpoint uses it."""
    network_rg, endpoint_rg = net.group(), net.group()
    vault = net.vault(network_rg)
    subnet = net.vnet(network_rg).properties.subnets[0]
    net.endpoint(endpoint_rg, subnet.id, vault)
    err = refused(net.rm.resource_groups.begin_delete, network_rg)
    assert err.error.code == "InUseSubnetCannotBeDeleted"
    assert net.rm.resource_groups.check_existence(network_rg)

    net.rm.resource_groups.begin_delete(endpoint_rg).result()
    vnet = subnet.id.split("/")[-3]
    assert net.client.virtual_networks.check_ip_address_availability(network_rg, vnet, ip_address="10.0.1.4").available
    r = net.session().get(net.url(vault + "/privateEndpointConnections", "2025-05-01"))
    if r.status_code == 200:
        assert r.json()["value"] == []
    assert list(net.client.network_interfaces.list_all()) == [] or all(
        endpoint_rg not in n.id for n in net.client.network_interfaces.list_all())
    net.rm.resources.list_by_resource_group(network_rg)
    net.rm.resource_groups.begin_delete(network_rg).result()


def test_small_subnets_fill_up(net: Net, rg: str, vault: str) -> None:
    subnet = net.vnet(rg, subnets={"tiny": "10.0.0.8/29"}).properties.subnets[0]
    got = [net.address_of(net.endpoint(rg, subnet.id, vault)) for _ in range(3)]
    assert got == ["10.0.0.12", "10.0.0.13", "10.0.0.14"]
    err = refused(net.endpoint, rg, subnet.id, vault)
    assert err.error.code == "SubnetIsFull" and "10.0.0.8/29" in err.error.message


def test_a_vault_takes_64_endpoints(net: Net, rg: str, vault: str) -> None:
    subnet = net.vnet(rg, subnets={"wide": "10.0.0.0/24"}).properties.subnets[0]
    s = net.session()
    for i in range(64):
        r = s.put(net.url(net.path(rg, "privateEndpoints", f"pe-{i}")), json=net.endpoint_body(subnet.id, vault))
        assert r.status_code == 201, r.text
    r = s.put(net.url(net.path(rg, "privateEndpoints", "pe-64")), json=net.endpoint_body(subnet.id, vault))
    assert r.status_code == 400 and r.json()["error"]["code"] == "PrivateEndpointConnectionsLimitReached"
    check = net.client.virtual_networks.check_ip_address_availability(rg, subnet.id.split("/")[-3], ip_address="10.0.0.4")
    assert check.available_ip_addresses[0] == "10.0.0.68"  # the refused 65th took nothing


def test_a_network_takes_1000_endpoints(net: Net, rg: str, subnet: Any) -> None:
    """The per-network count is kept as a counter record; seed it near the limit rather than make 1000."""
    from vaultlink.store import open_store

    vnet_id = subnet.id.rsplit("/subnets/", 1)[0]
    vault = net.vault(rg)
    store = open_store(net.running.state.get("store") or f"sqlite:///{net.running.data_dir / 'vaultlink.db'}")
    try:
        with store.transaction() as tx:
            tx.put("vnetusage", vnet_id.lower(), {"privateEndpoints": 999})
    finally:
        store.close()
    last = net.endpoint(rg, subnet.id, vault)
    assert net.address_of(last) == "10.0.1.4"
    err = refused(net.endpoint, rg, subnet.id, vault)
    assert err.error.code == "PrivateEndpointCountLimitReached" and "1000" in err.error.message
    net.client.private_endpoints.begin_delete(rg, last.name).result()
    net.endpoint(rg, subnet.id, vault)  # room for one again


@pytest.mark.postgres
def test_two_processes_allocating_in_one_subnet_never_share_an_address(tmp_path: Any) -> None:
    """On a shared PostgreSQL store, two vaultlink processes create endpoints in one subnet at once: optimistic
    writes that lose a race are retried, so every endpoint gets its own address and nobody sees an error."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from tests.postgres import throwaway_database
    from tests.vaultlink_process import start

    root_key = {"VAULTLINK_ROOT_KEY_FILE": str(tmp_path / "shared-root.key")}
    with throwaway_database() as url:
        a = start(tmp_path / "a", "--store", url, env=root_key)
        b = start(tmp_path / "b", "--store", url, env=root_key)
        saved = dict(os.environ)
        try:
            os.environ.update(a.env_exports())
            c = a.credentials
            sp = c["servicePrincipal"]
            via_a = Net(a, c["tenantId"], c["subscriptionId"], sp["appId"], sp["objectId"], sp["secret"])
            via_b = Net(b, c["tenantId"], c["subscriptionId"], sp["appId"], sp["objectId"], sp["secret"])
            rg = via_a.group()
            subnet = via_a.vnet(rg).properties.subnets[0]
            vaults = [via_a.vault(rg) for _ in range(2)]
            sessions = [via_a.session(), via_b.session()]

            def create(i: int) -> int:
                side = (via_a, via_b)[i % 2]
                r = sessions[i % 2].put(side.url(side.path(rg, "privateEndpoints", f"pe-{i}")),
                                        json=side.endpoint_body(subnet.id, vaults[i % 2]))
                return r.status_code

            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(create, range(40)))
            assert statuses == [201] * 40
            addresses = [via_a.address_of(e) for e in via_a.client.private_endpoints.list(rg)]
            assert sorted(addresses, key=lambda x: int(x.rsplit(".", 1)[1])) == [f"10.0.1.{i}" for i in range(4, 44)]
        finally:
            os.environ.clear()
            os.environ.update(saved)
            a.stop()
            b.stop()

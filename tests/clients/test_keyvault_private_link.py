"""A vault's private link side through the real azure-mgmt-keyvault SDK: its private link resource, and the
private endpoint connections the owner lists, approves, rejects and removes.

Connections are made by creating a private endpoint with azure-mgmt-network."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from tests.clients.keyvault_support import World, cli, own_subscription, unique
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def world(vaultlink: Running) -> World:
    return own_subscription(vaultlink)


@pytest.fixture
def vault(world: World) -> Any:
    return world.create_vault(unique())


def network(world: World) -> NetworkManagementClient:
    return NetworkManagementClient(world.credential, world.subscription_id)  # type: ignore[arg-type]


def private_endpoint(world: World, vault_id: str, *, manual: bool = True, group: str | None = None) -> Any:
    """A virtual network, a subnet and a private endpoint to the vault."""
    net, group = network(world), group or world.group
    vnet, pe = unique("vnet"), unique("pe")
    net.virtual_networks.begin_create_or_update(group, vnet, {
        "location": "eastus",
        "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                       "subnets": [{"name": "endpoints", "properties": {"addressPrefix": "10.20.1.0/24"}}]},
    }).result()
    subnet = net.subnets.get(group, vnet, "endpoints")
    connection = {"name": "to-vault", "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"],
                                                     "requestMessage": "please approve"}}
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    return net.private_endpoints.begin_create_or_update(group, pe, {
        "location": "eastus", "properties": {"subnet": {"id": subnet.id}, key: [connection]},
    }).result()


def only_connection(kv: KeyVaultManagementClient, group: str, vault_name: str) -> Any:
    connections = list(kv.private_endpoint_connections.list_by_resource(group, vault_name))
    assert len(connections) == 1
    return connections[0]


# ---- what works without an endpoint ----------------------------------------------------------------------

def test_private_link_resources(world: World, vault: Any) -> None:
    [resource] = list(world.kv.private_link_resources.list_by_vault(world.group, vault.name).value)
    assert resource.id == f"{vault.id}/privateLinkResources/vault"
    assert (resource.name, resource.type) == ("vault", "Microsoft.KeyVault/vaults/privateLinkResources")
    assert resource.properties.group_id == "vault"
    assert resource.properties.required_members == ["default"]
    assert resource.properties.required_zone_names == ["privatelink.vaultcore.azure.net"]


def test_no_connections_yet(world: World, vault: Any) -> None:
    kv = world.kv
    assert list(kv.private_endpoint_connections.list_by_resource(world.group, vault.name)) == []
    assert kv.private_endpoint_connections.get(world.group, vault.name, "pe.nothing") is None
    s = world.session()
    url = world.vault_url(vault.name, "/privateEndpointConnections/pe.nothing")
    r = s.get(url)
    assert r.status_code == 204 and r.content == b""
    r = s.delete(url)
    assert r.status_code == 204 and r.content == b""
    r = s.put(url, json={"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    assert r.status_code == 404 and "pe.nothing" in r.json()["error"]["message"]
    r = s.put(url, json={"properties": {}})
    assert r.status_code == 400 and "privateLinkServiceConnectionState.status" in r.json()["error"]["message"]


def test_connections_of_a_missing_vault(world: World) -> None:
    s = world.session()
    for suffix in ("/privateEndpointConnections", "/privateEndpointConnections/x", "/privateLinkResources"):
        r = s.get(world.vault_url("kv-missing", suffix))
        assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceNotFound"


def test_approving_needs_the_approval_action(world: World, vault: Any) -> None:
    """A Reader reads connections but cannot approve: the PUT is checked against
    Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action."""
    running = world.running
    sp = cli(running, "sp-create", unique("reader"), "--tenant", world.tenant_id)
    cli(running, "role-assign", "--assignee", sp["appId"], "--role", "Reader", "--scope", vault.id)
    reader = World(running, world.tenant_id, world.subscription_id, sp["appId"], sp["objectId"], sp["secret"], world.group)
    assert list(reader.kv.private_endpoint_connections.list_by_resource(world.group, vault.name)) == []
    with pytest.raises(HttpResponseError) as err:
        reader.kv.private_endpoint_connections.put(world.group, vault.name, "pe.any", {
            "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "mine"}}})
    assert (err.value.status_code, err.value.error.code) == (403, "AuthorizationFailed")
    assert "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action" in err.value.error.message


# ---- with a private endpoint (Microsoft.Network) -------------------------------------------------------------

def test_manual_connection_is_pending_then_approved_then_rejected(world: World, vault: Any) -> None:
    private_endpoint(world, vault.id, manual=True)
    kv = world.kv
    pending = only_connection(kv, world.group, vault.name)
    assert pending.type == "Microsoft.KeyVault/vaults/privateEndpointConnections"
    assert pending.properties.private_link_service_connection_state.status == "Pending"
    assert pending.properties.private_link_service_connection_state.description == "please approve"
    listed = kv.vaults.get(world.group, vault.name).properties.private_endpoint_connections
    assert [c.id for c in listed] == [pending.id] and listed[0].properties.private_endpoint.id

    # as az does: GET, then PUT with the etag and an empty privateEndpoint
    approved = kv.private_endpoint_connections.put(world.group, vault.name, pending.name, {
        "etag": pending.etag,
        "properties": {"privateEndpoint": {}, "privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}},
    })
    assert approved.properties.private_link_service_connection_state.status == "Approved"
    assert approved.properties.private_endpoint.id == pending.properties.private_endpoint.id
    assert approved.properties.provisioning_state == "Succeeded"
    endpoint = network(world).private_endpoints.get(world.group, pending.properties.private_endpoint.id.split("/")[-1])
    assert endpoint.properties.manual_private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Approved"

    rejected = kv.private_endpoint_connections.put(world.group, vault.name, pending.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Rejected", "description": "no"}}})
    assert rejected.properties.private_link_service_connection_state.status == "Rejected"
    # Azure's Key Vault approves a rejected connection again (recorded 2024-04-18 at api-version 2023-07-01),
    # whatever the general Private Link documentation says; both sides follow.
    again = kv.private_endpoint_connections.put(world.group, vault.name, pending.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "again"}}})
    assert again.properties.private_link_service_connection_state.status == "Approved"
    assert again.properties.private_link_service_connection_state.description == "again"
    assert again.properties.private_endpoint.id == pending.properties.private_endpoint.id
    endpoint = network(world).private_endpoints.get(world.group, pending.properties.private_endpoint.id.split("/")[-1])
    assert endpoint.properties.manual_private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Approved"

def test_removing_a_connection_leaves_the_endpoint_disconnected(world: World, vault: Any) -> None:
    private_endpoint(world, vault.id, manual=False)
    kv = world.kv
    connection = only_connection(kv, world.group, vault.name)
    assert connection.properties.private_link_service_connection_state.status == "Approved"
    removed = kv.private_endpoint_connections.begin_delete(world.group, vault.name, connection.name).result()
    assert removed.properties.provisioning_state == "Disconnected"
    assert kv.private_endpoint_connections.get(world.group, vault.name, connection.name) is None
    assert kv.vaults.get(world.group, vault.name).properties.private_endpoint_connections is None
    endpoint = network(world).private_endpoints.get(world.group, connection.properties.private_endpoint.id.split("/")[-1])
    assert endpoint.properties.private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Disconnected"


def test_deleting_the_vault_disconnects_its_endpoints(world: World, vault: Any) -> None:
    endpoint = private_endpoint(world, vault.id, manual=False)
    world.kv.vaults.delete(world.group, vault.name)
    again = network(world).private_endpoints.get(world.group, endpoint.name)
    assert again.properties.private_link_service_connections[0].properties \
        .private_link_service_connection_state.status == "Disconnected"
    recovered = world.kv.vaults.begin_create_or_update(
        world.group, vault.name, world.vault_body(createMode="recover")).result()
    assert recovered.properties.private_endpoint_connections is None


def test_approval_needs_the_provider_on_the_endpoints_subscription(world: World, vault: Any) -> None:
    consumer = own_subscription(world.running, owner=world)  # Microsoft.KeyVault is not registered there
    private_endpoint(consumer, vault.id, manual=True)
    kv = world.kv
    pending = only_connection(kv, world.group, vault.name)
    with pytest.raises(HttpResponseError) as err:
        kv.private_endpoint_connections.put(world.group, vault.name, pending.name, {
            "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    assert (err.value.status_code, err.value.error.code) == (403, "AuthorizationFailed")
    assert err.value.error.message == ("Microsoft.KeyVault provider must be registered on subscription containing "
                                       f"private endpoint: {pending.properties.private_endpoint.id}")
    consumer.rm.providers.register("Microsoft.KeyVault")
    approved = kv.private_endpoint_connections.put(world.group, vault.name, pending.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    assert approved.properties.private_link_service_connection_state.status == "Approved"


def test_deleting_a_group_with_a_vault_and_its_endpoint(world: World) -> None:
    """One transaction soft-deletes the vault, drops its connections and removes the endpoint with them."""
    group = unique("rg")
    world.rm.resource_groups.create_or_update(group, {"location": "eastus"})
    vault = world.create_vault(unique(), group=group)
    private_endpoint(world, vault.id, manual=False, group=group)
    world.rm.resource_groups.begin_delete(group).result()
    assert vault.name in {d.name for d in world.kv.vaults.list_deleted()}
    recovered = world.kv.vaults.begin_create_or_update(
        world.group, vault.name, world.vault_body(createMode="recover")).result()
    assert recovered.properties.private_endpoint_connections is None
    assert list(world.kv.private_endpoint_connections.list_by_resource(world.group, vault.name)) == []

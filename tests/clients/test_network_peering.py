"""Virtual network peering through the real azure-mgmt-network SDK and `az network vnet peering`, and what it
changes for the machines: a hub and spoke with the vault's zone linked to the hub only, `dig` from the spoke,
secret reads over the peering admitted, and unpeering taking it all away again."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.clients.machines_support import vaultlink_cli, vm_json
from tests.clients.network_support import VAULT_ZONE, Net, own_subscription, unique
from tests.vaultlink_process import Running, exported

PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server, exported(server):
        yield server


@pytest.fixture(scope="module")
def net(running: Running) -> Net:
    return own_subscription(running)


def peer(net: Net, group: str, local: Any, remote: Any, name: str | None = None, **flags: bool) -> Any:
    return net.client.virtual_network_peerings.begin_create_or_update(
        group, local.name, name or f"to-{remote.name}",
        {"properties": {"remoteVirtualNetwork": {"id": remote.id}, **flags}}).result()


def state(net: Net, group: str, vnet: Any, name: str) -> str:
    value: str = net.client.virtual_network_peerings.get(group, vnet.name, name).properties.peering_state
    return value


def test_peering_is_initiated_then_connected_and_disconnected_when_one_side_goes(net: Net) -> None:
    group = net.group()
    hub = net.vnet(group, unique("hub-"), space="10.10.0.0/16", subnets={"default": "10.10.0.0/24"})
    spoke = net.vnet(group, unique("spoke-"), space="10.20.0.0/16", subnets={"default": "10.20.0.0/24"})

    first = peer(net, group, hub, spoke, "hub-to-spoke")
    assert first.id == f"{hub.id}/virtualNetworkPeerings/hub-to-spoke" and first.type == PEERING_TYPE
    p = first.properties
    assert (p.peering_state, p.provisioning_state, p.remote_virtual_network.id) == ("Initiated", "Succeeded", spoke.id)
    assert (p.allow_virtual_network_access, p.allow_forwarded_traffic, p.allow_gateway_transit,
            p.use_remote_gateways) == (True, False, False, False)
    assert p.remote_address_space.address_prefixes == ["10.20.0.0/16"]

    back = peer(net, group, spoke, hub, "spoke-to-hub", allowForwardedTraffic=True)
    assert back.properties.peering_state == "Connected" and back.properties.allow_forwarded_traffic is True
    assert state(net, group, hub, "hub-to-spoke") == "Connected"
    listed = net.client.virtual_networks.get(group, hub.name).properties.virtual_network_peerings
    assert [(x.name, x.properties.peering_state) for x in listed] == [("hub-to-spoke", "Connected")]
    assert [x.name for x in net.client.virtual_network_peerings.list(group, spoke.name)] == ["spoke-to-hub"]

    net.client.virtual_network_peerings.begin_delete(group, spoke.name, "spoke-to-hub").result()
    assert state(net, group, hub, "hub-to-spoke") == "Disconnected"
    with pytest.raises(HttpResponseError) as refused:  # the hub's side must be made again first
        peer(net, group, spoke, hub, "spoke-to-hub")
    assert refused.value.status_code == 400 and refused.value.error.code == "RemotePeeringIsDisconnected"
    assert "is in Disconnected state" in refused.value.error.message

    net.client.virtual_network_peerings.begin_delete(group, hub.name, "hub-to-spoke").result()
    assert peer(net, group, hub, spoke, "hub-to-spoke").properties.peering_state == "Initiated"
    assert peer(net, group, spoke, hub, "spoke-to-hub").properties.peering_state == "Connected"

    net.client.virtual_networks.begin_delete(group, spoke.name).result()  # the network goes with its side
    assert state(net, group, hub, "hub-to-spoke") == "Disconnected"


def test_overlapping_networks_cannot_be_peered(net: Net) -> None:
    group = net.group()
    a = net.vnet(group, unique("a-"), space="10.30.0.0/16", subnets={})
    b = net.vnet(group, unique("b-"), space="10.30.128.0/17", subnets={})
    c = net.vnet(group, unique("c-"), space="10.31.0.0/16", subnets={})
    with pytest.raises(HttpResponseError) as refused:
        peer(net, group, a, b)
    assert refused.value.status_code == 400 and refused.value.error.code == "VnetAddressSpacesOverlap"
    assert refused.value.error.message.endswith("Overlapping address prefixes: 10.30.128.0/17")
    peer(net, group, c, a)
    peer(net, group, a, c)
    with pytest.raises(HttpResponseError) as already:  # b overlaps a, which c is already peered with
        peer(net, group, b, c)
    assert already.value.error.code == "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"
    with pytest.raises(HttpResponseError) as gateways:
        peer(net, group, c, a, f"to-{a.name}", useRemoteGateways=True)
    assert gateways.value.status_code == 400
    assert net.client.virtual_network_peerings.get(group, c.name, f"to-{a.name}").properties.use_remote_gateways is False


def test_az_network_vnet_peering(running: Running, tmp_path_factory: pytest.TempPathFactory) -> None:
    az = Az(running, tmp_path_factory.mktemp("az-peering"))
    az.login()
    group = unique("rg-peer-")
    az("group", "create", "-n", group, "-l", "eastus")
    az("network", "vnet", "create", "-g", group, "-n", "hub", "--address-prefixes", "10.40.0.0/16")
    az("network", "vnet", "create", "-g", group, "-n", "spoke", "--address-prefixes", "10.41.0.0/16")
    made = az("network", "vnet", "peering", "create", "-g", group, "-n", "hub-spoke", "--vnet-name", "hub",
              "--remote-vnet", "spoke", "--allow-vnet-access")
    assert made["peeringState"] == "Initiated" and made["remoteVirtualNetwork"]["id"].endswith("/spoke")
    az("network", "vnet", "peering", "create", "-g", group, "-n", "spoke-hub", "--vnet-name", "spoke",
       "--remote-vnet", "hub", "--allow-vnet-access")
    shown = az("network", "vnet", "peering", "show", "-g", group, "-n", "hub-spoke", "--vnet-name", "hub")
    assert shown["peeringState"] == "Connected"
    updated = az("network", "vnet", "peering", "update", "-g", group, "-n", "hub-spoke", "--vnet-name", "hub",
                 "--set", "allowForwardedTraffic=true")
    assert updated["allowForwardedTraffic"] is True and updated["peeringState"] == "Connected"
    assert [x["name"] for x in az("network", "vnet", "peering", "list", "-g", group, "--vnet-name", "hub")] == ["hub-spoke"]
    az("network", "vnet", "update", "-g", group, "-n", "hub", "--dns-servers", "10.40.0.4")  # keeps its peering
    az("network", "vnet", "peering", "delete", "-g", group, "-n", "spoke-hub", "--vnet-name", "spoke")
    assert az("network", "vnet", "peering", "show", "-g", group, "-n", "hub-spoke",
              "--vnet-name", "hub")["peeringState"] == "Disconnected"
    failed = az.fails("network", "vnet", "peering", "create", "-g", group, "-n", "self", "--vnet-name", "hub",
                      "--remote-vnet", "hub")
    assert "itself" in failed.stderr


# ---- hub and spoke: the zone linked to the hub only ------------------------------------------------------

def proxy_of(running: Running, machine: str) -> str:
    exports = vaultlink_cli(running, "env", "--vm", machine).stdout
    return next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                if line.startswith("export HTTPS_PROXY="))


def secrets_from(running: Running, machine: str, vault: str) -> SecretClient:
    c = running.credentials
    kw: dict[str, Any] = {"proxies": {"https": proxy_of(running, machine)}, "connection_verify": running.ca}
    cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    return SecretClient(f"https://{vault}.vault.azure.net", cred, retry_total=0, **kw)


def dig_from(running: Running, machine: str, name: str) -> str:
    host, port = vm_json(running, "show", machine)["dnsServer"].rsplit(":", 1)
    out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer", "+comments", "+tries=1",
                          "+time=5"], capture_output=True, text=True, timeout=30, check=False).stdout
    return " ".join(out.split())


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")
def test_hub_and_spoke(running: Running) -> None:
    c = running.credentials
    net = Net.default(running)
    group = net.group()
    hub = net.vnet(group, "hub", space="10.50.0.0/16", subnets={"default": "10.50.0.0/24"})
    spoke = net.vnet(group, "spoke", space="10.51.0.0/16", subnets={"default": "10.51.0.0/24"})
    vault_id = net.vault(group)
    vault = vault_id.rsplit("/", 1)[1]
    net.session().put(net.url(vault_id, "2025-05-01"), json={"location": "eastus", "properties": {
        "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled",
        "enableRbacAuthorization": False, "accessPolicies": [{"tenantId": c["tenantId"],
        "objectId": c["servicePrincipal"]["objectId"], "permissions": {"secrets": ["get", "set"]}}]}}).raise_for_status()
    dns = PrivateDnsManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]
    net.zone(group)
    dns.virtual_network_links.begin_create_or_update(group, VAULT_ZONE, "hub", {"location": "global", "properties": {
        "virtualNetwork": {"id": hub.id}, "registrationEnabled": False}}).result()
    endpoint = net.endpoint(group, hub.properties.subnets[0].id, vault_id)
    address = net.address_of(endpoint)
    dns.record_sets.create_or_update(group, VAULT_ZONE, "A", vault, {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": address}]}})
    forwarder = vm_json(running, "create", unique("dns-"), "-g", group, "--vnet", "hub", "--subnet", "default")
    app = vm_json(running, "create", unique("app-"), "-g", group, "--vnet", "spoke", "--subnet", "default")["name"]
    name = f"{vault}.vault.azure.net"

    # not peered, on Azure DNS: the spoke gets the public answer, and the vault refuses
    assert "10.50." not in dig_from(running, app, name) and "status: NOERROR" in dig_from(running, app, name)
    with pytest.raises(HttpResponseError) as public:
        secrets_from(running, app, vault).get_secret("x")
    assert public.value.status_code == 403 and "Public network access is disabled" in str(public.value.message)

    # the spoke's DNS points at the hub's forwarder: unpeered, the forwarder is out of reach
    net.client.virtual_networks.begin_create_or_update(group, "spoke", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.51.0.0/16"]}, "dhcpOptions": {"dnsServers": [forwarder["privateIp"]]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.51.0.0/24"}}]}}).result()
    assert f"IN A {address}" not in dig_from(running, app, name)

    # peered both ways: the spoke asks the hub's forwarder, gets the private answer, and reads over the peering
    peer(net, group, hub, spoke)
    peer(net, group, spoke, hub)
    assert f"{vault}.{VAULT_ZONE}. 10 IN A {address}" in dig_from(running, app, name)
    client = secrets_from(running, app, vault)
    client.set_secret("over-peering", "admitted")
    assert client.get_secret("over-peering").value == "admitted"

    # one side without allowVirtualNetworkAccess: no traffic, though both are Connected
    peer(net, group, spoke, hub, "to-hub", allowVirtualNetworkAccess=False)
    assert f"IN A {address}" not in dig_from(running, app, name)
    with pytest.raises((HttpResponseError, ServiceRequestError)):
        secrets_from(running, app, vault).get_secret("over-peering")
    peer(net, group, spoke, hub, "to-hub", allowVirtualNetworkAccess=True)
    assert secrets_from(running, app, vault).get_secret("over-peering").value == "admitted"

    # unpeering flips it back
    net.client.virtual_network_peerings.begin_delete(group, "hub", "to-spoke").result()
    assert f"IN A {address}" not in dig_from(running, app, name)
    with pytest.raises((HttpResponseError, ServiceRequestError)):  # a new connection, as an open one stays up
        secrets_from(running, app, vault).get_secret("over-peering")


BAD_BODIES: list[Any] = [{}, {"properties": None}, {"properties": []}, {"properties": {"remoteVirtualNetwork": "x"}},
                         {"location": "eastus", "properties": {"virtualNetwork": {"id": 5}, "ipConfigurations": [{}],
                                                               "subnet": {}, "targetDnsServers": "x",
                                                               "domainName": 3, "gatewayIpAddress": None}}]


def test_bad_bodies_get_azure_errors_never_a_500(net: Net) -> None:
    group = net.group()
    vnet = net.vnet(group, "vn", space="10.90.0.0/16", subnets={"default": "10.90.0.0/24"})
    base = f"/resourceGroups/{group}/providers/Microsoft.Network"
    paths = {
        f"{vnet.id}/virtualNetworkPeerings/p": "2024-07-01",
        f"{base}/dnsResolvers/r": "2022-07-01",
        f"{base}/dnsResolvers/r/inboundEndpoints/i": "2022-07-01",
        f"{base}/dnsForwardingRulesets/rs": "2022-07-01",
        f"{base}/dnsForwardingRulesets/rs/forwardingRules/f": "2022-07-01",
        f"{base}/virtualNetworkGateways/g": "2024-07-01",
        f"{base}/localNetworkGateways/l": "2024-07-01",
        f"{base}/connections/c": "2024-07-01",
    }
    session = net.session()
    for path, api in paths.items():
        for body in BAD_BODIES:
            r = session.put(net.url(path, api), json=body)
            assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
            assert r.json()["error"]["code"], r.text

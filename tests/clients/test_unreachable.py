"""A connection to an address nobody holds, through the real azure-keyvault-secrets client: by default the edge
answers 504 at once; under `vaultlink up --unreachable timeout` it holds the connection open and the client's
own timeout fires, as it would on a real network (and still after a restart).

The topology is the classic mistake: the private endpoint is in one network, the zone linked to another network
holds its address, and the two are not peered, so the name resolves to an address the machine cannot reach.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import (
    AzureError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseTimeoutError,
)
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.machines_support import unique, vaultlink_cli
from tests.vaultlink_process import Running, start

ZONE = "privatelink.vaultcore.azure.net"
CLIENT_TIMEOUT = 2.0
TIMEOUTS = (ServiceRequestTimeoutError, ServiceResponseTimeoutError)


@dataclass
class World:
    running: Running
    vault_url: str
    machine: str

    def machine_proxy(self) -> str:
        out = vaultlink_cli(self.running, "env", "--vm", self.machine).stdout
        line = next(x for x in out.splitlines() if x.startswith("export HTTPS_PROXY="))
        return line.split("=", 1)[1].strip("'\"")

    def read_secret(self) -> tuple[BaseException, float]:
        """A secret read from the machine with a client that gives up after CLIENT_TIMEOUT: what it raised, and
        how long it took."""
        c = self.running.credentials
        kw: dict[str, Any] = {"proxies": {"https": self.machine_proxy()}, "connection_verify": self.running.ca}
        credential = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"],
                                            c["servicePrincipal"]["secret"], **kw)
        credential.get_token("https://vault.azure.net/.default")  # signing in is not what is timed
        client = SecretClient(self.vault_url, credential, connection_timeout=CLIENT_TIMEOUT,
                              read_timeout=CLIENT_TIMEOUT, retry_total=0, **kw)
        started = time.monotonic()
        with pytest.raises(AzureError) as raised:
            client.get_secret("db-password")
        return raised.value, time.monotonic() - started


def build(running: Running) -> World:
    c = running.credentials
    kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
    cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
    sub, rg = c["subscriptionId"], unique("rg-unreach-")
    ResourceManagementClient(cred, sub, **kw).resource_groups.create_or_update(rg, {"location": "eastus"})
    vault = KeyVaultManagementClient(cred, sub, **kw).vaults.begin_create_or_update(rg, unique("kv"), {
        "location": "eastus", "properties": {"tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"},
                                             "accessPolicies": [], "publicNetworkAccess": "Disabled"}}).result()
    net = NetworkManagementClient(cred, sub, **kw)
    for name, prefix in (("vnet-endpoint", "10.1.0.0/16"), ("vnet-app", "10.2.0.0/16")):
        net.virtual_networks.begin_create_or_update(rg, name, {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": prefix.replace("/16", "/24")}}]}}).result()
    endpoint = net.private_endpoints.begin_create_or_update(rg, "pe", {"location": "eastus", "properties": {
        "subnet": {"id": net.subnets.get(rg, "vnet-endpoint", "default").id},
        "privateLinkServiceConnections": [{"name": "conn", "properties": {
            "privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}).result()
    address = endpoint.custom_dns_configs[0].ip_addresses[0]
    dns = PrivateDnsManagementClient(cred, sub, **kw)
    dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "app", {"location": "global", "properties": {
        "virtualNetwork": {"id": net.virtual_networks.get(rg, "vnet-app").id}, "registrationEnabled": False}}).result()
    dns.record_sets.create_or_update(rg, ZONE, "A", vault.name, {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": address}]}})
    machine = unique("app-")
    vaultlink_cli(running, "vm", "create", machine, "-g", rg, "--vnet", "vnet-app", "--subnet", "default")
    return World(running, f"https://{vault.name}.vault.azure.net", machine)


@pytest.fixture(scope="module", params=["default", "timeout"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    args = ("--unreachable", "timeout") if request.param == "timeout" else ()
    running = start(tmp_path_factory.mktemp(f"unreachable-{request.param}") / "data", *args)
    try:
        yield build(running)
    finally:
        running.stop()


def test_an_address_nobody_holds(world: World) -> None:
    error, seconds = world.read_secret()
    if world.running.extra_args:
        # the client's own timeout: through a proxy, the wait for the tunnel is the read of the CONNECT's answer
        assert isinstance(error, TIMEOUTS), repr(error)
        assert "504" not in str(error) and "timed out" in str(error).lower()
        assert CLIENT_TIMEOUT - 0.1 <= seconds < CLIENT_TIMEOUT + 3
        world.running.restart()
        error, seconds = world.read_secret()
        assert isinstance(error, TIMEOUTS) and "504" not in str(error)
        assert CLIENT_TIMEOUT - 0.1 <= seconds < CLIENT_TIMEOUT + 3
    else:
        assert isinstance(error, ServiceRequestError) and not isinstance(error, TIMEOUTS), repr(error)
        assert "504" in str(error) and "timed out" in str(error), error  # vaultlink's quick answer says why
        assert seconds < 1.5

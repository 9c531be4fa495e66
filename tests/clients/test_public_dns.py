"""Public DNS as Azure answers it, read with the real `dig` from vaultlink's internet resolver: each region's
whole CNAME chain, the privatelink alias appearing when a connection is approved (not when the endpoint is
made), and names Azure does not have. The topology is built with the real management SDKs, and every answer
is asked again after a restart.

The expected chains are Azure's own answers as they were published; each test names its source.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from itertools import pairwise

import pytest
from azure.mgmt.keyvault import KeyVaultManagementClient
from tests.clients.network_support import Net, own_subscription, unique
from tests.vaultlink_process import Running, serving

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serving(tmp_path_factory.mktemp("public-dns") / "data") as server:
        yield server


@pytest.fixture(scope="module")
def net(running: Running) -> Net:
    return own_subscription(running)


def dig(running: Running, name: str) -> list[tuple[str, str, str]]:
    """The answer section as (owner, type, value) rows, from the internet's resolver."""
    host, port = running.status()["dns"][0].rsplit(":", 1)
    out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer", "+time=2", "+tries=1"],
                         capture_output=True, text=True, timeout=20, check=True).stdout
    return [(f[0], f[3], f[4]) for f in (line.split() for line in out.splitlines()) if len(f) == 5]


def status_of(running: Running, name: str) -> str:
    host, port = running.status()["dns"][0].rsplit(":", 1)
    out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+time=2", "+tries=1"], capture_output=True,
                         text=True, timeout=20, check=True).stdout
    return out.split("status: ", 1)[1].split(",", 1)[0]


def chain(vault: str, code: str, region: str, *, privatelink: bool = False) -> list[tuple[str, str]]:
    """The (owner, CNAME target) hops Azure publishes for a vault of that region."""
    names = [f"{vault}.vault.azure.net.", *([f"{vault}.privatelink.vaultcore.azure.net."] if privatelink else []),
             f"data-prod-{code}.vaultcore.azure.net.", f"data-prod-{code}-region.vaultcore.azure.net.",
             f"azkms-prod-{code}-b.{region}.cloudapp.azure.com."]
    return list(pairwise(names))


def hops(rows: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(owner, value) for owner, kind, value in rows if kind == "CNAME"]


def public_address(rows: list[tuple[str, str, str]]) -> str:
    (address,) = [value for _, kind, value in rows if kind == "A"]
    return address


REGIONS = [
    # Microsoft Learn, key-vault/general/private-link-diagnostics.md: "fabrikam.vault.azure.net is an alias for
    # data-prod-eus.vaultcore.azure.net", then data-prod-eus-region.vaultcore.azure.net. The azkms hop after it
    # follows the West Europe recording's shape.
    ("eastus", "eus"),
    # Microsoft Learn, the AKS troubleshooting of the Key Vault secrets store CSI driver (nslookup from a node):
    # data-prod-weu.vaultcore.azure.net -> data-prod-weu-region.vaultcore.azure.net ->
    # azkms-prod-weu-b.westeurope.cloudapp.azure.com, which holds the A record.
    ("westeurope", "weu"),
    # A published hub-and-spoke Key Vault walkthrough's nslookup from a Canada Central network: aliases
    # data-prod-cca.vaultcore.azure.net and data-prod-cca-region.vaultcore.azure.net.
    ("canadacentral", "cca"),
]


@pytest.fixture(scope="module")
def vaults(net: Net) -> dict[str, str]:
    """A vault in each region, by region."""
    group = net.group()
    return {region: net.vault(group, unique("kv"), location=region).rsplit("/", 1)[1] for region, _ in REGIONS}


@pytest.mark.parametrize(("region", "code"), REGIONS)
def test_each_region_answers_its_whole_chain(running: Running, vaults: dict[str, str], region: str, code: str) -> None:
    rows = dig(running, f"{vaults[region]}.vault.azure.net")
    assert hops(rows) == chain(vaults[region], code, region)
    assert rows[-1][0] == f"azkms-prod-{code}-b.{region}.cloudapp.azure.com." and rows[-1][1] == "A"
    assert public_address(rows).startswith("198.51.100.")  # a documentation address, never dialled


def test_regions_have_their_own_front_ends(running: Running, vaults: dict[str, str]) -> None:
    addresses = {public_address(dig(running, f"{name}.vault.azure.net")) for name in vaults.values()}
    assert len(addresses) == len(REGIONS)


def test_names_azure_does_not_have_are_nxdomain(running: Running, vaults: dict[str, str]) -> None:
    # MicrosoftDocs/azure-docs#88200: <vault>.vaultcore.azure.net itself does not exist; only the vault.azure.net
    # name and its privatelink alias do.
    assert status_of(running, f"{vaults['eastus']}.vaultcore.azure.net") == "NXDOMAIN"
    assert status_of(running, f"{vaults['eastus']}.privatelink.vaultcore.azure.net") == "NXDOMAIN"
    assert status_of(running, "nosuchvault-zz.vault.azure.net") == "NXDOMAIN"


def approve(net: Net, group: str, vault: str) -> None:
    kv = KeyVaultManagementClient(net.credential, net.subscription_id)  # type: ignore[arg-type]
    (pending,) = kv.private_endpoint_connections.list_by_resource(group, vault)
    assert pending.properties.private_link_service_connection_state.status == "Pending"
    kv.private_endpoint_connections.put(group, vault, pending.name, {"etag": pending.etag, "properties": {
        "privateEndpoint": {}, "privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})


def test_the_privatelink_alias_comes_with_approval_and_goes_with_the_endpoint(running: Running, net: Net,
                                                                             vaults: dict[str, str]) -> None:
    """Microsoft Learn, private-link-diagnostics.md: the public registration gains the alias
    {vault}.privatelink.vaultcore.azure.net when the vault has a private endpoint connection in the Approved
    state; "if you don't see the privatelink alias, it means the key vault has zero private endpoint connections
    in Approved state". A connection that waits for approval therefore leaves the public chain as it was."""
    group = net.group("westeurope")
    vault = net.vault(group, unique("kv"), location="westeurope")
    name = vault.rsplit("/", 1)[1]
    vnet = net.vnet(group, location="westeurope")
    endpoint = net.endpoint(group, vnet.subnets[0].id, vault, manual=True, location="westeurope")
    assert hops(dig(running, f"{name}.vault.azure.net")) == chain(name, "weu", "westeurope")

    approve(net, group, name)
    with_alias = chain(name, "weu", "westeurope", privatelink=True)
    assert hops(dig(running, f"{name}.vault.azure.net")) == with_alias
    assert hops(dig(running, f"{name}.privatelink.vaultcore.azure.net")) == with_alias[1:]

    running.restart()
    assert hops(dig(running, f"{name}.vault.azure.net")) == with_alias
    for region, code in REGIONS:
        assert hops(dig(running, f"{vaults[region]}.vault.azure.net")) == chain(vaults[region], code, region)

    net.client.private_endpoints.begin_delete(group, endpoint.name).result()
    assert hops(dig(running, f"{name}.vault.azure.net")) == chain(name, "weu", "westeurope")
    assert status_of(running, f"{name}.privatelink.vaultcore.azure.net") == "NXDOMAIN"

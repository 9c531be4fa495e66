"""Every location ARM lists, through the real SubscriptionClient and az: their shape (display names, physical
location, paired region, coordinates), and resources in canary regions (eastus2euap, centraluseuap) that a
restart keeps; logical locations and unknown names hold no resource group."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


def credential(running: Running) -> ClientSecretCredential:
    c = running.credentials
    return ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"],
                                  connection_verify=running.ca, proxies={"https": running.proxy})


def test_the_listing_has_azures_shape(running: Running) -> None:
    sub = running.credentials["subscriptionId"]
    client = SubscriptionClient(credential(running), connection_verify=running.ca, proxies={"https": running.proxy})
    listed = {loc.name: loc for loc in client.subscriptions.list_locations(sub)}
    eastus = listed["eastus"]
    assert eastus.id == f"/subscriptions/{sub}/locations/eastus"
    assert (eastus.display_name, eastus.regional_display_name) == ("East US", "(US) East US")
    meta = eastus.metadata
    assert (meta.region_type, meta.region_category, meta.geography_group) == ("Physical", "Recommended", "US")
    assert (meta.physical_location, meta.latitude, meta.longitude) == ("Virginia", "37.3719", "-79.8164")
    assert [(p.name, p.id) for p in meta.paired_region] == [("westus", f"/subscriptions/{sub}/locations/westus")]
    assert meta.geography == "United States"
    for canary, pair in (("eastus2euap", "centraluseuap"), ("centraluseuap", "eastus2euap")):
        assert listed[canary].metadata.region_type == "Physical"
        assert [p.name for p in listed[canary].metadata.paired_region] == [pair]
    assert listed["centraluseuap"].regional_display_name == "(US) Central US EUAP"
    assert listed["unitedstates"].metadata.region_type == "Logical"
    assert listed["unitedstates"].metadata.paired_region is None
    assert {"polandcentral", "westeurope", "southafricawest", "global"} <= set(listed)
    # Every pair names a location of the same listing.
    assert all(p.name in listed for loc in listed.values() for p in loc.metadata.paired_region or [])


def test_resources_in_canary_regions_outlive_a_restart(running: Running) -> None:
    c, sub = running.credentials, running.credentials["subscriptionId"]
    cred = credential(running)
    options = {"connection_verify": running.ca, "proxies": {"https": running.proxy}}
    rm = ResourceManagementClient(cred, sub, **options)  # type: ignore[arg-type]
    assert rm.resource_groups.create_or_update("rg-euap", {"location": "East US 2 EUAP"}).location == "eastus2euap"
    assert rm.resource_groups.create_or_update("rg-cuseuap", {"location": "centraluseuap"}).location == "centraluseuap"
    network = NetworkManagementClient(cred, sub, **options)  # type: ignore[arg-type]
    vnet = network.virtual_networks.begin_create_or_update("rg-euap", "vnet-euap", {
        "location": "eastus2euap", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}).result()
    assert vnet.location == "eastus2euap"
    kv = KeyVaultManagementClient(cred, sub, **options)  # type: ignore[arg-type]
    vault = kv.vaults.begin_create_or_update("rg-cuseuap", "kv-canary-loc", {"location": "centraluseuap", "properties": {
        "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}).result()
    assert vault.location == "centraluseuap"

    running.restart()
    rm = ResourceManagementClient(credential(running), sub, **options)  # type: ignore[arg-type]
    assert rm.resource_groups.get("rg-euap").location == "eastus2euap"
    kv = KeyVaultManagementClient(credential(running), sub, **options)  # type: ignore[arg-type]
    assert kv.vaults.get("rg-cuseuap", "kv-canary-loc").location == "centraluseuap"


@pytest.mark.parametrize("where", ["unitedstates", "centralusstage", "atlantis"])
def test_logical_and_unknown_locations_hold_no_group(running: Running, where: str) -> None:
    options = {"connection_verify": running.ca, "proxies": {"https": running.proxy}}
    rm = ResourceManagementClient(credential(running), running.credentials["subscriptionId"], **options)  # type: ignore[arg-type]
    with pytest.raises(HttpResponseError) as err:
        rm.resource_groups.create_or_update(f"rg-{where}", {"location": where})
    assert (err.value.status_code, err.value.error.code) == (400, "LocationNotAvailableForResourceGroup")
    assert "eastus2euap" in err.value.error.message and rm.resource_groups.check_existence(f"rg-{where}") is False


@pytest.mark.az
def test_az_lists_locations_and_creates_a_group_in_a_canary(running: Running,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    listed = {loc["name"]: loc for loc in az("account", "list-locations")}
    assert listed["westeurope"]["metadata"]["physicalLocation"] == "Netherlands"
    assert listed["westeurope"]["regionalDisplayName"] == "(Europe) West Europe"
    assert listed["eastus2euap"]["displayName"] == "East US 2 EUAP"
    assert az("group", "create", "-n", "rg-az-euap", "-l", "centraluseuap")["location"] == "centraluseuap"

"""Long-running operations as slow Azure answers them (`vaultlink up --async-operations`: 201/202 with
Azure-AsyncOperation, Location and Retry-After: 1), polled by the real az CLI: every command finishes without
waiting on a poll interval, whatever api-version it polls with.

Private DNS zones and links are polled where Azure serves their operations, per resource group
(`.../providers/Microsoft.Network/privateDnsOperationStatuses/{id}`), under the private DNS api-versions: az
creates zones with 2018-09-01, which Microsoft.Network's own operation URLs do not accept.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.clients import az_support
from tests.clients.az_support import Az, Raw
from tests.vaultlink_process import Running

GROUP, VAULT = "rg-async", "kv-az-async"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory, "--async-operations") as server:
        yield server


@pytest.fixture(scope="module")
def arm(running: Running) -> Raw:
    arm = Raw(running)
    assert arm("PUT", f"/subscriptions/{arm.sub}/resourcegroups/rg-raw?api-version=2024-11-01",
               {"location": "eastus"}).status_code in (200, 201)
    return arm


def test_a_zone_is_polled_where_azure_serves_private_dns_operations(arm: Raw) -> None:
    zone = f"/subscriptions/{arm.sub}/resourceGroups/rg-raw/providers/Microsoft.Network/privateDnsZones/old.example"
    created = arm("PUT", f"{zone}?api-version=2018-09-01", {"location": "global"})
    assert created.status_code == 201 and created.headers["Retry-After"] == "1"
    base = f"https://management.azure.com/subscriptions/{arm.sub}/resourceGroups/rg-raw/providers/Microsoft.Network"
    status_url, result_url = created.headers["Azure-AsyncOperation"], created.headers["Location"]
    assert status_url.startswith(f"{base}/privateDnsOperationStatuses/") and status_url.endswith("?api-version=2018-09-01")
    assert result_url.startswith(f"{base}/privateDnsOperationResults/")
    assert created.json()["properties"]["provisioningState"] == "Updating"
    # The operation runs until someone has seen it running; the next read finds it done.
    assert [arm("GET", status_url).json()["status"] for _ in range(3)] == ["InProgress", "Succeeded", "Succeeded"]
    result = arm("GET", result_url)
    assert result.status_code == 200 and result.json()["name"] == "old.example"
    assert result.json()["properties"]["provisioningState"] == "Succeeded"

    deleted = arm("DELETE", f"{zone}?api-version=2018-09-01")
    assert deleted.status_code == 202 and "/privateDnsOperationResults/" in deleted.headers["Location"]
    polled = arm("GET", deleted.headers["Location"])
    assert polled.status_code == 202 and polled.headers["Location"] == deleted.headers["Location"]
    assert polled.headers["Retry-After"] == "1"
    assert arm("GET", deleted.headers["Location"]).status_code == 200
    assert arm("GET", f"{zone}?api-version=2018-09-01").status_code == 404


def test_an_unknown_private_dns_operation(arm: Raw) -> None:
    missing = arm("GET", f"/subscriptions/{arm.sub}/resourceGroups/rg-raw/providers/Microsoft.Network/"
                         "privateDnsOperationStatuses/00000000-0000-0000-0000-000000000000?api-version=2018-09-01")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "OperationNotFound"


@pytest.mark.az
def test_the_seed_commands_poll_without_waiting(running: Running, tmp_path_factory: pytest.TempPathFactory) -> None:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))  # every call asserts its wall time
    az.login()
    az("group", "create", "-n", GROUP, "-l", "eastus")
    vault = az("keyvault", "create", "-n", VAULT, "-g", GROUP, "-l", "eastus")
    assert vault["properties"]["provisioningState"] == "Succeeded"
    az("keyvault", "update", "-n", VAULT, "-g", GROUP, "--default-action", "deny")
    vnet = az("network", "vnet", "create", "-g", GROUP, "-n", "vnet-async", "-l", "eastus", "--subnet-name", "snet",
              "--subnet-prefixes", "10.0.0.0/24")
    assert vnet["newVNet"]["provisioningState"] == "Succeeded"
    zone = az("network", "private-dns", "zone", "create", "-g", GROUP, "-n", "privatelink.vaultcore.azure.net")
    assert zone["provisioningState"] == "Succeeded"
    link = az("network", "private-dns", "link", "vnet", "create", "-g", GROUP, "-z", "privatelink.vaultcore.azure.net",
              "-n", "link", "-v", "vnet-async", "-e", "true")
    assert link["virtualNetworkLinkState"] == "Completed"
    endpoint = az("network", "private-endpoint", "create", "-g", GROUP, "--vnet-name", "vnet-async", "--subnet", "snet",
                  "-n", "pe-async", "--private-connection-resource-id", vault["id"], "--group-ids", "vault",
                  "--connection-name", "conn", "--manual-request")
    assert endpoint["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]["status"] == "Pending"
    [connection] = az("keyvault", "show", "-n", VAULT, "--query", "properties.privateEndpointConnections")
    approved = az("keyvault", "private-endpoint-connection", "approve", "--id", connection["id"])
    assert approved["privateLinkServiceConnectionState"]["status"] == "Approved"
    record = az("network", "private-dns", "record-set", "a", "add-record", "-g", GROUP,
                "-z", "privatelink.vaultcore.azure.net", "-n", VAULT, "-a", "10.0.0.4")
    assert record["aRecords"] == [{"ipv4Address": "10.0.0.4"}]
    # Deletes answer 202 with Location.
    az("keyvault", "private-endpoint-connection", "delete", "--id", connection["id"])
    shown = az("network", "private-endpoint", "show", "-g", GROUP, "-n", "pe-async")
    assert shown["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]["status"] \
        == "Disconnected"
    az("network", "private-endpoint", "delete", "-g", GROUP, "-n", "pe-async")
    az("network", "private-dns", "link", "vnet", "delete", "-g", GROUP, "-z", "privatelink.vaultcore.azure.net",
       "-n", "link", "-y")
    az("network", "private-dns", "zone", "delete", "-g", GROUP, "-n", "privatelink.vaultcore.azure.net", "-y")
    az("keyvault", "delete", "-n", VAULT)
    az("keyvault", "purge", "-n", VAULT)
    az("group", "delete", "-n", GROUP, "-y")
    assert GROUP not in [g["name"] for g in az("group", "list")]


@pytest.mark.az
def test_no_wait_then_wait_as_azures_recorded_scenarios(running: Running,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The az CLI's own recorded scenario (test_keyvault_private_endpoint_connection): `reject --no-wait`, then
    `show` reports Updating, `wait --created` returns once it is Succeeded; the same for a vault and a network
    made with --no-wait. Each read after the first sees the operation done, so no wait runs into a poll
    interval (az's own is 30 s)."""
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    group, vault = "rg-nowait", "kv-az-nowait"
    az("group", "create", "-n", group, "-l", "eastus")
    assert az("keyvault", "create", "-n", vault, "-g", group, "-l", "eastus", "--no-wait") is None
    assert az("keyvault", "show", "-n", vault, "-g", group)["properties"]["provisioningState"] == "RegisteringDns"
    az("keyvault", "wait", "-n", vault, "-g", group, "--created")
    kv = az("keyvault", "show", "-n", vault, "-g", group)
    assert kv["properties"]["provisioningState"] == "Succeeded"

    assert az("network", "vnet", "create", "-g", group, "-n", "vnet-nowait", "-l", "eastus", "--subnet-name", "snet",
              "--address-prefixes", "10.2.0.0/16", "--subnet-prefixes", "10.2.0.0/24", "--no-wait") is None
    assert az("network", "vnet", "show", "-g", group, "-n", "vnet-nowait")["provisioningState"] == "Updating"
    az("network", "vnet", "wait", "-g", group, "-n", "vnet-nowait", "--created")
    assert az("network", "vnet", "show", "-g", group, "-n", "vnet-nowait")["provisioningState"] == "Succeeded"

    az("network", "private-endpoint", "create", "-g", group, "--vnet-name", "vnet-nowait", "--subnet", "snet",
       "-n", "pe-nowait", "--private-connection-resource-id", kv["id"], "--group-ids", "vault",
       "--connection-name", "conn")
    [connection] = az("keyvault", "show", "-n", vault, "--query", "properties.privateEndpointConnections")
    cid = connection["id"]
    assert az("keyvault", "private-endpoint-connection", "reject", "--id", cid, "--description", "You are rejected!",
              "--no-wait") is None
    shown = az("keyvault", "private-endpoint-connection", "show", "--id", cid)
    assert shown["privateLinkServiceConnectionState"]["status"] == "Rejected"
    assert shown["privateLinkServiceConnectionState"]["description"] == "You are rejected!"
    assert shown["provisioningState"] == "Updating"
    az("keyvault", "private-endpoint-connection", "wait", "--id", cid, "--created")
    assert az("keyvault", "private-endpoint-connection", "show", "--id", cid)["provisioningState"] == "Succeeded"
    # approve (of a rejected connection, as Azure allows) polls the connection until it is Succeeded.
    approved = az("keyvault", "private-endpoint-connection", "approve", "--id", cid, "--description", "You are approved!")
    assert approved["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert approved["provisioningState"] == "Succeeded"

    running.restart()  # where each operation stands is kept: the finished ones stay finished
    az.login()
    assert az("keyvault", "private-endpoint-connection", "show", "--id", cid)["provisioningState"] == "Succeeded"


@pytest.mark.az
def test_a_deployment_with_no_wait_then_wait(running: Running, tmp_path_factory: pytest.TempPathFactory) -> None:
    import json

    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", "rg-deploy-async", "-l", "eastus")
    template = tmp_path_factory.mktemp("template") / "vnet.json"
    template.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet-dep",
                       "location": "[resourceGroup().location]",
                       "properties": {"addressSpace": {"addressPrefixes": ["10.3.0.0/16"]}}}]}))
    az("deployment", "group", "create", "-g", "rg-deploy-async", "-n", "later", "--template-file", str(template),
       "--no-wait")
    shown = az("deployment", "group", "show", "-g", "rg-deploy-async", "-n", "later")
    assert shown["properties"]["provisioningState"] == "Running"
    az("deployment", "group", "wait", "-g", "rg-deploy-async", "-n", "later", "--created")
    shown = az("deployment", "group", "show", "-g", "rg-deploy-async", "-n", "later")
    assert shown["properties"]["provisioningState"] == "Succeeded"
    assert az("network", "vnet", "show", "-g", "rg-deploy-async", "-n", "vnet-dep")["name"] == "vnet-dep"

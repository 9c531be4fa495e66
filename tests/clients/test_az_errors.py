"""The mistakes a user makes at the CLI: az prints its usual `ERROR: (Code) message` with Azure's message
naming the offending value, and exits non-zero; no command hangs or waits on a poll interval (Az.run checks
the wall time of each)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

GROUP, VAULT, VNET, ZONE = "rg-errors", "kv-az-errors", "vnet-errors", "privatelink.vaultcore.azure.net"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", GROUP, "-l", "eastus")
    az("keyvault", "create", "-n", VAULT, "-g", GROUP, "-l", "eastus")
    az("network", "vnet", "create", "-g", GROUP, "-n", VNET, "-l", "eastus", "--subnet-name", "snet",
       "--subnet-prefixes", "10.0.0.0/24")
    az("network", "private-dns", "zone", "create", "-g", GROUP, "-n", ZONE)
    return az


def vault_id(running: Running, name: str = VAULT) -> str:
    return az_support.arm_id(running, GROUP, f"Microsoft.KeyVault/vaults/{name}")


def first_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("ERROR: "))


def test_wrong_names(az: Az, running: Running) -> None:
    # Without -g, az finds the vault through the /resources filter and says so itself.
    assert first_line(az.fails("keyvault", "show", "-n", "kv-nope").stderr) == \
        "ERROR: The Vault 'kv-nope' not found within subscription."
    missing = az.fails("keyvault", "show", "-n", "kv-nope", "-g", GROUP)
    assert first_line(missing.stderr) == (
        f"ERROR: (ResourceNotFound) The Resource 'Microsoft.KeyVault/vaults/kv-nope' under resource group "
        f"'{GROUP}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    assert "Code: ResourceNotFound" in missing.stderr
    for args, kind in [(("network", "vnet", "show", "-g", GROUP, "-n", "vnet-nope"), "virtualNetworks/vnet-nope"),
                       (("network", "private-endpoint", "show", "-g", GROUP, "-n", "pe-nope"),
                        "privateEndpoints/pe-nope"),
                       (("network", "private-dns", "zone", "show", "-g", GROUP, "-n", "nope.example"),
                        "privateDnsZones/nope.example")]:
        assert first_line(az.fails(*args).stderr).startswith(
            f"ERROR: (ResourceNotFound) The Resource 'Microsoft.Network/{kind}' under resource group '{GROUP}'")
    subnet = az.fails("network", "private-endpoint", "create", "-g", GROUP, "--vnet-name", VNET, "--subnet", "nope",
                      "-n", "pe-x", "--private-connection-resource-id", vault_id(running), "--group-ids", "vault",
                      "--connection-name", "c")
    subnet_id = az_support.arm_id(running, GROUP, f"Microsoft.Network/virtualNetworks/{VNET}/subnets/nope")
    assert first_line(subnet.stderr).startswith(f"ERROR: (InvalidResourceReference) Resource {subnet_id} referenced")
    target = az.fails("network", "private-endpoint", "create", "-g", GROUP, "--vnet-name", VNET, "--subnet", "snet",
                      "-n", "pe-x", "--private-connection-resource-id", vault_id(running, "kv-nope"),
                      "--group-ids", "vault", "--connection-name", "c")
    missing_vault = vault_id(running, "kv-nope")
    assert first_line(target.stderr).startswith(f"ERROR: (InvalidResourceReference) Resource {missing_vault} referenced")
    invalid = az.fails("keyvault", "create", "-n", "1-bad", "-g", GROUP, "-l", "eastus")
    assert first_line(invalid.stderr).startswith("ERROR: (VaultNameNotValid) The vault name '1-bad' is invalid.")


def test_a_vault_name_that_does_not_resolve(az: Az) -> None:
    """No vault has the name, so public DNS has no answer: az gives up after its own connection retries (a few
    seconds, as against Azure), naming the host."""
    failed = az.fails("keyvault", "secret", "show", "--vault-name", "kv-no-such-vault", "--name", "s")
    assert "kv-no-such-vault.vault.azure.net" in failed.stderr and "NXDOMAIN" in failed.stderr


def test_a_missing_resource_group(az: Az) -> None:
    for args in [("group", "show", "-n", "rg-nope"),
                 ("keyvault", "create", "-n", "kv-az-orphan", "-g", "rg-nope", "-l", "eastus"),
                 ("network", "vnet", "create", "-g", "rg-nope", "-n", "vnet-x", "-l", "eastus"),
                 ("network", "private-dns", "zone", "create", "-g", "rg-nope", "-n", "x.example")]:
        failed = az.fails(*args)
        assert first_line(failed.stderr) == "ERROR: (ResourceGroupNotFound) Resource group 'rg-nope' could not be found."
    # Nothing was made on the way.
    assert "kv-az-orphan" not in [v["name"] for v in az("keyvault", "list")]


def test_a_connection_name_that_does_not_exist(az: Az) -> None:
    """Key Vault answers GET of an absent connection with 204 and no body, which az 2.91 shows as nothing, and
    on which `approve` fails with a traceback of az's own (as against Azure): a non-zero exit, at once."""
    assert az.run("keyvault", "private-endpoint-connection", "show", "-g", GROUP, "--vault-name", VAULT,
                  "-n", "nope").stdout == ""
    result = az.run("keyvault", "private-endpoint-connection", "approve", "-g", GROUP, "--vault-name", VAULT,
                    "-n", "nope")
    assert result.returncode != 0


def test_a_duplicate_zone_and_link(az: Az) -> None:
    zone = az.fails("network", "private-dns", "zone", "create", "-g", GROUP, "-n", ZONE)
    assert first_line(zone.stderr) == \
        f"ERROR: (PreconditionFailed) The Zone {ZONE} exists already and hence cannot be created again."
    az("network", "private-dns", "link", "vnet", "create", "-g", GROUP, "-z", ZONE, "-n", "link", "-v", VNET,
       "-e", "false")
    link = az.fails("network", "private-dns", "link", "vnet", "create", "-g", GROUP, "-z", ZONE, "-n", "link",
                    "-v", VNET, "-e", "false")
    assert first_line(link.stderr) == \
        "ERROR: (PreconditionFailed) The Virtual network link link exists already and hence cannot be created again."


def test_a_region_mismatch(az: Az, running: Running) -> None:
    failed = az.fails("network", "private-endpoint", "create", "-g", GROUP, "--vnet-name", VNET, "--subnet", "snet",
                      "-n", "pe-west", "--private-connection-resource-id", vault_id(running), "--group-ids", "vault",
                      "--connection-name", "c", "--location", "westus")
    line = first_line(failed.stderr)
    assert line.startswith("ERROR: (InvalidResourceReference) Resource ")
    assert line.endswith("Please make sure that the referenced resource exists, and that both resources are in the "
                         "same region.")
    assert "pe-west" not in [p["name"] for p in az("network", "private-endpoint", "list", "-g", GROUP)]


def test_a_subnet_outside_its_network(az: Az) -> None:
    failed = az.fails("network", "vnet", "subnet", "create", "-g", GROUP, "--vnet-name", VNET, "-n", "far",
                      "--address-prefixes", "192.168.0.0/24")
    assert first_line(failed.stderr) == ("ERROR: (NetcfgSubnetRangeOutsideVnet) Subnet 'far' is not valid because its "
                                         f"IP address range is outside the IP address range of virtual network '{VNET}'.")


def test_an_unknown_region(az: Az) -> None:
    failed = az.fails("keyvault", "create", "-n", "kv-az-nowhere", "-g", GROUP, "-l", "nowhere")
    assert first_line(failed.stderr).startswith("ERROR: (LocationNotAvailableForResourceType) The provided location "
                                                "'nowhere' is not available for resource type 'Microsoft.KeyVault/vaults'.")

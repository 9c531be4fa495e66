"""`vaultlink diagnose` and `vaultlink why` on the seed's topology, built with the real az CLI and broken with
the real SDKs (faster than az, and the same ARM calls): each break fails exactly the check that names it, the fix it prints (run with the real az) makes every check pass,
the SDK's read from the machine is then admitted, and `vaultlink why` on a refused read leads with the same
cause. Refusals carry the hint to run `vaultlink why` with their request id."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.clients.machines_support import unique, vaultlink_cli
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

RG, VNET, SUBNET, VM, PE = "rg-diagnose", "vnet-diagnose", "default", "vm-diagnose", "pe-diagnose"
ZONE = "privatelink.vaultcore.azure.net"


@dataclass
class Seed:
    running: Running
    az: Az
    vault: str
    vault_id: str
    vnet_id: str
    vm_proxy: str
    address: str
    """The endpoint's NIC address, which the hand-made A record holds."""
    kv: KeyVaultManagementClient
    network: NetworkManagementClient
    dns: PrivateDnsManagementClient

    def client(self, proxy: str) -> SecretClient:
        c = self.running.credentials
        kw: dict[str, Any] = {"proxies": {"https": proxy}, "connection_verify": self.running.ca}
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        return SecretClient(f"https://{self.vault}.vault.azure.net", cred, retry_total=0, **kw)

    def read(self, where: str) -> Exception | None:
        """The SDK's read of the secret from the machine or the internet; the error when it is not admitted."""
        try:
            value = self.client(self.vm_proxy if where == "vm" else self.running.proxy).get_secret("app").value
        except (HttpResponseError, ServiceRequestError) as e:
            return e
        assert value == "from the seed"
        return None

    def diagnose(self, where: str) -> tuple[int, dict[str, Any]]:
        source = ("--from", "vm", VM) if where == "vm" else ("--from", "internet")
        done = vaultlink_cli(self.running, "diagnose", self.vault, *source, "-o", "json", check=False)
        assert done.returncode in (0, 1), done.stderr
        body: dict[str, Any] = json.loads(done.stdout)
        assert done.returncode == (1 if body["failed"] else 0)
        return done.returncode, body

    def connection_name(self) -> str:
        for pec in self.kv.private_endpoint_connections.list_by_resource(RG, self.vault):
            if pec.properties.private_endpoint.id.lower().endswith(f"/{PE}"):
                return str(pec.name)
        raise AssertionError(f"no connection from {PE}")

    def record(self, zone: str, name: str, address: str) -> None:
        self.dns.record_sets.create_or_update(RG, zone, "A", name, {"properties": {
            "ttl": 10, "aRecords": [{"ipv4Address": address}]}})

    def vault_network(self, public: str, acls: dict[str, Any]) -> None:
        self.kv.vaults.update(RG, self.vault, {"properties": {"publicNetworkAccess": public, "networkAcls": acls}})

    def fix(self, commands: list[str]) -> None:
        for command in commands:
            argv = shlex.split(command)
            assert argv[0] == "az", command
            result = self.az.run(*argv[1:], "-o", "none")
            assert result.returncode == 0, f"{command}\n{result.stderr}"


def failing(body: dict[str, Any]) -> list[str]:
    return [c["check"] for c in body["checks"] if c["verdict"] == "fail"]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    with az_support.server(tmp_path_factory) as running:
        az = Az(running, tmp_path_factory.mktemp("az-diagnose"))
        az.login()
        sp = running.credentials["servicePrincipal"]["objectId"]
        vault = unique("diag")
        az("group", "create", "-n", RG, "-l", "eastus")
        vault_id = az("keyvault", "create", "-n", vault, "-g", RG, "-l", "eastus", "--enable-rbac-authorization",
                      "true")["id"]
        az("role", "assignment", "create", "--role", "Key Vault Secrets Officer", "--assignee-object-id", sp,
           "--assignee-principal-type", "ServicePrincipal", "--scope", vault_id)
        az("keyvault", "secret", "set", "--vault-name", vault, "-n", "app", "--value", "from the seed")
        az("keyvault", "update", "-n", vault, "-g", RG, "--public-network-access", "Disabled")
        vnet_id = az("network", "vnet", "create", "-g", RG, "-n", VNET, "--address-prefixes", "10.1.0.0/16",
                     "--subnet-name", SUBNET, "--subnet-prefixes", "10.1.0.0/24")["newVNet"]["id"]
        pe = az("network", "private-endpoint", "create", "-g", RG, "-n", PE, "--vnet-name", VNET, "--subnet", SUBNET,
                "--private-connection-resource-id", vault_id, "--group-id", "vault", "--connection-name", f"{PE}-conn")
        address = az("network", "nic", "show", "--ids", pe["networkInterfaces"][0]["id"])["ipConfigurations"][0][
            "privateIPAddress"]
        az("network", "private-dns", "zone", "create", "-g", RG, "-n", ZONE)
        az("network", "private-dns", "link", "vnet", "create", "-g", RG, "-z", ZONE, "-n", f"{VNET}-link", "-v", vnet_id,
           "-e", "false")
        az("network", "private-dns", "record-set", "a", "add-record", "-g", RG, "-z", ZONE, "-n", vault, "-a", address)
        vaultlink_cli(running, "vm", "create", VM, "-g", RG, "--vnet", VNET, "--subnet", SUBNET)
        exports = vaultlink_cli(running, "env", "--vm", VM).stdout
        proxy = next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                     if line.startswith("export HTTPS_PROXY="))
        c = running.credentials
        kw: dict[str, Any] = {"proxies": {"https": running.proxy}, "connection_verify": running.ca}
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        sub = c["subscriptionId"]
        yield Seed(running, az, vault, vault_id, vnet_id, proxy, address, KeyVaultManagementClient(cred, sub, **kw),
                   NetworkManagementClient(cred, sub, **kw), PrivateDnsManagementClient(cred, sub, **kw))


def test_the_seed_passes_every_check_from_its_machine(seed: Seed) -> None:
    code, body = seed.diagnose("vm")
    assert code == 0 and failing(body) == [], body
    assert body["client"]["status"] == 200 and body["client"]["addresses"] == [seed.address]
    assert seed.read("vm") is None
    text = vaultlink_cli(seed.running, "diagnose", seed.vault, "--from", "vm", VM).stdout
    assert "every check passes" in text and "gets:  HTTP 200" in text


def _pending(s: Seed) -> None:
    s.network.private_endpoints.begin_delete(RG, PE).result()
    s.network.private_endpoints.begin_create_or_update(RG, PE, {"location": "eastus", "properties": {
        "subnet": {"id": f"{s.vnet_id}/subnets/{SUBNET}"}, "manualPrivateLinkServiceConnections": [
            {"name": f"{PE}-conn", "properties": {"privateLinkServiceId": s.vault_id, "groupIds": ["vault"]}}]}}).result()


def _rejected(s: Seed) -> None:
    s.kv.private_endpoint_connections.put(RG, s.vault, s.connection_name(), {"properties": {
        "privateLinkServiceConnectionState": {"status": "Rejected", "description": "Rejected by the test"}}})


def _disconnected(s: Seed) -> None:
    s.kv.private_endpoint_connections.begin_delete(RG, s.vault, s.connection_name()).result()


def _zone_missing(s: Seed) -> None:
    s.dns.virtual_network_links.begin_delete(RG, ZONE, f"{VNET}-link").result()
    s.dns.private_zones.begin_delete(RG, ZONE).result()


WRONG_ZONE = "privatelink.vault.azure.net"


def _zone_misspelled(s: Seed) -> None:
    _zone_missing(s)
    s.dns.private_zones.begin_create_or_update(RG, WRONG_ZONE, {"location": "global"}).result()
    s.dns.virtual_network_links.begin_create_or_update(RG, WRONG_ZONE, "wrong-link", {"location": "global", "properties": {
        "virtualNetwork": {"id": s.vnet_id}, "registrationEnabled": False}}).result()
    s.record(WRONG_ZONE, s.vault, s.address)


def _unlinked(s: Seed) -> None:
    s.dns.virtual_network_links.begin_delete(RG, ZONE, f"{VNET}-link").result()


def _record_as(name: str | None, address: str | None = None) -> Callable[[Seed], None]:
    def brk(s: Seed) -> None:
        s.dns.record_sets.delete(RG, ZONE, "A", s.vault)
        if name is not None:
            s.record(ZONE, name.format(vault=s.vault, typo=s.vault[:-1]), address or s.address)
    return brk


def _firewall(s: Seed) -> None:
    s.vault_network("Enabled", {"defaultAction": "Deny", "bypass": "AzureServices"})


def _rbac_missing(s: Seed) -> None:
    s.az("role", "assignment", "delete", "--scope", s.vault_id, "--role", "Key Vault Secrets Officer")


def _restore_firewall(s: Seed) -> None:
    s.vault_network("Disabled", {"defaultAction": "Allow", "bypass": "AzureServices", "ipRules": []})


def _restore_zone(s: Seed) -> None:
    s.dns.virtual_network_links.begin_delete(RG, WRONG_ZONE, "wrong-link").result()
    s.dns.private_zones.begin_delete(RG, WRONG_ZONE).result()


CASES: list[tuple[str, Callable[[Seed], None], str, str, str | None, Callable[[Seed], None] | None]] = [
    # (case, break, where, the failing check, the refusal the read meets (None: it never reaches the vault), restore)
    ("pending", _pending, "vm", "connection", "ForbiddenByConnection", None),
    ("rejected", _rejected, "vm", "connection", "ForbiddenByConnection", None),
    ("disconnected", _disconnected, "vm", "connection", "ForbiddenByConnection", None),
    ("zone-missing", _zone_missing, "vm", "zone", "ForbiddenByConnection", None),
    ("zone-misspelled", _zone_misspelled, "vm", "zone", "ForbiddenByConnection", _restore_zone),
    ("unlinked", _unlinked, "vm", "link", "ForbiddenByConnection", None),
    ("record-missing", _record_as(None), "vm", "record", None, None),
    ("record-misspelled", _record_as("{typo}"), "vm", "record", None, None),
    ("record-doubled-suffix", _record_as("{vault}." + ZONE), "vm", "record", None, None),
    ("record-wrong-ip", _record_as("{vault}", "10.1.0.99"), "vm", "address", None, None),
    ("firewall", _firewall, "internet", "firewall", "ForbiddenByFirewall", _restore_firewall),
    ("rbac-missing", _rbac_missing, "vm", "permission", "ForbiddenByRbac", None),
]


@pytest.mark.parametrize(("case", "brk", "where", "check", "refusal", "restore"), CASES, ids=[c[0] for c in CASES])
def test_diagnose_names_the_broken_check_and_its_fix_works(
    seed: Seed, case: str, brk: Callable[[Seed], None], where: str, check: str, refusal: str | None,
    restore: Callable[[Seed], None] | None,
) -> None:
    brk(seed)
    code, body = seed.diagnose(where)
    assert code == 1 and failing(body) == [check], json.dumps(body, indent=1)
    assert body["firstFailure"] == check
    error = seed.read(where)
    assert error is not None, f"{case}: the read was admitted"
    if refusal is not None:
        assert isinstance(error, HttpResponseError) and error.status_code == 403
        envelope = error.response.json()["error"]
        assert envelope["innererror"]["code"] == refusal and body["client"]["error"] == refusal
        request_id = error.response.headers["x-ms-request-id"]
        assert envelope["message"].endswith(f"Run `vaultlink why {request_id}` to see why.")
        why = vaultlink_cli(seed.running, "why", request_id).stdout
        assert why.startswith("cause: ") and why.splitlines()[0].endswith(f"check '{check}')"), why
    fix = next(c for c in body["checks"] if c["check"] == check)["fix"]
    seed.fix(fix["commands"])
    code, body = seed.diagnose(where)
    assert code == 0 and failing(body) == [], json.dumps(body, indent=1)
    assert seed.read(where) is None
    if restore is not None:
        restore(seed)
        assert seed.diagnose("vm")[0] == 0


def test_an_unknown_vault_or_machine_is_a_clear_error(seed: Seed) -> None:
    missing = vaultlink_cli(seed.running, "diagnose", "nosuchvault", check=False)
    assert missing.returncode == 1 and "The vault 'nosuchvault' is not in the snapshot" in missing.stderr
    machine = vaultlink_cli(seed.running, "diagnose", seed.vault, "--from", "vm", "nosuchvm", check=False)
    assert machine.returncode == 1 and "No machine named 'nosuchvm'" in machine.stderr


def test_az_shows_the_request_id_of_a_refusal_and_why_explains_it(seed: Seed) -> None:
    refused = seed.az.fails("keyvault", "secret", "show", "--vault-name", seed.vault, "-n", "app")
    assert refused.stderr.startswith("ERROR: (Forbidden) Public network access is disabled"), refused.stderr
    found = re.search(r"Run `vaultlink why ([0-9a-f-]{36})` to see why\.", refused.stderr)
    assert found, refused.stderr
    why = vaultlink_cli(seed.running, "why", found.group(1)).stdout
    assert why.startswith(f"cause: the request lands on {seed.vault}'s public endpoint and {seed.vault} has public "
                          "network access disabled"), why
    assert why.splitlines()[0].endswith("(ForbiddenByConnection; check 'firewall')")

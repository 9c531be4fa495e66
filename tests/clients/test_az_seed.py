"""examples/seed-cli.sh, the seed's CLI tab and its validation section, run with the real az CLI against a
fresh vaultlink: each step's output holds what a user of real Azure would script against."""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.clients import az_support
from tests.clients.az_support import COMMAND_LIMIT_S, ROOT
from tests.clients.seed_support import same_after_restarts
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

SCRIPT = ROOT / "examples" / "seed-cli.sh"
SCRIPT_LIMIT_S = 150.0
GROUP, VAULT, VNET, SUBNET, VM = "rg-seed-test", "kv-seed-test", "vnet-seed", "snet-seed", "vm-seed"
ZONE = "privatelink.vaultcore.azure.net"
PUBLIC_RANGES = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
EXPECTED_FAILURES = {"secret-show-outside-firewall", "secret-show-outside"}

_START = re.compile(r"^### (\S+)$")
_END = re.compile(r"^### (\S+) (ok|failed as expected \(exit (\d+)\)|FAILED.*?) in ([\d.]+) s \[(.+)\]$")


@dataclass
class Step:
    name: str
    output: str
    outcome: str
    exit_code: int
    seconds: float
    program: str

    def json(self) -> Any:
        return json.loads(self.output)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    steps: dict[str, Step]
    running: Running
    env: dict[str, str]

    def __getitem__(self, name: str) -> Step:
        assert name in self.steps, f"no step {name} in:\n{self.stdout}\n{self.stderr}"
        return self.steps[name]


def parse_steps(stdout: str) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    current: str | None = None
    lines: list[str] = []
    for line in stdout.splitlines():
        end = _END.match(line)
        if end and current is not None and end.group(1) == current:
            outcome = end.group(2)
            code = int(end.group(3)) if end.group(3) else (0 if outcome == "ok" else -1)
            steps[current] = Step(current, "\n".join(lines), outcome.split(" (")[0], code, float(end.group(4)),
                                  end.group(5))
            current = None
            continue
        start = _START.match(line)
        if start and current is None and not line.startswith("### done"):
            current, lines = start.group(1), []
            continue
        if current is not None:
            lines.append(line)
    return steps


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with az_support.server(tmp_path_factory) as running:
        env = az_support.shell_env(running, tmp_path_factory.mktemp("azure-cli"), exports=False)
        env.update(RG=GROUP, VAULT=VAULT, VNET=VNET, SUBNET=SUBNET, VM=VM, AZ=str(az_support.az_path()))
        done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=SCRIPT_LIMIT_S,
                              check=False, cwd=Path(running.data_dir).parent)
        yield Run(done.returncode, done.stdout, done.stderr, parse_steps(done.stdout), running, env)


def subscription(run: Run) -> str:
    return str(run.running.credentials["subscriptionId"])


def vault_id(run: Run) -> str:
    return f"/subscriptions/{subscription(run)}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{VAULT}"


def test_the_script_runs_to_the_end(seed: Run) -> None:
    assert seed.returncode == 0, f"{seed.stdout[-4000:]}\n{seed.stderr[-4000:]}"
    assert f"### done: vault {VAULT}, endpoint pe-{VAULT}-auto at 10.0.0.4, machine {VM}" in seed.stdout
    assert "Traceback" not in seed.stderr
    failed = {name for name, step in seed.steps.items() if step.outcome != "ok"}
    assert failed == EXPECTED_FAILURES
    assert all(seed[name].outcome == "failed as expected" and seed[name].exit_code != 0 for name in failed)


def test_no_step_waits(seed: Run) -> None:
    slow = {name: step.seconds for name, step in seed.steps.items() if step.seconds >= COMMAND_LIMIT_S}
    assert not slow
    assert sum(step.seconds for step in seed.steps.values()) < SCRIPT_LIMIT_S


def test_login_and_account(seed: Run) -> None:
    accounts = seed["login"].json()
    sub = subscription(seed)
    assert [a["id"] for a in accounts] == [sub]
    assert accounts[0]["state"] == "Enabled" and accounts[0]["isDefault"] is True
    assert accounts[0]["user"] == {"name": seed.running.credentials["servicePrincipal"]["appId"],
                                   "type": "servicePrincipal"}
    assert seed["account-set"].output == ""
    shown = seed["account-show"].json()
    assert shown["id"] == sub and shown["tenantId"] == seed.running.credentials["tenantId"]


def test_group_and_vault(seed: Run) -> None:
    group = seed["group-create"].json()
    assert group["name"] == GROUP and group["location"] == "eastus"
    assert group["properties"]["provisioningState"] == "Succeeded"
    vault = seed["keyvault-create"].json()
    assert vault["id"] == vault_id(seed)
    assert vault["properties"]["vaultUri"] == f"https://{VAULT}.vault.azure.net/"
    assert vault["properties"]["provisioningState"] == "Succeeded"
    assert vault["properties"]["enableRbacAuthorization"] is True
    updated = seed["keyvault-update"].json()
    assert updated["properties"]["networkAcls"]["defaultAction"] == "Deny"
    assert updated["properties"]["vaultUri"] == f"https://{VAULT}.vault.azure.net/"


def test_network_and_zone(seed: Run) -> None:
    vnet = seed["vnet-create"].json()["newVNet"]
    assert vnet["name"] == VNET and vnet["provisioningState"] == "Succeeded"
    assert vnet["addressSpace"]["addressPrefixes"] == ["10.0.0.0/16"]
    subnet = seed["subnet-create"].json()
    assert subnet["addressPrefix"] == "10.0.0.0/24" and subnet["provisioningState"] == "Succeeded"
    assert seed["subnet-update"].json()["privateEndpointNetworkPolicies"] == "Disabled"
    zone = seed["zone-create"].json()
    assert zone["name"] == ZONE and zone["location"] == "global" and zone["provisioningState"] == "Succeeded"
    link = seed["link-create"].json()
    assert link["provisioningState"] == "Succeeded" and link["virtualNetworkLinkState"] == "Completed"
    assert link["registrationEnabled"] is True
    assert link["virtualNetwork"]["id"].endswith(f"/virtualNetworks/{VNET}")


def test_private_endpoints(seed: Run) -> None:
    auto = seed["pe-auto-create"].json()
    assert auto["provisioningState"] == "Succeeded"
    [connection] = auto["privateLinkServiceConnections"]
    assert connection["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert connection["groupIds"] == ["vault"] and connection["privateLinkServiceId"] == vault_id(seed)
    assert auto["manualPrivateLinkServiceConnections"] == []
    assert auto["customDnsConfigs"] == [{"fqdn": f"{VAULT}.vault.azure.net", "ipAddresses": ["10.0.0.4"]}]
    manual = seed["pe-manual-create"].json()
    assert manual["provisioningState"] == "Succeeded" and manual["privateLinkServiceConnections"] == []
    [request] = manual["manualPrivateLinkServiceConnections"]
    assert request["privateLinkServiceConnectionState"]["status"] == "Pending"
    shown = seed["pe-manual-show"].json()["manualPrivateLinkServiceConnections"][0]
    assert shown["privateLinkServiceConnectionState"]["status"] == "Pending"


def test_connection_approval_workflow(seed: Run) -> None:
    found = seed["connection-find"].output.strip()
    prefix, _, name = found.rpartition("/")
    assert prefix == f"{vault_id(seed)}/privateEndpointConnections"
    assert re.fullmatch(rf"pe-{VAULT}-manual\.[0-9a-f-]{{36}}", name), found
    approved = seed["connection-approve"].json()
    assert approved["name"] == name
    assert approved["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert approved["privateLinkServiceConnectionState"]["description"] == "Approved by seed-cli.sh"
    assert approved["provisioningState"] == "Succeeded"
    assert approved["privateEndpoint"]["id"].endswith(f"/privateEndpoints/pe-{VAULT}-manual")
    rejected = seed["connection-reject"].json()
    assert rejected["privateLinkServiceConnectionState"]["status"] == "Rejected"
    assert rejected["provisioningState"] == "Succeeded"
    again = seed["connection-approve-rejected"].json()  # Key Vault approves a rejected connection again
    assert again["privateLinkServiceConnectionState"] == {
        "status": "Approved", "description": "Approved again by seed-cli.sh", "actionsRequired": "None"}
    assert again["provisioningState"] == "Succeeded"
    deleted = seed["connection-delete"].json()
    assert deleted["name"] == name and deleted["provisioningState"] == "Disconnected"
    endpoint = seed["pe-manual-show-after-delete"].json()["manualPrivateLinkServiceConnections"][0]
    assert endpoint["privateLinkServiceConnectionState"]["status"] == "Disconnected"


def test_interfaces_and_records(seed: Run) -> None:
    nic_id = seed["pe-auto-show"].json()["networkInterfaces"][0]["id"]
    nic = seed["nic-show"].json()
    assert nic["id"] == nic_id and nic["provisioningState"] == "Succeeded"
    assert nic["ipConfigurations"][0]["privateIPAddress"] == "10.0.0.4"
    assert nic["ipConfigurations"][0]["privateLinkConnectionProperties"]["fqdns"] == [f"{VAULT}.vault.azure.net"]
    assert seed["nic-show-manual"].json()["ipConfigurations"][0]["privateIPAddress"] == "10.0.0.5"
    [zone] = seed["zone-list"].json()
    assert zone["name"] == ZONE and zone["numberOfVirtualNetworkLinks"] == 1
    record = seed["record-add"].json()
    assert record["aRecords"] == [{"ipv4Address": "10.0.0.4"}]
    assert record["name"] == VAULT and record["fqdn"] == f"{VAULT}.{ZONE}."
    listed = {r["name"]: r for r in seed["record-list"].json()}
    assert listed[VAULT]["aRecords"] == [{"ipv4Address": "10.0.0.4"}] and "soaRecord" in listed["@"]


def _addresses(nslookup: str) -> list[str]:
    return re.findall(r"^Address: (\S+)$", nslookup, re.MULTILINE)


def test_nslookup_from_outside_gives_the_public_address(seed: Run) -> None:
    for step in ("nslookup-public", "nslookup-public-privatelink"):
        out = seed[step].output
        [address] = _addresses(out)
        assert any(ipaddress.ip_address(address) in net for net in PUBLIC_RANGES), out
    assert f"{VAULT}.vault.azure.net\tcanonical name = {VAULT}.{ZONE}." in seed["nslookup-public"].output


def test_nslookup_inside_the_network_gives_the_private_address(seed: Run) -> None:
    vm = seed["vm-create"].json()
    assert vm["name"] == VM and vm["provisioningState"] == "Succeeded"
    assert ipaddress.ip_address(vm["privateIp"]) in ipaddress.ip_network("10.0.0.0/24")
    out = seed["nslookup-inside"].output
    assert _addresses(out) == ["10.0.0.4"], out
    assert f"{VAULT}.vault.azure.net\tcanonical name = {VAULT}.{ZONE}." in out
    assert f"Name:\t{VAULT}.{ZONE}" in out


def test_secrets_inside_succeed_and_outside_are_refused(seed: Run) -> None:
    assignment = seed["role-assign"].json()
    assert assignment["scope"] == vault_id(seed) and assignment["principalType"] == "ServicePrincipal"
    written = seed["secret-set-inside"].json()
    assert written["value"] == f"hello from {VM}"
    assert written["id"].startswith(f"https://{VAULT}.vault.azure.net/secrets/greeting/")
    read = seed["secret-show-inside"].json()
    assert read["value"] == f"hello from {VM}" and read["id"] == written["id"]

    firewall = seed["secret-show-outside-firewall"]
    assert firewall.exit_code == 1 and firewall.output.startswith("ERROR: (Forbidden) ")
    assert "Client address is not authorized and caller is not a trusted service." in firewall.output
    assert '"code": "ForbiddenByFirewall"' in firewall.output

    assert seed["public-access-disable"].json()["properties"]["publicNetworkAccess"] == "Disabled"
    refused = seed["secret-show-outside"]
    assert refused.exit_code == 1 and refused.output.startswith("ERROR: (Forbidden) ")
    assert ("Public network access is disabled and request is not from a trusted service nor via an approved "
            "private link.") in refused.output
    assert f"Vault: {VAULT};location=eastus" in refused.output
    assert '"code": "ForbiddenByConnection"' in refused.output
    assert seed["secret-show-inside-again"].output.strip() == f"hello from {VM}"


def _look(seed: Run) -> dict[str, Any]:
    """What the script's user sees of what it built, through the same programs: az from the internet and from the
    machine, nslookup from both, and the machine's own description and exports."""
    env, az = {**seed.env, **seed.running.env_exports()}, str(az_support.az_path())  # as `eval "$(vaultlink env)"` leaves it

    def run(*args: str) -> tuple[int, str]:
        done = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=120, check=False)
        return done.returncode, done.stdout

    def on_vm(*args: str) -> tuple[int, str]:
        return run(sys.executable, "-m", "vaultlink", "vm", "exec", VM, "--data-dir", str(seed.running.data_dir),
                   "--", *args)

    internet = seed.running.state["dns"][0]
    vm = vm_show(seed)
    resolver = vm["dnsServer"]
    code, shown = run(az, "keyvault", "show", "-n", VAULT, "-g", GROUP, "-o", "json")
    return {
        "keyvault": (code, json.loads(shown)),
        "endpoint": run(az, "network", "private-endpoint", "show", "-g", GROUP, "-n", f"pe-{VAULT}-auto", "-o", "json"),
        "record": run(az, "network", "private-dns", "record-set", "a", "show", "-g", GROUP, "-z", ZONE, "-n", VAULT,
                      "-o", "json"),
        "vm": vm,
        "vm-env": run(sys.executable, "-m", "vaultlink", "env", "--vm", VM, "--data-dir", str(seed.running.data_dir)),
        "nslookup-public": run("nslookup", f"-port={internet.rsplit(':', 1)[1]}", f"{VAULT}.vault.azure.net",
                               internet.rsplit(":", 1)[0]),
        "nslookup-inside": on_vm("nslookup", f"-port={resolver.rsplit(':', 1)[1]}", f"{VAULT}.vault.azure.net",
                                 resolver.rsplit(":", 1)[0]),
        "secret-inside": on_vm(az, "keyvault", "secret", "show", "--vault-name", VAULT, "--name", "greeting",
                               "--query", "value", "-o", "tsv"),
        "secret-outside": run(az, "keyvault", "secret", "show", "--vault-name", VAULT, "--name", "greeting")[0],
    }


def vm_show(seed: Run) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "vaultlink", "vm", "show", VM, "-o", "json", "--data-dir",
                          str(seed.running.data_dir)], capture_output=True, text=True, check=True, env=seed.env).stdout
    shown: dict[str, Any] = json.loads(out)
    return shown


def test_what_the_script_built_answers_the_same_after_a_restart(seed: Run) -> None:
    """Last in this file: the server restarts (SIGTERM, then SIGKILL) under the script's az login and machine."""
    before = same_after_restarts(seed.running, lambda: _look(seed))
    assert before["secret-inside"] == (0, f"hello from {VM}\n")
    assert before["secret-outside"] == 1 and "10.0.0.4" in before["nslookup-inside"][1]

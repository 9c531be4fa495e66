"""`vaultlink diagnose` on a subscription with 1,000 private endpoints and 1,000 private DNS zones, against the
same checks over the seed's topology, in the same sitting.

Two vaultlinks run at once. Both hold the seed: a vault with public access disabled, a network with a subnet,
a private endpoint, the zone privatelink.vaultcore.azure.net linked to the network with the vault's A record,
and a machine in the network. The large one holds besides ENDPOINTS - 1 more endpoints (to VAULTS other
vaults, in a second subnet) and ZONES - 1 more zones, every one created through the proxy by ARM PUTs. Then,
ROUNDS times, alternating between the two so the machine's noise falls on both alike: the server's answer to
`GET /vaultlink/diagnose/{vault}?from=vm:{machine}` (what `vaultlink diagnose` asks: gather the live
resources, project them, run every check), and, CLI_ROUNDS times, the whole `vaultlink diagnose VAULT --from vm
NAME` command as a person runs it (a new Python process). Reported: medians and maxima, the large/seed ratio,
and whether the large command answers in under a second.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.arm_throughput import _token
from bench.common import clean_env, fmt_ratio, median
from bench.scale import _put, _session

ENDPOINTS = 1000
ZONES = 1000
VAULTS = 50
ROUNDS = 20
CLI_ROUNDS = 5
ARM = "https://management.azure.com"
NET, DNS, KV, COMPUTE = "2025-05-01", "2024-06-01", "2025-05-01", "2024-07-01"
ZONE = "privatelink.vaultcore.azure.net"


class Site:
    def __init__(self, running: Any, endpoints: int, zones: int) -> None:
        self.running = running
        self.endpoints, self.zones = endpoints, zones
        s = self.session = _session(running, _token(running))
        c = running.credentials
        group = f"/subscriptions/{c['subscriptionId']}/resourceGroups/diagnose"
        _put(s, f"{ARM}{group}?api-version=2025-04-01", {"location": "eastus"})
        kv = f"{group}/providers/Microsoft.KeyVault/vaults"
        self.vault = f"diag{running.credentials['subscriptionId'][:8]}"

        def vault(name: str) -> str:
            _put(s, f"{ARM}{kv}/{name}?api-version={KV}", {"location": "eastus", "properties": {
                "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
                "publicNetworkAccess": "Disabled", "accessPolicies": [{"tenantId": c["tenantId"], "objectId": c[
                    "servicePrincipal"]["objectId"], "permissions": {"secrets": ["get"]}}]}})
            return f"{kv}/{name}"

        seed_vault = vault(self.vault)
        vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/diagnose-vnet"
        _put(s, f"{ARM}{vnet}?api-version={NET}", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.20.0.0/24"}},
                        {"name": "many", "properties": {"addressPrefix": "10.20.16.0/20"}}]}})
        pes = f"{ARM}{group}/providers/Microsoft.Network/privateEndpoints"

        def endpoint(name: str, subnet: str, target: str) -> None:
            _put(s, f"{pes}/{name}?api-version={NET}", {"location": "eastus", "properties": {
                "subnet": {"id": f"{vnet}/subnets/{subnet}"},
                "privateLinkServiceConnections": [{"name": name, "properties": {
                    "privateLinkServiceId": target, "groupIds": ["vault"]}}]}})

        endpoint("seed-pe", "default", seed_vault)
        dns = f"{ARM}{group}/providers/Microsoft.Network/privateDnsZones"
        _put(s, f"{dns}/{ZONE}?api-version={DNS}", {"location": "global"})
        _put(s, f"{dns}/{ZONE}/virtualNetworkLinks/seed-link?api-version={DNS}", {
            "location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}})
        nic = s.get(f"{pes}/seed-pe?api-version={NET}", timeout=60).json()["properties"]["networkInterfaces"][0]["id"]
        address = s.get(f"{ARM}{nic}?api-version={NET}", timeout=60).json()["properties"]["ipConfigurations"][0][
            "properties"]["privateIPAddress"]
        _put(s, f"{dns}/{ZONE}/A/{self.vault}?api-version={DNS}", {
            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}})
        self.machine = "diagnose-vm"
        _put(s, f"{ARM}{group}/providers/Microsoft.Compute/virtualMachines/{self.machine}?api-version={COMPUTE}",
             _vm(f"{vnet}/subnets/default"))
        others = [vault(f"other{i:03d}{self.vault[4:10]}") for i in range(VAULTS)] if endpoints > 1 else []
        for i in range(endpoints - 1):
            endpoint(f"pe-{i:04d}", "many", others[i % len(others)])
        for i in range(zones - 1):
            _put(s, f"{dns}/zone{i:04d}.internal?api-version={DNS}", {"location": "global"})
        counted = (self._count(f"{pes}?api-version={NET}"), self._count(f"{dns}?api-version={DNS}"))
        if counted != (endpoints, zones):
            raise RuntimeError(f"ARM lists {counted[0]} endpoints and {counted[1]} zones, not {endpoints} and {zones}")
        self.server_times: list[float] = []
        self.cli_times: list[float] = []

    def _count(self, url: str) -> int:
        """How many resources ARM lists at a collection URL, following nextLink."""
        count, next_url = 0, url
        while next_url:
            page = self.session.get(next_url, timeout=60).json()
            count += len(page["value"])
            next_url = page.get("nextLink")
        return count

    def ask(self) -> None:
        url = f"{self.running.proxy}/vaultlink/diagnose/{self.vault}?from=vm:{self.machine}"
        t = time.perf_counter()
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=60) as r:
            body = r.read()
        self.server_times.append(time.perf_counter() - t)
        if b'"failed": false' not in body:
            raise RuntimeError(f"the seed's checks do not all pass: {body[:500]!r}")

    def command(self) -> None:
        argv = [sys.executable, "-m", "vaultlink", "diagnose", self.vault, "--from", "vm", self.machine,
                "--data-dir", str(self.running.data_dir)]
        t = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=clean_env(), check=False)
        self.cli_times.append(time.perf_counter() - t)
        if done.returncode != 0:
            raise RuntimeError(f"vaultlink diagnose exited {done.returncode}: {done.stdout[-500:]}{done.stderr[-500:]}")

    def summary(self) -> dict[str, Any]:
        return {"endpoints": self.endpoints, "zones": self.zones,
                "serverMedianMs": round(median(self.server_times) * 1e3, 1),
                "serverMaxMs": round(max(self.server_times) * 1e3, 1),
                "commandMedianMs": round(median(self.cli_times) * 1e3, 1),
                "commandMaxMs": round(max(self.cli_times) * 1e3, 1)}


def _vm(subnet: str) -> dict[str, Any]:
    return {"location": "eastus", "properties": {"networkProfile": {
        "networkApiVersion": "2024-07-01", "networkInterfaceConfigurations": [{"name": "diagnose-nic", "properties": {
            "primary": True, "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": subnet}, "privateIPAddressVersion": "IPv4"}}]}}]}}}


def run(rounds: int = ROUNDS, cli_rounds: int = CLI_ROUNDS) -> dict[str, Any]:
    from tests.vaultlink_process import start

    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-diagnose-") as tmp:
        servers = []
        try:
            servers.append(start(Path(tmp) / "seed"))
            servers.append(start(Path(tmp) / "large"))
            t = time.perf_counter()
            sites = [Site(servers[0], 1, 1), Site(servers[1], ENDPOINTS, ZONES)]
            built = time.perf_counter() - t
            for r in range(rounds + 2):  # the first two warm the connections
                for site in sites:
                    site.ask()
                    if r < 2:
                        site.server_times.pop()
            for _ in range(cli_rounds):
                for site in sites:
                    site.command()
        finally:
            for running in servers:
                running.stop()
    seed, large = (site.summary() for site in sites)
    return {"cases": [seed, large], "buildS": round(built, 1), "rounds": rounds, "cliRounds": cli_rounds,
            "serverLargeOverSeed": round(large["serverMedianMs"] / seed["serverMedianMs"], 2),
            "commandLargeOverSeed": round(large["commandMedianMs"] / seed["commandMedianMs"], 2),
            "underOneSecond": large["commandMaxMs"] < 1000}


def report(result: dict[str, Any]) -> list[str]:
    lines = ["vaultlink diagnose VAULT --from vm NAME (every check over the live state)"]
    for case in result["cases"]:
        lines.append(f"  {case['endpoints']:>5} endpoints, {case['zones']:>5} zones: server median "
                     f"{case['serverMedianMs']:.1f} ms (max {case['serverMaxMs']:.1f}), command median "
                     f"{case['commandMedianMs']:.0f} ms (max {case['commandMaxMs']:.0f})")
    lines.append(f"  large/seed: server {fmt_ratio(result['serverLargeOverSeed'])}, command "
                 f"{fmt_ratio(result['commandLargeOverSeed'])}; the large command under 1 s: "
                 f"{'yes' if result['underOneSecond'] else 'NO'}")
    return lines


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))

"""Control-plane scale: 1,000 private endpoints in one virtual network and 1,000 record sets in one private
DNS zone, created one by one through the proxy (keep-alive, the real wire protocol), with the time per
operation over the first and the last 100. Flat means no cost grows with the number of resources: the
ratio last/first should stay near 1.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.arm_throughput import _token
from bench.common import median, percentile

COUNT = 1000
WINDOW = 100
NET = "2025-05-01"
DNS = "2024-06-01"
KV = "2025-05-01"


def _session(running: Any, token: str) -> Any:
    import requests

    s = requests.Session()
    s.trust_env = False  # only the proxy given here: nothing else is dialled
    s.proxies = {"https": running.proxy}
    s.verify = running.ca
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def _put(s: Any, url: str, body: dict[str, Any]) -> float:
    t = time.perf_counter()
    r = s.put(url, json=body, timeout=60)
    elapsed = time.perf_counter() - t
    if r.status_code not in (200, 201):
        raise RuntimeError(f"PUT {url} answered {r.status_code}: {r.text[:300]}")
    return elapsed


def _summary(times: list[float]) -> dict[str, Any]:
    first, last = sorted(times[:WINDOW]), sorted(times[-WINDOW:])
    return {
        "count": len(times),
        "firstMedianMs": round(median(first) * 1000, 2), "firstP99Ms": round(percentile(first, 99) * 1000, 2),
        "lastMedianMs": round(median(last) * 1000, 2), "lastP99Ms": round(percentile(last, 99) * 1000, 2),
        "lastOverFirst": round(median(last) / median(first), 2),
    }


def run(count: int = COUNT) -> dict[str, Any]:
    from tests.vaultlink_process import start

    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-scale-") as tmp:
        running = start(Path(tmp) / "data")
        try:
            token = _token(running)
            c = running.credentials
            s = _session(running, token)
            sub = c["subscriptionId"]
            base = f"https://management.azure.com/subscriptions/{sub}/resourceGroups/scale"
            _put(s, f"https://management.azure.com/subscriptions/{sub}/resourcegroups/scale?api-version=2025-04-01",
                 {"location": "eastus"})
            # a vault takes at most 64 private endpoint connections, so the endpoints spread over several vaults
            vaults = []
            for v in range(-(-count // 64)):
                vault = f"{base}/providers/Microsoft.KeyVault/vaults/scale{v}x{int(time.time()) % 100000}"
                _put(s, f"{vault}?api-version={KV}", {"location": "eastus", "properties": {
                    "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}})
                vaults.append(vault.removeprefix("https://management.azure.com"))
            vnet = f"{base}/providers/Microsoft.Network/virtualNetworks/scale-vnet"
            _put(s, f"{vnet}?api-version={NET}", {"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": ["10.8.0.0/16"]},
                "subnets": [{"name": "endpoints", "properties": {"addressPrefix": "10.8.0.0/20"}}]}})
            endpoint_times = []
            for i in range(count):
                endpoint_times.append(_put(s, f"{base}/providers/Microsoft.Network/privateEndpoints/pe-{i}?api-version={NET}", {
                    "location": "eastus", "properties": {
                        "subnet": {"id": f"{vnet.removeprefix('https://management.azure.com')}/subnets/endpoints"},
                        "manualPrivateLinkServiceConnections": [{"name": f"c{i}", "properties": {
                            "privateLinkServiceId": vaults[i % len(vaults)], "groupIds": ["vault"]}}]}}))
            zone = f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
            _put(s, f"{zone}?api-version={DNS}", {"location": "global"})
            record_times = []
            for i in range(count):
                record_times.append(_put(s, f"{zone}/A/host-{i}?api-version={DNS}", {
                    "properties": {"ttl": 600, "aRecords": [{"ipv4Address": f"10.9.{i // 250}.{i % 250 + 1}"}]}}))
            return {"privateEndpoints": _summary(endpoint_times), "recordSets": _summary(record_times),
                    "vaults": len(vaults)}
        finally:
            running.stop()


def report(result: dict[str, Any]) -> list[str]:
    lines = ["control-plane scale (time per PUT through the proxy, first 100 vs last 100)"]
    for label, key in (("private endpoints in one VNet", "privateEndpoints"), ("record sets in one zone", "recordSets")):
        r = result[key]
        lines.append(f"  {r['count']:>5} {label:<30} first {r['firstMedianMs']:>6.2f} ms (p99 {r['firstP99Ms']:.2f})"
                     f"  last {r['lastMedianMs']:>6.2f} ms (p99 {r['lastP99Ms']:.2f})  last/first {r['lastOverFirst']:.2f}")
    return lines

"""The portal's pages with 1,000 key vaults and 1,000 private endpoints (in one subnet, to 50 of the vaults) in
the subscription: each page's time from sending the request to
having the whole page, on the portal's loopback address (plain HTTP, keep-alive, signed in as the default
user). That time is the server's work plus one loopback exchange, so it bounds the server time from above;
the target is under 100 ms for every page.

The peer is the ARM call the SDK's vault list makes (GET the subscription's vaults, $top=50) sent with the same user
token through the proxy: `x ARM` is how many such calls a page costs.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import median, percentile
from bench.scale import _session

VAULTS = 1000
ENDPOINTS = 1000
RUNS = 15
TARGET_MS = 100.0
KV = "2023-07-01"


def _signed_in(base: str, user: dict[str, str]) -> Any:
    import httpx

    client = httpx.Client(follow_redirects=True, timeout=60, trust_env=False)
    page = client.get(base)
    flow = re.search(r'name="flowToken" value="([^"]+)"', page.text)
    assert flow is not None, page.text[:500]
    done = client.post(page.url, data={"login": user["userPrincipalName"], "passwd": user["password"],
                                       "flowToken": flow.group(1)})
    assert "Azure services" in done.text, done.text[:500]
    return client


def _time(fetch: Any) -> dict[str, float]:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fetch()
        samples.append((time.perf_counter() - t) * 1000)
    ordered = sorted(samples)
    return {"medianMs": round(median(ordered), 2), "p95Ms": round(percentile(ordered, 95), 2),
            "maxMs": round(ordered[-1], 2)}


def run(count: int = VAULTS, endpoints: int = ENDPOINTS) -> dict[str, Any]:
    from tests.vaultlink_process import start

    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-portal-") as tmp:
        running = start(Path(tmp) / "data")
        try:
            c = running.credentials
            sub, tenant = c["subscriptionId"], c["tenantId"]
            base = running.status()["portal"]
            portal = _signed_in(base, c["user"])
            from bench.arm_throughput import _token

            arm = _session(running, _token(running))
            mgmt = "https://management.azure.com"
            group = f"/subscriptions/{sub}/resourcegroups/bench-portal"
            arm.put(f"{mgmt}{group}?api-version=2022-09-01", json={"location": "eastus"}, timeout=60)
            vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/bench-vnet"
            arm.put(f"{mgmt}{vnet}?api-version=2024-07-01", timeout=60, json={"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.9.0.0/24"}}]}})
            started = time.perf_counter()
            for i in range(count):
                body = {"location": "eastus", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                             "enableRbacAuthorization": True}}
                r = arm.put(f"{mgmt}{group}/providers/Microsoft.KeyVault/vaults/benchportal{i:04d}?api-version={KV}",
                            json=body, timeout=60)
                assert r.status_code in (200, 201), r.text[:300]
            made_s = time.perf_counter() - started
            vault = f"{group}/providers/Microsoft.KeyVault/vaults/benchportal0500"
            pe = f"{group}/providers/Microsoft.Network/privateEndpoints/bench-pe"
            arm.put(f"{mgmt}{pe}?api-version=2024-07-01", timeout=60, json={"location": "eastus", "properties": {
                "subnet": {"id": f"{vnet}/subnets/default"}, "privateLinkServiceConnections": [
                    {"name": "bench-pe", "properties": {"privateLinkServiceId": vault, "groupIds": ["vault"]}}]}})
            crowd = f"{group}/providers/Microsoft.Network/virtualNetworks/bench-crowd"
            arm.put(f"{mgmt}{crowd}?api-version=2024-07-01", timeout=60, json={"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": ["10.10.0.0/16"]},
                "subnets": [{"name": "endpoints", "properties": {"addressPrefix": "10.10.0.0/21"}}]}})
            started = time.perf_counter()
            for i in range(endpoints):
                r = arm.put(f"{mgmt}{group}/providers/Microsoft.Network/privateEndpoints/bench-pe{i:04d}"
                            "?api-version=2024-07-01", timeout=60, json={"location": "eastus", "properties": {
                                "subnet": {"id": f"{crowd}/subnets/endpoints"}, "privateLinkServiceConnections": [
                                    {"name": f"bench-pe{i:04d}", "properties": {
                                        "privateLinkServiceId": f"{group}/providers/Microsoft.KeyVault/vaults/"
                                                                f"benchportal{i % 50:04d}",  # 20 each: 64 a vault, 400 vaults a subscription
                                        "groupIds": ["vault"]}}]}})
                assert r.status_code in (200, 201), r.text[:300]
            endpoints_s = time.perf_counter() - started
            zone = f"{group}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
            arm.put(f"{mgmt}{zone}?api-version=2024-06-01", timeout=60, json={"location": "global"})
            for i in range(count):  # an A record set for every vault, as zone groups would write them
                r = arm.put(f"{mgmt}{zone}/A/benchportal{i:04d}?api-version=2024-06-01", timeout=60, json={
                    "properties": {"ttl": 10, "aRecords": [{"ipv4Address": f"10.10.{i // 250}.{i % 250 + 4}"}]}})
                assert r.status_code in (200, 201), r.text[:300]
            skip = re.search(r'href="\?skiptoken=([^"]+)"', portal.get(base + "browse/keyvaults").text)
            skip_pe = re.search(r'href="\?skiptoken=([^"]+)"', portal.get(base + "browse/privateendpoints").text)
            pages = {
                "home": "",
                "search 'benchportal05'": "search?q=benchportal05",
                "key vaults, first page": "browse/keyvaults",
                "key vaults, next page": f"browse/keyvaults?skiptoken={skip.group(1) if skip else ''}",
                "virtual networks": "browse/virtualnetworks",
                "private endpoints, first page": "browse/privateendpoints",
                "private endpoints, next page": f"browse/privateendpoints?skiptoken={skip_pe.group(1) if skip_pe else ''}",
                "virtual network with 1,000 endpoints": f"resource{crowd}/overview",
                "private DNS zone with 1,000 record sets": f"resource{zone}/overview",
                "vault overview": f"resource{vault}/overview",
                "vault networking: firewall": f"resource{vault}/networking",
                "vault networking: connections": f"resource{vault}/networking?tab=connections",
                "vault topology": f"resource{vault}/topology",
                "private endpoint": f"resource{pe}/overview",
                "virtual network": f"resource{vnet}/overview",
                "create key vault wizard": "create/keyvault",
                "create private endpoint wizard (1,000 vaults to choose)": "create/privateendpoint",
                "resolve from": "resolve?name=benchportal0500.vault.azure.net",
                "diagnose": f"resource{vault}/diagnose",
            }
            results: dict[str, Any] = {}
            for label, path in pages.items():
                url = base + path
                reply = portal.get(url)
                assert reply.status_code == 200, (label, reply.status_code, reply.text[:300])
                results[label] = _time(lambda url=url: portal.get(url))
            arm_list = f"{mgmt}/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults?api-version={KV}&$top=50"
            peer = _time(lambda: arm.get(arm_list, timeout=60))
            return {"vaults": count, "createdInS": round(made_s, 1), "endpoints": endpoints,
                    "endpointsCreatedInS": round(endpoints_s, 1), "pages": results, "armListPage": peer,
                    "targetMs": TARGET_MS}
        finally:
            running.stop()


def report(result: dict[str, Any]) -> list[str]:
    peer = result["armListPage"]["medianMs"]
    lines = [(f"portal: every page with {result['vaults']} key vaults (made in {result['createdInS']} s) and "
              f"{result['endpoints']} private endpoints (in {result['endpointsCreatedInS']} s) in the subscription; "
              f"request to whole page on loopback, {RUNS} runs each"),
             f"  {'page':58} {'median':>8} {'p95':>8} {'max':>8} {'x ARM':>7}  target < {TARGET_MS:.0f} ms"]
    for label, t in result["pages"].items():
        met = "met" if t["p95Ms"] < TARGET_MS else "MISSED"
        lines.append(f"  {label:58} {t['medianMs']:8.1f} {t['p95Ms']:8.1f} {t['maxMs']:8.1f} "
                     f"{t['medianMs'] / peer:7.1f}  {met}")
    lines.append(f"  peer: ARM GET vaults $top=50 through the proxy: median {peer:.1f} ms, p95 "
                 f"{result['armListPage']['p95Ms']:.1f} ms")
    return lines

"""The first DNS answer after a record write, with 10 and with 10,000 record sets in the zone.

A write through ARM patches the network model's snapshot where the written resource's projection stands alone
(arm/projection.py), so the DNS answer that follows a record-set write should cost the same however many
resources there are. For each size: one vaultlink, a virtual network linked to the private zone
`privatelink.vaultcore.azure.net`, SIZE record sets in that zone (PUT through the proxy), then ROUNDS times:
PUT the record set `probe` with a new address (keep-alive, through the proxy), then at once ask the network's
resolver (UDP, on its loopback address) for `probe.privatelink.vaultcore.azure.net` and check that the answer
is the new address. Reported: the time from sending that query to its answer (median, p90), the write's own
time, and the ratio of the large zone's median to the small one's (flat: near 1). For scale, the time a full
rebuild of the snapshot takes from the large store (`arm.projection.build`, in this process, after the server
stopped), which is what each such answer cost before the projection was incremental. The two servers run at once
and their rounds alternate, so the machine's noise falls on both alike.
"""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.arm_throughput import _token
from bench.common import fmt_ratio, median, percentile
from bench.scale import _put, _session

SIZES = (10, 10_000)
ROUNDS = 200
NET, DNS = "2025-05-01", "2024-06-01"
ZONE = "privatelink.vaultcore.azure.net"


def _query(address: tuple[str, int], name: str) -> tuple[float, list[str]]:
    from dnslib import QTYPE, DNSRecord

    query = DNSRecord.question(name, "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        packet = query.pack()
        t = time.perf_counter()
        sock.sendto(packet, address)
        data, _ = sock.recvfrom(4096)
        elapsed = time.perf_counter() - t
    reply = DNSRecord.parse(data)
    return elapsed, [str(rr.rdata) for rr in reply.rr if rr.rtype == QTYPE.A]


class Site:
    """One vaultlink with SIZE record sets in the linked private zone, ready to write and ask."""

    def __init__(self, running: Any, size: int) -> None:
        self.running, self.size = running, size
        self.session = _session(running, _token(running))
        c = running.credentials
        arm = "https://management.azure.com"
        group = f"/subscriptions/{c['subscriptionId']}/resourceGroups/projection"
        _put(self.session, f"{arm}{group}?api-version=2025-04-01", {"location": "eastus"})
        vnet = f"{group}/providers/Microsoft.Network/virtualNetworks/projection-vnet"
        _put(self.session, f"{arm}{vnet}?api-version={NET}", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.8.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.8.0.0/24"}}]}})
        self.zone = f"{arm}{group}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
        _put(self.session, f"{self.zone}?api-version={DNS}", {"location": "global"})
        _put(self.session, f"{self.zone}/virtualNetworkLinks/projection-link?api-version={DNS}", {
            "location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}})
        for i in range(size):
            _put(self.session, f"{self.zone}/A/host-{i}?api-version={DNS}", {
                "properties": {"ttl": 10, "aRecords": [{"ipv4Address": f"10.9.{i // 250}.{i % 250 + 1}"}]}})
        host, port = running.status()["dnsViews"][vnet.lower()].rsplit(":", 1)
        self.resolver = (host, int(port))
        self.answers: list[float] = []
        self.writes: list[float] = []

    def round(self, r: int, keep: bool) -> None:
        address = f"10.8.0.{4 + r % 200}"
        written = _put(self.session, f"{self.zone}/A/probe?api-version={DNS}", {
            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}})
        elapsed, got = _query(self.resolver, f"probe.{ZONE}")
        if got != [address]:
            raise RuntimeError(f"after writing {address} the resolver answered {got}")
        if keep:
            self.answers.append(elapsed)
            self.writes.append(written)

    def summary(self, rounds: int, rebuild: float | None) -> dict[str, Any]:
        answers, writes = sorted(self.answers), sorted(self.writes)
        return {"recordSets": self.size, "rounds": rounds, "answerMedianUs": round(median(answers) * 1e6, 1),
                "answerP90Us": round(percentile(answers, 90) * 1e6, 1),
                "writeMedianMs": round(median(writes) * 1e3, 2), "rebuildMs": rebuild}


def _rebuild(db: Path) -> float | None:
    from vaultlink.arm.projection import build
    from vaultlink.store import open_store

    if not db.exists():
        return None
    store = open_store(f"sqlite:///{db}")
    try:
        t = time.perf_counter()
        build(store)
        return round((time.perf_counter() - t) * 1e3, 1)
    finally:
        store.close()


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    """Both sites run at once and their rounds alternate, so the machine's noise falls on both alike."""
    from tests.vaultlink_process import start

    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-projection-") as tmp:
        servers = []
        try:
            for size in SIZES:
                servers.append(start(Path(tmp) / f"data-{size}"))
            sites = [Site(running, size) for running, size in zip(servers, SIZES, strict=True)]
            for r in range(rounds + 10):  # the first rounds warm the connections and the caches
                for site in sites:
                    site.round(r, keep=r >= 10)
        finally:
            for running in servers:
                running.stop()
        rebuild = _rebuild(Path(tmp) / f"data-{SIZES[-1]}" / "vaultlink.db")
    cases = [site.summary(rounds, rebuild if site.size == SIZES[-1] else None) for site in sites]
    small, large = cases[0], cases[-1]
    return {"cases": cases, "largeOverSmall": round(large["answerMedianUs"] / small["answerMedianUs"], 2)}


def report(result: dict[str, Any]) -> list[str]:
    lines = ["first DNS answer after a record write (UDP to the linked network's resolver, after a PUT through the proxy)"]
    for case in result["cases"]:
        lines.append(f"  {case['recordSets']:>6} record sets: answer median {case['answerMedianUs']:>7.1f} us "
                     f"(p90 {case['answerP90Us']:.1f})  write {case['writeMedianMs']:.2f} ms")
    lines.append(f"  large/small: {fmt_ratio(result['largeOverSmall'])} (flat near 1)")
    rebuild = result["cases"][-1].get("rebuildMs")
    if rebuild is not None:
        lines.append(f"  for scale: one full rebuild of the large snapshot takes {rebuild:.1f} ms")
    return lines


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))

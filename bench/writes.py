"""Write throughput and what durability costs: keep-alive `PUT https://{vault}.vault.azure.net/secrets/{name}`
(each a new secret version, one committed store transaction), through vaultlink's proxy, with SQLite's
`synchronous` at NORMAL and at FULL (vaultlink's setting), in the same run on the same machine.

FULL syncs the write-ahead log at every commit, so an acknowledged write survives a power failure; NORMAL syncs
only at checkpoints (a crash of the process loses nothing, a power failure may lose the last commits). Each level
gets its own server and data directory (on the same filesystem), one connection (the latency a script's writes
see) and C connections (throughput, commits queued on SQLite's single writer). The levels are interleaved
twice (NORMAL, FULL, NORMAL, FULL) so a shared machine's slow moment does not land on one level only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.secrets import (
    KV_API,
    RG_API,
    SECRET_API,
    VALUE,
    _Arm,
    _tokens,
    _vault,
)

CONNECTIONS = 8
DURATION = 6.0
WARMUP = 1.0
LEVELS = ("NORMAL", "FULL")
ROUNDS = 2


def _measure(level: str, connections: int, duration: float, warmup: float, work: Path) -> dict[str, Any]:
    from tests.vaultlink_process import start

    running = start(work / f"data-{level.lower()}", env={"VAULTLINK_SQLITE_SYNCHRONOUS": level})
    try:
        arm_token, token = _tokens(running)
        arm = _Arm(running, arm_token)
        try:
            arm.put(arm.group, RG_API, {"location": "eastus"})
            vault = f"benchw{level.lower()}{running.port}"
            _vault(arm, running, vault)
        finally:
            arm.close()
        host, port = running.proxy.split("://", 1)[1].rsplit(":", 1)
        target = loadgen.Target(
            host=host, port=int(port), server_name=f"{vault}.vault.azure.net",
            path=f"/secrets/bench-write?api-version={SECRET_API}", headers={"Authorization": f"Bearer {token}"},
            via_proxy=True, cafile=running.ca, method="PUT", body=b'{"value": "%s"}' % VALUE.encode(),
        )
        out = {}
        for c in (1, connections):
            out[str(c)] = loadgen.run(target, connections=c, warmup=warmup, duration=duration).summary()
        return out
    finally:
        running.stop()


def run(connections: int = CONNECTIONS, duration: float = DURATION, warmup: float = WARMUP) -> dict[str, Any]:
    result: dict[str, Any] = {"connections": connections, "durationS": duration, "warmupS": warmup,
                              "request": f"PUT https://{{vault}}.vault.azure.net/secrets/bench-write?api-version="
                                         f"{SECRET_API} (vault api {KV_API})", "rounds": []}
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-writes-", dir=None) as tmp:
        for round_ in range(ROUNDS):
            runs = {}
            for level in LEVELS:
                runs[level] = _measure(level, connections, duration, warmup, Path(tmp) / f"r{round_}")
            result["rounds"].append(runs)
    for c in ("1", str(connections)):
        totals = {level: sum(r[level][c]["requests"] for r in result["rounds"]) for level in LEVELS}
        result[f"fullOverNormal{c}"] = round(totals["FULL"] / totals["NORMAL"], 3) if totals["NORMAL"] else None
    return result


def report(result: dict[str, Any]) -> list[str]:
    c = str(result["connections"])
    title = (f"Secret PUT (a write each), keep-alive via proxy, {result['durationS']:.0f} s per case, "
             f"{len(result['rounds'])} rounds; SQLite synchronous NORMAL vs FULL")
    lines = [title,
             f"  {'':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    for i, runs in enumerate(result["rounds"]):
        for level, by_connections in runs.items():
            for conns, s in by_connections.items():
                bad = {k: v for k, v in s["statuses"].items() if k != "200"}
                lines.append(f"  r{i} {level:6} {conns:>2} connection(s) {s['rps']:>9.1f} {s['p50Ms'] or 0:>8.2f} "
                             f"{s['p99Ms'] or 0:>8.2f}" + (f"  non-200: {bad}" if bad else ""))
    lines.append(f"  FULL/NORMAL throughput: 1 connection {result['fullOverNormal1']}, "
                 f"{c} connections {result[f'fullOverNormal{c}']}")
    return lines

"""az: the seed's CLI tab (examples/seed-cli.sh) with the real az CLI, against what az itself costs.

Measured in one run, side by side:
- the floor: `az version`, which sends no request (az's own start-up), FLOOR_RUNS times, half before and half
  after the scripts so that a slow spell of the shared machine does not land on one side only;
- examples/seed-cli.sh, SCRIPT_RUNS times, each against a fresh vaultlink (`vaultlink up --proxy-port 0
  --dns-port 0` on a new data directory) and a fresh AZURE_CONFIG_DIR: the whole script's wall time, and each
  step's time as the script prints it ("### <step> ok in <s> s [az]");
- inside every az process, the time spent talking to vaultlink: a `sitecustomize` module on az's PYTHONPATH
  wraps requests' `HTTPAdapter.send` (the CONNECT, the TLS handshake in the tunnel, the request and the whole
  response, as az sees them; MSAL and the Azure SDKs both send through it) and, at exit, appends the process's
  wall time (from that module's import to exit), request count and HTTP time to a JSON-lines file. The module
  wraps `requests.adapters` only when az imports it, so it adds no import to any process.

Ratios:
- az command / floor: the median az step against `az version`. Most of this gap is az's own work (loading the
  command module and its SDK, building the request, printing); it is reported for scale.
- server share: the az processes' HTTP time over their time outside HTTP, `sum(http) / sum(wall - http)`: what
  vaultlink adds to what az itself costs. Target: under 10%. Client-side TLS and request building count on
  vaultlink's side here, so this errs against vaultlink.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, clean_env, fmt_ratio, median

FLOOR_RUNS = 6
SCRIPT_RUNS = 2
SCRIPT_TIMEOUT_S = 300.0
TARGET_SHARE = 0.10
SCRIPT = Path(ROOT) / "examples" / "seed-cli.sh"
AZURE_SAYS = "5-10 min"  # the seed article, for the private endpoint's deployment

_STEP = re.compile(r"^### (\S+) (ok|failed as expected \(exit \d+\)|FAILED.*?) in ([\d.]+) s \[(.+)\]$", re.MULTILINE)

SITECUSTOMIZE = '''
"""bench/az.py's timer of az's HTTP exchanges (see there)."""
import atexit, importlib.abc, importlib.util, json, os, sys, time

_started = time.perf_counter()
_http = [0, 0.0]


def _patch(module):
    send = module.HTTPAdapter.send

    def timed(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return send(self, *args, **kwargs)
        finally:
            _http[0] += 1
            _http[1] += time.perf_counter() - began

    module.HTTPAdapter.send = timed


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "requests.adapters":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


def _record():
    if "azure.cli" not in sys.modules:
        return
    words = []
    for word in sys.argv[1:4]:  # the command's name only, never an argument (a secret, say)
        if word.startswith("-"):
            break
        words.append(word)
    line = {"argv": words, "wallS": time.perf_counter() - _started, "requests": _http[0], "httpS": _http[1]}
    with open(os.environ["VAULTLINK_BENCH_AZ_LOG"], "a") as f:
        f.write(json.dumps(line) + "\\n")


sys.meta_path.insert(0, _Finder())
atexit.register(_record)
'''


def az_path() -> Path:
    named = os.environ.get("VAULTLINK_TEST_AZ")
    path = Path(named) if named else Path(ROOT) / ".venv-az" / "bin" / "az"
    if not path.exists():
        raise RuntimeError(f"no az CLI at {path}: `make bench` installs azure-cli into .venv-az "
                           "(or set VAULTLINK_TEST_AZ)")
    return path


def _env(work: Path, data_dir: Path | None, log: Path) -> dict[str, str]:
    hook = work / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    az = az_path()
    env = {k: v for k, v in clean_env().items()
           if not k.startswith(("AZURE_", "IDENTITY_", "MSI_")) and k not in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    env["PYTHONPATH"] = os.pathsep.join([str(hook), env.get("PYTHONPATH", "")])
    venv_bin = Path(sys.executable).parent
    env["PATH"] = os.pathsep.join([str(venv_bin), str(az.parent), env.get("PATH", "")])
    env["AZ"] = str(az)
    env["VAULTLINK_BENCH_AZ_LOG"] = str(log)
    env["AZURE_CONFIG_DIR"] = str(work / f"azure-cli-{time.monotonic_ns()}")
    env["AZURE_CORE_COLLECT_TELEMETRY"] = "false"
    if data_dir is not None:
        env["VAULTLINK_DATA_DIR"] = str(data_dir)
    return env


def _records(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _floor(work: Path, runs: int) -> tuple[list[float], list[dict[str, Any]]]:
    log = work / f"floor-{time.monotonic_ns()}.jsonl"
    env = _env(work, None, log)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([env["AZ"], "version"], check=True, env=env, stdout=subprocess.DEVNULL, timeout=60)
        seconds.append(time.perf_counter() - started)
    return seconds, _records(log)


def _script(work: Path, index: int) -> dict[str, Any]:
    from tests.vaultlink_process import start

    run_dir = work / f"run{index}"
    running = start(run_dir / "data")
    log = run_dir / "az-http.jsonl"
    try:
        env = _env(work, running.data_dir, log)
        env.update(RG="rg-bench", VAULT=f"kv-bench-{index}-{os.getpid() % 100000}")
        started = time.perf_counter()
        done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S,
                              check=False, cwd=run_dir)
        wall = time.perf_counter() - started
    finally:
        running.stop()
    steps = [{"step": m.group(1), "outcome": m.group(2).split(" (")[0], "seconds": float(m.group(3)),
              "program": m.group(4)} for m in _STEP.finditer(done.stdout)]
    problems = [line for line in running.log.read_text(errors="replace").splitlines() if "Traceback" in line]
    return {"exitCode": done.returncode, "wallS": wall, "steps": steps, "azProcesses": _records(log),
            "stderrTail": done.stderr[-2000:] if done.returncode else "", "serverLogProblems": problems}


def run(script_runs: int = SCRIPT_RUNS, floor_runs: int = FLOOR_RUNS) -> dict[str, Any]:
    version = subprocess.run([str(az_path()), "version", "-o", "json"], capture_output=True, text=True, check=True,
                             env=clean_env(), timeout=60)
    result: dict[str, Any] = {"azureCli": json.loads(version.stdout)["azure-cli"], "script": str(SCRIPT.relative_to(ROOT))}
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-az-") as tmp:
        work = Path(tmp)
        before, floor_records = _floor(work, floor_runs // 2)
        runs = [_script(work, i) for i in range(script_runs)]
        after, more = _floor(work, floor_runs - floor_runs // 2)
    floor = before + after
    floor_records += more
    az_steps = [s["seconds"] for r in runs for s in r["steps"] if s["program"] == "az"]
    processes = [p for r in runs for p in r["azProcesses"]]
    http = sum(p["httpS"] for p in processes)
    own = sum(p["wallS"] - p["httpS"] for p in processes)
    pe = [s["seconds"] for r in runs for s in r["steps"] if s["step"] in ("pe-auto-create", "pe-manual-create")]
    result.update({
        "floorS": floor,
        "floorMedianS": median(floor),
        "floorProcessWallMedianS": median([p["wallS"] for p in floor_records]),
        "runs": runs,
        "scriptWallS": [r["wallS"] for r in runs],
        "scriptWallMedianS": median([r["wallS"] for r in runs]),
        "azStepCount": len(az_steps) // max(1, len(runs)),
        "azStepMedianS": median(az_steps),
        "azStepToFloor": median(az_steps) / median(floor) if floor else None,
        "privateEndpointCreateMedianS": median(pe),
        "azProcesses": len(processes),
        "requests": sum(p["requests"] for p in processes),
        "httpS": http,
        "azOwnS": own,
        "httpPerProcessMedianS": median([p["httpS"] for p in processes]),
        "serverShare": http / own if own else None,
        "targetShare": TARGET_SHARE,
        "failures": [r["stderrTail"] for r in runs if r["exitCode"] != 0],
    })
    result["meetsTarget"] = result["serverShare"] is not None and result["serverShare"] < TARGET_SHARE
    slowest: dict[str, list[float]] = {}
    for p in processes:
        slowest.setdefault(" ".join(p["argv"]), []).append(p["httpS"])
    result["httpByCommand"] = sorted(((k, median(v), len(v)) for k, v in slowest.items()), key=lambda t: -t[1])[:5]
    return result


def report(result: dict[str, Any]) -> list[str]:
    share = result["serverShare"]
    verdict = "meets target" if result["meetsTarget"] else "MISSES target"
    runs = len(result["runs"])
    lines = [
        f"az CLI {result['azureCli']}: {result['script']}, {runs} run(s), each against a fresh vaultlink",
        f"  {'':46} {'median s':>9} {'x floor':>8}",
        f"  {'az version (az start-up floor, no request)':46} {result['floorMedianS']:>9.2f} {'1.00':>8}",
        (f"  {'az command in the script (' + str(result['azStepCount']) + ' per run)':46} "
         f"{result['azStepMedianS']:>9.2f} {fmt_ratio(result['azStepToFloor']):>8}"),
        (f"  {'private endpoint create (Azure: ' + AZURE_SAYS + ')':46} "
         f"{result['privateEndpointCreateMedianS']:>9.2f}"),
        f"  {'whole script':46} {result['scriptWallMedianS']:>9.2f}",
        (f"  time talking to vaultlink: {result['httpS']:.2f} s over {result['requests']} requests in "
         f"{result['azProcesses']} az processes (median {result['httpPerProcessMedianS'] * 1000:.0f} ms a process); "
         f"az's own time {result['azOwnS']:.1f} s"),
        (f"  server share (HTTP time / az's own time): {share * 100:.1f}%  target < {result['targetShare'] * 100:.0f}%: "
         f"{verdict}" if share is not None else "  server share: - (no az process recorded)"),
        "  most HTTP time per command (median ms, processes): " + "; ".join(
            f"{cmd} {secs * 1000:.0f} ({n})" for cmd, secs, n in result["httpByCommand"]),
    ]
    for r in result["runs"]:
        if r["exitCode"] != 0:
            lines.append(f"  ! the script exited with {r['exitCode']}: {r['stderrTail'][-300:]}")
        unexpected = [s["step"] for s in r["steps"] if s["outcome"] not in ("ok", "failed as expected")]
        if unexpected:
            lines.append(f"  ! steps failed: {', '.join(unexpected)}")
        for problem in r["serverLogProblems"][:5]:
            lines.append(f"  ! vaultlink log: {problem}")
    return lines


def main() -> None:  # pragma: no cover - `python -m bench.az` for a quick look
    print("\n".join(report(run())))


if __name__ == "__main__":
    main()

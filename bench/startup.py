"""Start-up: from launching `vaultlink up` until it answers `GET /vaultlink/status` on its proxy port.

Measured in one run, side by side:
- the interpreter floor: `python -c pass` (what any Python command costs before it does anything);
- importing vaultlink's server (`import vaultlink.cli.main, vaultlink.runtime.server`, then `os._exit(0)` so
  that, like the ready time, it leaves out the interpreter's teardown), for information;
- cold start: a new data directory, so vaultlink makes its CA, keys, store and default tenant;
- warm restart: the same data directory again;
- the commands a shell runs beside a server (`vaultlink --help`, `vaultlink env`, `vaultlink status`, through the
  installed `vaultlink` script as a user types them), until they exit: target under 150 ms;
- the pytest plugin's session fixture: in a new Python process, from importing the fixture's module
  (`vaultlink.testing.session`) until `Vaultlink.start` returns a server that answers, measured inside that
  process (pytest's own start-up is not vaultlink's): target under 500 ms.

The clock starts just before the subprocess is spawned and stops when the status request has answered 200
with `"ready": true`. The port is the one the OS chose (`--proxy-port 0`); it is learnt from `server.json`,
which vaultlink writes once its listener is bound.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import clean_env, fmt_ms, fmt_ratio, median, python, stop

RUNS = 5
TARGET_MS = 1000.0
CLI_TARGET_MS = 150.0
FIXTURE_TARGET_MS = 500.0
FIXTURE_PROGRAM = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from vaultlink.testing.launch import launch
launched = launch(Path(sys.argv[1]))  # as the plugin's fixture does: the server starts while the rest imports
from vaultlink.testing.session import Vaultlink
session = Vaultlink.started(launched)
session.status()
print((time.perf_counter() - started) * 1000)
session.close()
"""
READY_TIMEOUT = 30.0
POLL_SECONDS = 0.002

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_READY_IN = re.compile(rb"ready in (\d+) ms")


def _time_command(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, env=clean_env(), stdout=subprocess.DEVNULL, timeout=60)
    return (time.perf_counter() - started) * 1000


def _status(port: int) -> bool:
    try:
        with _NO_PROXY.open(f"http://127.0.0.1:{port}/vaultlink/status", timeout=2) as response:
            return response.status == 200 and bool(json.loads(response.read()).get("ready"))
    except (OSError, ValueError):
        return False


def launch_until_ready(data_dir: Path) -> dict[str, Any]:
    """Start `vaultlink up` on `data_dir`, wait until /vaultlink/status answers, stop it; the timings in ms."""
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = data_dir / "server.json"
    state_file.unlink(missing_ok=True)
    log_path = data_dir / "bench-startup.log"
    cmd = [python(), "-m", "vaultlink", "up", "--data-dir", str(data_dir), "--proxy-port", "0", "--dns-port", "0"]
    process: subprocess.Popen[bytes] | None = None
    with log_path.open("wb") as log:
        try:
            started = time.perf_counter()
            process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=clean_env())
            deadline = started + READY_TIMEOUT
            port: int | None = None
            while True:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"vaultlink was not ready in {READY_TIMEOUT:.0f} s:\n{log_path.read_text()}")
                if process.poll() is not None:
                    raise RuntimeError(f"vaultlink exited with {process.returncode}:\n{log_path.read_text()}")
                if port is None:
                    try:
                        state = json.loads(state_file.read_text())
                        if state.get("pid") == process.pid:
                            port = int(str(state["proxy"]).rsplit(":", 1)[1])
                            continue
                    except (OSError, ValueError, KeyError):
                        pass
                elif _status(port):
                    break
                time.sleep(POLL_SECONDS)
            ready_ms = (time.perf_counter() - started) * 1000
            stopping = time.perf_counter()
            stop(process)
            stop_ms = (time.perf_counter() - stopping) * 1000
            exit_code = process.returncode
        finally:
            stop(process)
    text = log_path.read_bytes()
    found = _READY_IN.search(text)
    return {
        "readyMs": ready_ms,
        "serverReportedInitMs": float(found.group(1)) if found else None,
        "stopMs": stop_ms,
        "exitCode": exit_code,
        "logProblems": [line for line in text.decode("utf-8", "replace").splitlines()
                        if any(word in line for word in ("Traceback", "ERROR", "Exception", "Error:"))],
    }


def _fixture_ready_ms(data_dir: Path) -> float:
    out = subprocess.run([python(), "-c", FIXTURE_PROGRAM, str(data_dir)], check=True, env=clean_env(),
                         capture_output=True, text=True, timeout=60)
    return float(out.stdout.strip().splitlines()[-1])


def _cli(tmp: Path, runs: int) -> dict[str, list[float]]:
    """Each command against one running server, `runs` times, after one unrecorded run."""
    from vaultlink.testing.session import Vaultlink

    script = str(Path(python()).parent / "vaultlink")
    session = Vaultlink.start(tmp / "cli")
    try:
        data_dir = str(session.data_dir)
        commands = {"vaultlink --help": [script, "--help"], "vaultlink env": [script, "env", "--data-dir", data_dir],
                    "vaultlink status": [script, "status", "--data-dir", data_dir]}
        samples: dict[str, list[float]] = {}
        for name, args in commands.items():
            _time_command(args)
            samples[name] = [_time_command(args) for _ in range(runs)]
        return samples
    finally:
        session.close()


def _summary(values: list[float]) -> dict[str, float]:
    return {"medianMs": median(values), "maxMs": max(values), "minMs": min(values)}


def run(runs: int = RUNS) -> dict[str, Any]:
    _time_command([python(), "-c", "pass"])  # warms the page cache for the interpreter; not recorded
    floor = [_time_command([python(), "-c", "pass"]) for _ in range(runs)]
    # os._exit: no interpreter teardown, which the ready time does not include either
    imports = [_time_command([python(), "-c", "import os, vaultlink.cli.main, vaultlink.runtime.server; os._exit(0)"])
               for _ in range(runs)]
    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-startup-") as tmp:
        for i in range(runs):
            cold.append(launch_until_ready(Path(tmp) / f"cold-{i}"))
        warm_dir = Path(tmp) / f"cold-{runs - 1}"  # a directory that already holds every piece of state
        for _ in range(runs):
            warm.append(launch_until_ready(warm_dir))
        cli = _cli(Path(tmp), runs)
        fixture = [_fixture_ready_ms(Path(tmp) / f"fixture-{i}") for i in range(runs)]
    floor_median = median(floor)
    result: dict[str, Any] = {
        "runs": runs,
        "targetMs": TARGET_MS,
        "interpreterFloor": {**_summary(floor), "samplesMs": floor},
        "importVaultlink": {**_summary(imports), "samplesMs": imports},
    }
    for name, samples in (("cold", cold), ("warm", warm)):
        ready = [s["readyMs"] for s in samples]
        init = [s["serverReportedInitMs"] for s in samples if s["serverReportedInitMs"] is not None]
        summary = _summary(ready)
        result[name] = {
            **summary,
            "samplesMs": ready,
            "ratioToFloor": summary["medianMs"] / floor_median if floor_median else None,
            "meetsTarget": summary["maxMs"] < TARGET_MS,
            "serverReportedInitMedianMs": median(init) if init else None,
            "stopMedianMs": median([s["stopMs"] for s in samples]),
            "exitCodes": sorted({s["exitCode"] for s in samples}),
            "logProblems": [p for s in samples for p in s["logProblems"]],
        }
    result["cliTargetMs"] = CLI_TARGET_MS
    result["cli"] = {name: {**_summary(values), "samplesMs": values, "meetsTarget": median(values) < CLI_TARGET_MS,
                            "ratioToFloor": median(values) / floor_median if floor_median else None}
                     for name, values in cli.items()}
    result["fixtureTargetMs"] = FIXTURE_TARGET_MS
    result["fixtureReady"] = {**_summary(fixture), "samplesMs": fixture, "meetsTarget": median(fixture) < FIXTURE_TARGET_MS,
                              "ratioToFloor": median(fixture) / floor_median if floor_median else None}
    return result


def report(result: dict[str, Any]) -> list[str]:
    floor = result["interpreterFloor"]
    imports = result["importVaultlink"]
    lines = [
        f"Start-up ({result['runs']} runs each; target: ready in under {result['targetMs']:.0f} ms)",
        f"  {'':34} {'median ms':>10} {'max ms':>8} {'x floor':>8}",
        f"  {'python -c pass (interpreter floor)':34} {fmt_ms(floor['medianMs']):>10} {fmt_ms(floor['maxMs']):>8} {'1.00':>8}",
        (f"  {'import vaultlink server (info)':34} {fmt_ms(imports['medianMs']):>10} {fmt_ms(imports['maxMs']):>8} "
         f"{fmt_ratio(imports['medianMs'] / floor['medianMs']):>8}"),
    ]
    for name, label in (("cold", "vaultlink up, cold (new data dir)"), ("warm", "vaultlink up, warm restart")):
        r = result[name]
        verdict = "meets target" if r["meetsTarget"] else "MISSES target"
        lines.append(f"  {label:34} {fmt_ms(r['medianMs']):>10} {fmt_ms(r['maxMs']):>8} {fmt_ratio(r['ratioToFloor']):>8}"
                     f"  {verdict}; server-reported init {fmt_ms(r['serverReportedInitMedianMs'])} ms,"
                     f" stop {fmt_ms(r['stopMedianMs'])} ms")
    for name, r in result["cli"].items():
        verdict = "meets" if r["meetsTarget"] else "MISSES"
        lines.append(f"  {name:34} {fmt_ms(r['medianMs']):>10} {fmt_ms(r['maxMs']):>8} {fmt_ratio(r['ratioToFloor']):>8}"
                     f"  {verdict} the {result['cliTargetMs']:.0f} ms target")
    r = result["fixtureReady"]
    verdict = "meets" if r["meetsTarget"] else "MISSES"
    lines.append(f"  {'pytest fixture vaultlink ready':34} {fmt_ms(r['medianMs']):>10} {fmt_ms(r['maxMs']):>8} "
                 f"{fmt_ratio(r['ratioToFloor']):>8}  {verdict} the {result['fixtureTargetMs']:.0f} ms target")
    for name in ("cold", "warm"):
        r = result[name]
        if r["exitCodes"] != [0]:
            lines.append(f"  ! {name}: vaultlink exited with {r['exitCodes']} after SIGTERM")
        for problem in r["logProblems"][:5]:
            lines.append(f"  ! {name} log: {problem}")
    return lines

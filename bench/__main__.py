"""`python -m bench [startup|arm|secrets|scale|projection|diagnose|dns|az|all]`: run the benchmarks, print a report, save it as JSON in bench/results/."""

from __future__ import annotations

import argparse
import datetime
import json
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import arm_throughput, az, diagnose, dns, portal, projection, scale, secrets, startup
from bench.common import ROOT, machine

RESULTS = Path(__file__).resolve().parent / "results"


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through every try/finally, so the subprocesses are stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("which", nargs="?", default="all",
                        choices=["all", "startup", "arm", "scale", "projection", "diagnose", "secrets", "dns", "az", "portal"])
    parser.add_argument("--runs", type=int, default=startup.RUNS, help="start-up runs per case (default %(default)s)")
    parser.add_argument("--connections", type=int, default=arm_throughput.CONNECTIONS,
                        help="keep-alive connections (default %(default)s)")
    parser.add_argument("--duration", type=float, default=arm_throughput.DURATION,
                        help="seconds measured per throughput case (default %(default)s)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/<timestamp>.json")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50 or not 1 <= args.connections <= 256 or not 1 <= args.duration <= 60:
        parser.error("keep --runs in 1..50, --connections in 1..256 and --duration in 1..60")
    signal.signal(signal.SIGTERM, _terminate)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    info = machine()
    report: dict[str, Any] = {"timestamp": stamp, "machine": info, "benchmarks": {}, "failures": {}}
    lines: list[str] = []
    started = time.monotonic()
    jobs: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], list[str]]]] = {
        "startup": (lambda: startup.run(args.runs), startup.report),
        "arm": (lambda: arm_throughput.run(args.connections, args.duration), arm_throughput.report),
        "secrets": (lambda: secrets.run(args.connections, args.duration), secrets.report),
        "scale": (scale.run, scale.report),
        "projection": (projection.run, projection.report),
        "diagnose": (diagnose.run, diagnose.report),
        "dns": (lambda: dns.run(args.duration), dns.report),
        "az": (az.run, az.report),
        "portal": (portal.run, portal.report),
    }
    for name, (run, describe) in jobs.items():
        if args.which not in ("all", name):
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            result = run()
        except Exception as error:  # noqa: BLE001 - one benchmark failing still reports the others
            report["failures"][name] = "".join(traceback.format_exception(error))
            lines += [f"{name}: FAILED: {error!r}", ""]
            continue
        report["benchmarks"][name] = result
        lines += describe(result) + [""]
    report["elapsedS"] = round(time.monotonic() - started, 1)

    print()
    print(f"vaultlink benchmarks, {stamp}: {info['cpus']} cores ({info['cpusUsable']} usable), "
          f"Python {info['python']}, uvloop {info['uvloop']}, load average at start {info.get('loadavgAtStart')}")
    print("Figures are from one shared, noisy machine: compare the ratios (vaultlink / its peer in the same run),")
    print("not the absolute numbers.")
    print()
    print("\n".join(lines).rstrip())
    print()
    print(f"took {report['elapsedS']:.0f} s")
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{stamp}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved {out.relative_to(Path(ROOT))}")
    for name, failure in report["failures"].items():
        print(f"\n{name} failed:\n{failure}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

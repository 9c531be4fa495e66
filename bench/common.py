"""What the benchmarks share: the machine's description, percentiles, clean environments for subprocesses,
and stopping subprocesses for sure."""

from __future__ import annotations

import math
import os
import platform
import signal
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The project's root (the directory holding bench/, tests/ and src/)."""


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpusUsable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    try:
        import uvloop

        info["uvloop"] = getattr(uvloop, "__version__", "?")
    except ImportError:
        info["uvloop"] = None
    try:
        with open("/proc/loadavg") as f:
            info["loadavgAtStart"] = [float(x) for x in f.read().split()[:3]]
    except OSError:
        pass
    return info


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return float(sorted_values[rank - 1])


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: no *_PROXY variables (nothing may be dialled through a proxy the
    machine happens to configure), the project root importable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def stop(process: subprocess.Popen[Any] | None, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; always reaps the process."""
    if process is None:
        return
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except ProcessLookupError:
            pass
    else:
        process.wait()


def python() -> str:
    return sys.executable


def fmt_ms(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0f}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"

"""Starting vaultlink's server for a test session, with the standard library only.

The plugin launches the server first and imports the rest of itself while the server starts, so the two
overlap: `launch` returns at once, `Launch.wait` returns once the server has written its server.json (its
listeners are bound and it answers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from vaultlink.core.files import read_state

POLL_SECONDS = 0.005


class VaultlinkNotReady(RuntimeError):
    """vaultlink did not start, or no server answers where the options point."""


@dataclass
class Launch:
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise VaultlinkNotReady(f"vaultlink exited with {self.process.returncode}:\n{self.log.read_text()}")
            state = read_state(self.data_dir)
            if state is not None and state.get("pid") == self.process.pid:
                return
            time.sleep(POLL_SECONDS)
        self.process.kill()
        self.process.wait()
        raise VaultlinkNotReady(f"vaultlink was not ready in {timeout:.0f} s:\n{self.log.read_text()}")


def launch(data_dir: Path, *args: str) -> Launch:
    """vaultlink's server on `data_dir` on ports the system picks, without the caller's proxy variables (as
    `vaultlink up` runs it, through `serve.py`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vaultlink.testing.serve", str(data_dir), *args], stdout=out,
            stderr=subprocess.STDOUT, env=env)
    return Launch(data_dir, process, log)

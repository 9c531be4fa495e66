"""Start and stop a real `vaultlink up` process for tests and benchmarks.

With VAULTLINK_TEST_STORE=postgresql every server that names no store of its own keeps its state in a throwaway
PostgreSQL database (tests/postgres.py), one per data directory, so the whole client suite runs on both backends.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Running:
    data_dir: Path
    process: subprocess.Popen[bytes]
    state: dict[str, Any]
    log: Path
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None

    @property
    def proxy(self) -> str:
        return str(self.state["proxy"])

    @property
    def port(self) -> int:
        return int(self.proxy.rsplit(":", 1)[1])

    @property
    def ca(self) -> str:
        return str(self.state["caFile"])

    @property
    def credentials(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.data_dir / "credentials.json").read_text())
        return data

    def env_exports(self) -> dict[str, str]:
        """What `vaultlink env` prints, parsed."""
        out = subprocess.run(
            [sys.executable, "-m", "vaultlink", "env", "--data-dir", str(self.data_dir)],
            check=True, capture_output=True, text=True,
        ).stdout
        exports = {}
        for line in out.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        return exports

    def status(self) -> dict[str, Any]:
        """The live server's status (`vaultlink status -o json`): its resolvers come and go with networks."""
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{self.proxy}/vaultlink/status", timeout=10) as reply:
            data: dict[str, Any] = json.loads(reply.read())
        return data

    def restart(self, *, kill: bool = False, timeout: float = 30.0) -> None:
        """Stops the server (SIGTERM, or SIGKILL with `kill`) and starts it again on the same data directory,
        proxy port and DNS port, so every export, proxy credential and resolver address handed out still holds.
        This object then stands for the new process."""
        if kill:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        else:
            self.stop()
        dns_port = int(self.state["dns"][0].rsplit(":", 1)[1])
        again = start(self.data_dir, *self.extra_args, "--proxy-port", str(self.port), "--dns-port", str(dns_port),
                      timeout=timeout, env=self.env)
        self.process, self.state = again.process, again.state

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    """A port free on 127.0.0.1 for both TCP and UDP (the DNS listeners take both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


STORE_VARIABLE = "VAULTLINK_TEST_STORE"


def on_postgres() -> bool:
    return os.environ.get(STORE_VARIABLE, "sqlite") == "postgresql"


def _store_args(data_dir: Path, args: tuple[str, ...]) -> list[str]:
    if not on_postgres() or "--store" in args:
        return []
    from tests.postgres import database_for

    return ["--store", database_for(data_dir)]


def start(data_dir: Path, *args: str, timeout: float = 30.0, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> Running:
    """`vaultlink up` on a data directory: a free proxy port, and one free DNS port that every resolver shares
    (each on its own loopback address), so a restart on the same ports keeps every address."""
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = data_dir / "server.json"
    if state_file.exists():
        state_file.unlink()
    log = data_dir / "server.log"
    cmd = [sys.executable, "-m", "vaultlink", "up", "--data-dir", str(data_dir), "--proxy-port", "0",
           "--dns-port", str(free_port()), *args, *_store_args(data_dir, args)]
    child_env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    child_env.update(env or {})
    with log.open("ab") as f:
        process = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=child_env, cwd=cwd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vaultlink exited with {process.returncode}:\n{log.read_text()}")
        try:
            state = json.loads(state_file.read_text())
            if state.get("pid") == process.pid:
                return Running(data_dir, process, state, log, list(args), env)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"vaultlink did not become ready in {timeout}s:\n{log.read_text()}")


@contextmanager
def exported(running: Running) -> Iterator[Running]:
    """This process's environment with the server's `vaultlink env` exports (the SDKs and az then go through its
    proxy and trust its CA), restored when the block ends."""
    saved = dict(os.environ)
    os.environ.update(running.env_exports())
    try:
        yield running
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def serving(data_dir: Path, *args: str) -> Iterator[Running]:
    """A server started on `data_dir` with its exports in the environment, stopped when the block ends."""
    running = start(data_dir, *args)
    try:
        with exported(running):
            yield running
    finally:
        running.stop()

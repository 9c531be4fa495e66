"""`vaultlink up` that cannot start says why in one line (no traceback), and the Makefile passes options on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.vaultlink_process import free_port, start

ROOT = Path(__file__).resolve().parents[2]


def up(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaultlink", "up", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, **(env or {})})


def errors(out: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in out.stderr.splitlines() if line.startswith("vaultlink:")]


def test_a_malformed_store_url_is_one_line_naming_the_accepted_forms(tmp_path: Path) -> None:
    out = up(tmp_path, "--store", "sqlite:/x.db")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == errors(out)
    assert "needs three slashes" in out.stderr and "sqlite:////absolute/path.db" in out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was made


def test_a_relative_sqlite_url_says_which_file_it_used(tmp_path: Path) -> None:
    running = start(tmp_path / "data", "--store", "sqlite:///rel/x.db", cwd=tmp_path)
    try:
        assert (tmp_path / "rel" / "x.db").exists()
        text = running.log.read_text()
        assert f"sqlite:///rel/x.db = the file {tmp_path.resolve() / 'rel' / 'x.db'}" in text
    finally:
        running.stop()


def test_a_port_in_use_names_the_flag(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = up(tmp_path, "--data-dir", str(tmp_path / "d"), "--proxy-port", str(port), "--dns-port", "0")
        by_env = up(tmp_path, "--data-dir", str(tmp_path / "d"), "--dns-port", "0",
                    env={"VAULTLINK_PROXY_PORT": str(port)})
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert errors(out) == [line for line in out.stderr.splitlines() if "vaultlink:" in line]
    assert f"the proxy port 127.0.0.1:{port} is in use; choose another with --proxy-port" in out.stderr
    assert f"127.0.0.1:{port} is in use" in by_env.stderr  # VAULTLINK_PROXY_PORT is --proxy-port


def test_a_dns_port_in_use_names_its_flag(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", port))
        out = up(tmp_path, "--data-dir", str(tmp_path / "d"), "--proxy-port", "0", "--dns-port", str(port))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "choose another with --dns-port" in out.stderr


def test_make_run_passes_its_arguments_on() -> None:
    out = subprocess.run(["make", "-n", "run", "ARGS=--proxy-port 9443 --dns-port 9053"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert ".venv/bin/vaultlink up --proxy-port 9443 --dns-port 9053" in out


def test_the_banner_the_readme_and_help_give_the_same_next_steps(tmp_path: Path) -> None:
    running = start(tmp_path / "data", cwd=ROOT)  # from the checkout, as `make run` starts it
    try:
        banner = running.log.read_text().split("Next, in another shell:\n", 1)[1].splitlines()[:3]
    finally:
        running.stop()
    assert [line.strip() for line in banner] == [
        ". .venv/bin/activate", f'eval "$(vaultlink env --data-dir {tmp_path / "data"})"', "az account show"]
    readme = (ROOT / "README.md").read_text()
    helped = subprocess.run([sys.executable, "-m", "vaultlink", "--help"], capture_output=True, text=True,
                            check=True).stdout
    for line in (". .venv/bin/activate", 'eval "$(vaultlink env)"', "az account show"):
        assert line in readme and line in helped

"""What the az CLI tests share: where the real az is, a vaultlink of their own, the environment a shell gets
from `vaultlink env` (with a fresh AZURE_CONFIG_DIR, so nothing touches ~/.azure), and one az command run with
its wall time checked.

az is azure-cli 2.91.0 in its own virtualenv, installed by `make test` into .venv-az (it pins older Azure SDKs
than the test dependencies). VAULTLINK_TEST_AZ names another az; when it is unset and .venv-az has none, the
az tests are skipped with a note.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.vaultlink_process import Running, start

ROOT = Path(__file__).resolve().parents[2]
AZ_VARIABLE = "VAULTLINK_TEST_AZ"
COMMAND_LIMIT_S = 15.0
"""No az command may hang or wait on a poll interval: az itself takes about 0.3-1.5 s a command here; a poll
interval (30 s when Retry-After is missing or 0) or a hang would blow through this at once."""


def az_path() -> Path:
    """The az to test with, or a skip when none is installed and none is named."""
    named = os.environ.get(AZ_VARIABLE)
    if named:
        path = Path(named)
        assert path.exists(), f"{AZ_VARIABLE}={named} does not exist"
        return path
    path = ROOT / ".venv-az" / "bin" / "az"
    if not path.exists():
        pytest.skip(f"no az CLI: `make test` installs azure-cli into .venv-az, or set {AZ_VARIABLE}")
    return path


def _outside_env() -> dict[str, str]:
    """This process's environment without anything that would route a client (proxies, CA bundles, Azure
    identities from another server's `vaultlink env`)."""
    routed = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "VAULTLINK_DATA_DIR")
    return {
        k: v for k, v in os.environ.items()
        if not (k.upper().endswith("_PROXY") or k.startswith(("AZURE_", "IDENTITY_", "MSI_")) or k in routed)
    }


def shell_env(running: Running, config_dir: Path, *, exports: bool = True) -> dict[str, str]:
    """A shell after `eval "$(vaultlink env --data-dir DIR)"` (before it, without `exports`), with `vaultlink`
    and `az` on its PATH."""
    env = _outside_env()
    if exports:
        env.update(running.env_exports())
    env["AZURE_CONFIG_DIR"] = str(config_dir)
    env["VAULTLINK_DATA_DIR"] = str(running.data_dir)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(az_path().parent), env.get("PATH", "")])
    return env


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout)


class Az:
    """az as a user runs it in a shell set up by `vaultlink env`."""

    def __init__(self, running: Running, config_dir: Path) -> None:
        config_dir.mkdir(parents=True, exist_ok=True)
        self.running = running
        self.path = str(az_path())
        self.env = shell_env(running, config_dir)

    def run(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        started = time.monotonic()
        done = subprocess.run([self.path, *args], capture_output=True, text=True, env={**self.env, **(env or {})},
                              input=stdin if stdin is not None else "", timeout=120, check=False)
        result = Result(args, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        assert result.seconds < COMMAND_LIMIT_S, f"az {' '.join(args)} took {result.seconds:.1f} s"
        return result

    def __call__(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
        """Runs az with `-o json`, which must succeed; its parsed output (None when it printed nothing)."""
        result = self.run(*args, "-o", "json", env=env, stdin=stdin)
        assert result.returncode == 0, f"az {' '.join(args)} failed:\n{result.stderr}"
        return result.json() if result.stdout.strip() else None

    def fails(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Runs az, which must fail the way az fails on an error from Azure: a non-zero exit and az's own
        `ERROR: ...` line on stderr, never a traceback."""
        result = self.run(*args, env=env)
        assert result.returncode != 0, f"az {' '.join(args)} succeeded:\n{result.stdout}"
        assert result.stderr.startswith("ERROR: ") or "\nERROR: " in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def login(self) -> Any:
        e = self.env
        return self("login", "--service-principal", "-u", e["AZURE_CLIENT_ID"], "-p", e["AZURE_CLIENT_SECRET"],
                    "--tenant", e["AZURE_TENANT_ID"])


@contextmanager
def server(tmp_path_factory: pytest.TempPathFactory, *args: str) -> Iterator[Running]:
    """A vaultlink of the test module's own; its log must hold no traceback when it stops."""
    running = start(tmp_path_factory.mktemp("vaultlink-az") / "data", *args)
    try:
        yield running
    finally:
        running.stop()
        log = running.log.read_text(errors="replace")
        assert "Traceback" not in log, log


def arm_id(running: Running, group: str, provider_path: str) -> str:
    sub = running.credentials["subscriptionId"]
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{provider_path}"


class Raw:
    """Plain HTTP through vaultlink's proxy as the default service principal, for what az cannot send."""

    def __init__(self, running: Running, resource: str = "https://management.azure.com") -> None:
        self.session = requests.Session()
        self.session.proxies = {"https": running.proxy, "http": running.proxy}
        self.session.verify = running.ca
        self.session.trust_env = False
        self.resource = resource
        creds = running.credentials
        token = self.session.post(
            f"https://login.microsoftonline.com/{creds['tenantId']}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "client_id": creds["servicePrincipal"]["appId"],
                  "client_secret": creds["servicePrincipal"]["secret"], "scope": f"{resource}/.default"}, timeout=30,
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.sub = str(creds["subscriptionId"])

    def __call__(self, method: str, url: str, body: Any = None) -> requests.Response:
        if url.startswith("/"):
            url = self.resource + url
        return self.session.request(method, url, json=body, timeout=30)

"""`vaultlink env` as a shell uses it: the real az works at once after the eval, in a profile inside the data
directory (never the user's ~/.azure), curl's lower-case proxy variable is set, and `--unset` undoes it all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.clients.az_support import _outside_env, az_path
from tests.vaultlink_process import Running

EXPORTED = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE", "AZURE_CONFIG_DIR", "AZURE_CORE_COLLECT_TELEMETRY", "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER")


def shell(script: str, running: Running, home: Path) -> subprocess.CompletedProcess[str]:
    env = _outside_env()
    env.pop("AZURE_CONFIG_DIR", None)
    env.update(HOME=str(home), VAULTLINK_DATA_DIR=str(running.data_dir),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), str(az_path().parent), env["PATH"]]))
    return subprocess.run(["bash", "-c", f"set -euo pipefail\n{script}"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_az_is_signed_in_at_once_in_the_data_directory(fresh_vaultlink: Running, tmp_path: Path) -> None:
    vaultlink = fresh_vaultlink
    out = shell('eval "$(vaultlink env)"\naz account show -o json\naz group create -n env-check -l eastus -o none\n'
                'echo "$AZURE_CONFIG_DIR"', vaultlink, tmp_path)
    assert out.returncode == 0, out.stderr
    account = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    creds = vaultlink.credentials
    assert account["id"] == creds["subscriptionId"]
    assert account["tenantId"] == creds["tenantId"]
    assert account["user"] == {"name": creds["servicePrincipal"]["appId"], "type": "servicePrincipal"}
    assert out.stdout.strip().splitlines()[-1] == str((vaultlink.data_dir / "az").resolve())
    assert not (tmp_path / ".azure").exists()  # the user's own profile is never touched
    vaultlink.restart()
    again = shell('eval "$(vaultlink env)"\naz group show -n env-check --query name -o tsv', vaultlink, tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "env-check", again.stderr


def test_the_lower_case_proxy_reaches_curl_and_unset_undoes_every_export(vaultlink: Running, tmp_path: Path) -> None:
    exports = vaultlink.env_exports()
    assert tuple(exports) == EXPORTED
    assert exports["http_proxy"] == exports["HTTP_PROXY"] == exports["https_proxy"] == vaultlink.proxy
    assert exports["no_proxy"] == exports["NO_PROXY"] == ""
    # curl reads only the lower-case http_proxy for http:// URLs: with it, a plain-HTTP request reaches the edge
    out = shell('eval "$(vaultlink env)"\n'
                'curl -s "http://management.azure.com/subscriptions?api-version=2022-12-01"', vaultlink, tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["error"]["code"] == "AuthenticationFailed", out.stdout
    out = shell('NO_PROXY=example.org\neval "$(vaultlink env)"\neval "$(vaultlink env --unset)"\nenv', vaultlink, tmp_path)
    assert out.returncode == 0, out.stderr
    left = {line.split("=", 1)[0] for line in out.stdout.splitlines() if "=" in line}
    assert not left & set(EXPORTED)
    assert subprocess.run([sys.executable, "-m", "vaultlink", "env", "--unset"], capture_output=True, text=True,
                          check=True).stdout.splitlines() == [f"unset {name}" for name in EXPORTED]

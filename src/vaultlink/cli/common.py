"""What every `vaultlink` command shares: the --data-dir option, failing with exit 1, finding the running
server, opening its store and root key, and the export lines a shell needs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from vaultlink.core import files
from vaultlink.core.files import read_state
from vaultlink.identity.azcli import az_config_dir

DATA_DIR = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".vaultlink"),
    envvar="VAULTLINK_DATA_DIR", show_default=True, help="Where vaultlink keeps its state.",
)
STORE = click.option("--store", "store_url", default=None,
                     help="The store URL when it is not the one the running server names.")


class CommandFailed(click.ClickException):
    """What a command could not do, for the user: in a command `vaultlink: MESSAGE` on stderr and exit code 1;
    elsewhere (the pytest plugin calls the same helpers) an exception with that message."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"vaultlink: {self.message}", err=True)


def fail(message: str) -> NoReturn:
    raise CommandFailed(message)


def live_status(state: dict[str, Any]) -> dict[str, Any] | None:
    """The running server's own status (GET {proxy}/vaultlink/status, not through any proxy), or None."""
    import http.client  # not urllib.request: this is the whole of `vaultlink status`, and it should answer at once

    host, _, port = str(state["proxy"]).split("://", 1)[-1].rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", "/vaultlink/status")
        reply = connection.getresponse()
        data: dict[str, Any] = json.loads(reply.read())
        return data if reply.status == 200 and data.get("ready") else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def running_server(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the state file, the default credentials, the live status) of the server for the data directory."""
    state = read_state(data_dir)
    creds = files.load_credentials(data_dir)
    if not state or not creds:
        fail(f"no vaultlink server has started for {data_dir}; run `vaultlink up` first")
    status = live_status(state)
    if status is None:
        fail(f"the vaultlink server for {data_dir} ({state['proxy']}) is not answering")
    return state, creds, status


def open_state(data_dir: Path, state: dict[str, Any], store_url: str | None) -> tuple[Any, Any]:
    """The store the server uses and the sealer of its root key, opened the way the server opens them."""
    from vaultlink.identity import bootstrap
    from vaultlink.store import open_store

    if not files.root_key_path(data_dir).exists():
        fail(f"the root key {files.root_key_path(data_dir)} does not exist; set VAULTLINK_ROOT_KEY_FILE to the "
             "running server's root key")
    try:
        store = open_store(store_url or str(state["store"]))
        return store, bootstrap.open_sealer(store, data_dir)
    except bootstrap.WrongRootKey as e:
        fail(str(e))
    except Exception as e:  # noqa: BLE001 - any failure to reach the store is the user's to fix
        fail(f"cannot open the store {state['store']}: {e}; pass --store with its full URL")


def shell_exports(state: dict[str, Any], creds: dict[str, Any], proxy: str | None = None) -> dict[str, str]:
    """What `vaultlink env` prints: the proxy (for a machine, with its credential), the CA bundle, az's own
    configuration directory, and the default service principal.

    The proxy goes in both cases: Python's clients read either, but curl reads only lower-case `http_proxy`
    for http:// URLs, and an empty `no_proxy` keeps a NO_PROXY from the user's shell from sending some host
    around vaultlink."""
    host_port = state["proxy"].split("://", 1)[1]
    proxy = proxy or state["proxy"]
    exports = {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "NO_PROXY": "",
        "no_proxy": "",
        "REQUESTS_CA_BUNDLE": state["caFile"],
        "SSL_CERT_FILE": state["caFile"],
        "AZURE_CONFIG_DIR": str(az_config_dir(Path(state["dataDir"]))),
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_TENANT_ID": creds["tenantId"],
        "AZURE_CLIENT_ID": creds["servicePrincipal"]["appId"],
        "AZURE_CLIENT_SECRET": creds["servicePrincipal"]["secret"],
        "AZURE_SUBSCRIPTION_ID": creds["subscriptionId"],
        "IDENTITY_ENDPOINT": f"http://{host_port}/msi/token",
        "IDENTITY_HEADER": creds["managedIdentity"]["identityHeader"],
    }
    assert tuple(exports) == EXPORTED
    return exports


EXPORTED = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE", "AZURE_CONFIG_DIR", "AZURE_CORE_COLLECT_TELEMETRY", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER")
"""Every name `vaultlink env` exports, in its order: what `vaultlink env --unset` unsets."""


def activation() -> str | None:
    """The line that puts this vaultlink (and, in a checkout, az and the SDKs) on PATH: `. .venv/bin/activate`
    when vaultlink runs from a virtual environment (relative when it is under the working directory), else
    None (vaultlink is on PATH already, e.g. installed with pipx)."""
    if sys.prefix == sys.base_prefix:
        return None
    venv = Path(sys.prefix)
    try:
        venv = venv.relative_to(Path.cwd())
    except ValueError:
        pass
    return f". {venv / 'bin' / 'activate'}"

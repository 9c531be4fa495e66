"""What every `vaultlink` command shares: the --data-dir option, failing with exit 1, finding the running
server, opening its store and root key, and the export lines a shell needs."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any, NoReturn

import click

from vaultlink.runtime import bootstrap
from vaultlink.runtime.server import read_state

DATA_DIR = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".vaultlink"),
    envvar="VAULTLINK_DATA_DIR", show_default=True, help="Where vaultlink keeps its state.",
)
STORE = click.option("--store", "store_url", default=None,
                     help="The store URL when it is not the one the running server names.")


def fail(message: str) -> NoReturn:
    click.echo(f"vaultlink: {message}", err=True)
    sys.exit(1)


def live_status(state: dict[str, Any]) -> dict[str, Any] | None:
    """The running server's own status (GET {proxy}/vaultlink/status, not through any proxy), or None."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{state['proxy']}/vaultlink/status", timeout=5
        ) as r:
            data: dict[str, Any] = json.loads(r.read())
            return data if data.get("ready") else None
    except (OSError, ValueError):
        return None


def running_server(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the state file, the default credentials, the live status) of the server for the data directory."""
    state = read_state(data_dir)
    creds = bootstrap.load_credentials(data_dir)
    if not state or not creds:
        fail(f"no vaultlink server has started for {data_dir}; run `vaultlink up` first")
    status = live_status(state)
    if status is None:
        fail(f"the vaultlink server for {data_dir} ({state['proxy']}) is not answering")
    return state, creds, status


def open_state(data_dir: Path, state: dict[str, Any], store_url: str | None) -> tuple[Any, Any]:
    """The store the server uses and the sealer of its root key, opened the way the server opens them."""
    from vaultlink.store import open_store

    if not bootstrap.root_key_path(data_dir).exists():
        fail(f"the root key {bootstrap.root_key_path(data_dir)} does not exist; set VAULTLINK_ROOT_KEY_FILE to the "
             "running server's root key")
    try:
        store = open_store(store_url or str(state["store"]))
        return store, bootstrap.open_sealer(store, data_dir)
    except bootstrap.WrongRootKey as e:
        fail(str(e))
    except Exception as e:  # noqa: BLE001 - any failure to reach the store is the user's to fix
        fail(f"cannot open the store {state['store']}: {e}; pass --store with its full URL")


def shell_exports(state: dict[str, Any], creds: dict[str, Any], proxy: str | None = None) -> dict[str, str]:
    """What `vaultlink env` prints: the proxy (for a machine, with its credential), the CA bundle, and the
    default service principal."""
    host_port = state["proxy"].split("://", 1)[1]
    proxy = proxy or state["proxy"]
    return {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "REQUESTS_CA_BUNDLE": state["caFile"],
        "SSL_CERT_FILE": state["caFile"],
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_TENANT_ID": creds["tenantId"],
        "AZURE_CLIENT_ID": creds["servicePrincipal"]["appId"],
        "AZURE_CLIENT_SECRET": creds["servicePrincipal"]["secret"],
        "AZURE_SUBSCRIPTION_ID": creds["subscriptionId"],
        "IDENTITY_ENDPOINT": f"http://{host_port}/msi/token",
        "IDENTITY_HEADER": creds["managedIdentity"]["identityHeader"],
    }

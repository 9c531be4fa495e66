"""What `vaultlink up` prints: the banner once it is ready, and one line instead of a traceback when it cannot
start (a port in use, a store that cannot be opened)."""

from __future__ import annotations

import errno
import shlex
import socket
from pathlib import Path
from typing import Any

from vaultlink.cli.common import activation
from vaultlink.core.config import Config
from vaultlink.core.files import redact
from vaultlink.store.urls import StoreUrl

DEFAULT_DATA_DIR = Path(".vaultlink")


def next_steps(data_dir: Path) -> list[str]:
    """The shell lines that follow `vaultlink up`: the same in the banner, the README and `vaultlink --help`."""
    dd = "" if data_dir == DEFAULT_DATA_DIR else f" --data-dir {shlex.quote(str(data_dir))}"
    lines = [line for line in (activation(),) if line]
    return [*lines, f'eval "$(vaultlink env{dd})"', "az account show"]


def banner(status: dict[str, Any], data_dir: Path, given_store: StoreUrl | None) -> list[str]:
    store = given_store.describe() if given_store is not None else status["store"]
    return [
        f"vaultlink {status['version']} is ready",
        f"  proxy (edge)  {status['proxy']}",
        f"  DNS           {', '.join(status['dns'])} (the internet); {len(status['dnsViews'])} virtual network resolver(s)",
        f"  portal        {status['portal']} (sign in as the user `vaultlink identity show` prints)",
        f"  CA file       {status['caFile']}",
        f"  store         {store}",
        f"  tenant        {status['tenantId']}",
        f"  subscription  {status['subscriptionId']} (az in `vaultlink env`'s shells is signed in to it)",
        "Next, in another shell:",
        *(f"  {line}" for line in next_steps(data_dir)),
    ]


def start_error(error: BaseException, config: Config, store: StoreUrl) -> str | None:
    """The one line for an error that stops the start, or None for one that is vaultlink's own fault (its
    traceback is then the useful report)."""
    if isinstance(error, OSError) and (error.errno == errno.EADDRINUSE or "bind" in str(error)):
        return _port_in_use(config)  # uvloop's UDP bind error carries no errno, only "could not bind"
    if type(error).__module__.split(".")[0] in ("sqlite3", "psycopg"):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"the store {redact(store.describe())} cannot be opened: {first}"
    if isinstance(error, OSError):
        return str(error)
    return None


def _port_in_use(config: Config) -> str:
    taken = []
    if _taken(config.host, config.proxy_port, socket.SOCK_STREAM):
        taken.append(f"the proxy port {config.host}:{config.proxy_port} is in use; choose another with --proxy-port")
    if any(_taken(config.host, config.dns_port, kind) for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)):
        taken.append(f"the DNS port {config.host}:{config.dns_port} is in use; choose another with --dns-port")
    if not taken:  # a virtual network's resolver address (127.77.x.y) on the DNS port
        taken.append(f"a resolver address on the DNS port {config.dns_port} is in use; choose another with --dns-port")
    return ("; ".join(taken) + " (another vaultlink? `vaultlink status --data-dir DIR` finds it; "
            'from the checkout: make run ARGS="--proxy-port 9443 --dns-port 9053")')


def _taken(host: str, port: int, kind: socket.SocketKind) -> bool:
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False

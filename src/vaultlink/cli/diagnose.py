"""`vaultlink diagnose VAULT [--from internet | --from vm NAME]`: the private-link troubleshooting checks over
the running server's live state, from a location: the table of checks, the first failing check's explanation
and fix, then what the client would see. Exits 1 when a check fails, so scripts can use it.

The server runs the checks (GET {proxy}/vaultlink/diagnose/{vault}?from=..., plain HTTP, not through the proxy)
and answers the report as JSON; this command renders it (`-o json` prints it as is).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, fail, live_status
from vaultlink.cli.offline import FROM_NETWORK, STATE, Diagnose, diagnose_state, offline_only
from vaultlink.core.files import read_state
from vaultlink.diagnose.report import report_from_json
from vaultlink.diagnose.text import render


def fetch_report(state: dict[str, Any], vault: str, where: str, caller: str | None) -> dict[str, Any]:
    query = urllib.parse.urlencode({"from": where, **({"caller": caller} if caller else {})})
    url = f"{state['proxy']}/vaultlink/diagnose/{urllib.parse.quote(vault)}?{query}"
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
            found: dict[str, Any] = json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            message = json.loads(e.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"the server answered {e.code}"
        fail(message)
    return found


def where_of(source: str, machine: str | None) -> str:
    """`--from internet`, `--from vm NAME`, `--from vm:NAME`, or `--from VNET_ID`."""
    if source == "vm":
        if not machine:
            fail("--from vm needs the machine's name: vaultlink diagnose VAULT --from vm NAME")
        return f"vm:{machine}"
    if machine:
        fail(f"unexpected argument '{machine}': only --from vm takes a machine name")
    return source


@click.command(cls=Diagnose)
@DATA_DIR
@click.argument("vault")
@click.argument("machine", required=False)
@click.option("--from", "source", default="internet", show_default=True,
              help="Where the client is: internet, or vm NAME (a machine made with `vaultlink vm create`).")
@click.option("--caller", default=None, help="The object id whose data-plane permission is checked "
              "(default: the default service principal).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
@STATE
@FROM_NETWORK
def diagnose(data_dir: Path, vault: str, machine: str | None, source: str, caller: str | None, output: str,
             state_dir: Path | None = None, from_network: str | None = None) -> None:
    """Why a private link to VAULT works or does not: each troubleshooting check's verdict from a location,
    the first failure's cause and fix (az commands with the real names), and what the client would see.

    With --state DIR it reads state exported from real Azure instead, with no server (`vaultlink diagnose
    export-script VAULT -g RG` prints the az commands that export it)."""
    offline_only(state_dir, from_network)
    if state_dir is not None:
        if machine or source != "internet":
            fail("with --state the client's place is --from-network VNET_ID (or the internet, by default)")
        diagnose_state(state_dir, vault, from_network, caller, output)
    where = where_of(source, machine)
    state = read_state(data_dir)
    if not state or live_status(state) is None:
        fail(f"no vaultlink server is answering for {data_dir}")
    assert state is not None
    body = fetch_report(state, vault, where, caller)
    if output == "json":
        click.echo(json.dumps(body, indent=2))
    else:
        click.echo(render(report_from_json(body)), nl=False)
    raise SystemExit(1 if body.get("failed") else 0)

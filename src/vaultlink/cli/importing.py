"""`vaultlink import DIR`: rebuild a topology exported from Azure (`vaultlink diagnose export-script`) in the
running vaultlink, through its ARM API as the default service principal, so a person can reproduce a broken
private link and try fixes on it. The requests come from diagnose/importplan.py; this module sends them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, fail, running_server
from vaultlink.cli.vm import Arm, arm_error
from vaultlink.diagnose.exported import ExportError, read_export
from vaultlink.diagnose.importplan import KEYVAULT_API, ConnectionState, Request, plan_import

TERMINAL = {"succeeded", "failed", "canceled", "disconnected"}


def _send(arm: Arm, request: Request) -> dict[str, Any]:
    status, body = arm.call(request.method, request.id, request.api_version, request.body)
    if status >= 400:
        fail(f"importing the {request.what} ({request.id}) failed: {arm_error(status, body)}")
    for _ in range(50):  # a server started with --async-operations answers before provisioning ends
        state = str((body.get("properties") or {}).get("provisioningState") or "Succeeded")
        if state.lower() in TERMINAL:
            break
        time.sleep(0.1)
        status, body = arm.call("GET", request.id, request.api_version)
    return body


def _connection(arm: Arm, wanted: ConnectionState) -> str:
    status, listing = arm.call("GET", f"{wanted.vault_id}/privateEndpointConnections", KEYVAULT_API)
    if status >= 400:
        fail(f"cannot list the connections of {wanted.vault_id}: {arm_error(status, listing)}")
    found = [c for c in listing.get("value") or []
             if str(((c.get("properties") or {}).get("privateEndpoint") or {}).get("id", "")).lower()
             == wanted.endpoint_id.lower()]
    if not found:
        fail(f"the vault {wanted.vault_id} lists no connection of the imported endpoint {wanted.endpoint_id}")
    connection = found[0]
    current = (connection["properties"].get("privateLinkServiceConnectionState") or {}).get("status")
    if wanted.status == "Disconnected":
        status, body = arm.call("DELETE", connection["id"], KEYVAULT_API)
        if status >= 400:
            fail(f"cannot disconnect {connection['id']}: {arm_error(status, body)}")
        return "Disconnected (deleted on the vault's side)"
    if str(current).lower() == wanted.status.lower():
        return wanted.status
    body = {"properties": {"privateLinkServiceConnectionState": {
        "status": wanted.status, "description": wanted.description or f"{wanted.status} as exported"}}}
    status, reply = arm.call("PUT", connection["id"], KEYVAULT_API, body)
    if status >= 400:
        fail(f"cannot set {connection['id']} to {wanted.status}: {arm_error(status, reply)}")
    return wanted.status


@click.command("import")
@DATA_DIR
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def import_export(data_dir: Path, directory: Path) -> None:
    """Rebuild an export of real Azure (DIR, written by the commands of `vaultlink diagnose export-script`) in
    the running vaultlink: the same resource groups, names, private addresses, connection states and records,
    in vaultlink's own subscription. Nothing is sent anywhere but to vaultlink."""
    try:
        export = read_export(directory)
    except ExportError as e:
        click.echo(f"vaultlink: {e}", err=True)
        raise SystemExit(2) from None
    state, creds, _ = running_server(data_dir)
    plan = plan_import(export, str(creds["subscriptionId"]), str(creds["tenantId"]))
    if plan.mapping:
        click.echo(plan.mapping)
    arm = Arm(state, creds)
    for request in plan.requests:
        _send(arm, request)
        click.echo(f"imported the {request.what}")
    for wanted in plan.connections:
        click.echo(f"connection of {wanted.endpoint_id.rsplit('/', 1)[-1]}: {_connection(arm, wanted)}")
    for request in plan.records:
        _send(arm, request)
        click.echo(f"imported the {request.what}")
    for note in plan.left_out:
        click.echo(f"left out {note}")
    click.echo(f"imported {export.vault['name']}: try `vaultlink diagnose {export.vault['name']}` on it")

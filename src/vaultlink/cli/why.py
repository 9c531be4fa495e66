"""`vaultlink why REQUEST_ID`: the recorded decision for one data-plane request (network, then access), in words,
led for a refusal by its cause: the troubleshooting checks replayed from the same place for the same caller
(diagnose/replay.py), naming the check that explains it and its fix.

The server keeps the most recent decisions by the response's x-ms-request-id and serves them as JSON at
`{proxy}/vaultlink/decisions/{id}` (plain HTTP, not through the proxy); `explain` turns one into the lines the
command prints, and `vaultlink demo` prints the same lines for the request it was refused.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, CommandFailed, fail, live_status
from vaultlink.cli.diagnose import fetch_report
from vaultlink.core.files import read_state
from vaultlink.diagnose.replay import cause, refused, replay_location
from vaultlink.diagnose.report import report_from_json


def decision(state: dict[str, Any], request_id: str) -> dict[str, Any]:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{state['proxy']}/vaultlink/decisions/{request_id}", timeout=5
        ) as r:
            found: dict[str, Any] = json.loads(r.read())
    except urllib.error.HTTPError:
        fail(f"no decision is recorded for the request {request_id} (only the most recent requests are kept)")
    return found


def explain(request_id: str, found: dict[str, Any]) -> list[str]:
    admission, landing = found["admission"], found["landing"]
    verdict = "admitted" if admission["allowed"] else f"refused ({admission['refusal']})"
    lines = [
        f"request {request_id} to vault {found['vault']} from {found['location']}",
        *(f"  dns:     {reason}" for reason in
          found.get("dns") or ["(reached without a name lookup: direct TLS, the public front end)"]),
        f"  landed:  {landing['kind']} at {landing['address']}: {landing['reason']}",
        f"  rule:    {admission['rule']}: {verdict}, {admission['reason']}",
        f"  caller:  {found['caller']}, seen from {admission['client_address']}",
    ]
    authorization = found.get("authorization")
    if authorization is None:
        return [*lines, "  access:  not reached: the network rules decided first"]
    model = "RBAC" if authorization["model"] == "rbac" else "access policy"
    allowed = "allowed" if authorization["allowed"] else "refused"
    lines.append(f"  access:  {model}: {allowed}, {authorization['action']} at {authorization['scope']}: "
                 f"{authorization['reason']}")
    if not authorization["allowed"] and authorization.get("missing"):
        kind = "role" if authorization["model"] == "rbac" else "permission"
        lines.append(f"  missing: the {kind} '{authorization['missing']}'")
    return lines


@click.command()
@DATA_DIR
@click.argument("request_id")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def why(data_dir: Path, request_id: str, output: str) -> None:
    """Why a data-plane request was admitted or refused: its DNS answer, where it landed, the rule that decided.
    REQUEST_ID is the response's x-ms-request-id; the most recent requests are kept."""
    state = read_state(data_dir)
    if not state or live_status(state) is None:
        fail(f"no vaultlink server is answering for {data_dir}")
    assert state is not None
    found = decision(state, request_id)
    if output == "json":
        click.echo(json.dumps(found, indent=2))
        return
    for line in [*lead(state, found), *explain(request_id, found)]:
        click.echo(line)


def lead(state: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """The cause of a refusal, from the checks run now; nothing for an admitted request (or a decision
    recorded before the log kept where it came from)."""
    if not refused(found) or "callerObjectId" not in found:
        return []
    try:
        body = fetch_report(state, found["vault"], replay_location(found), found["callerObjectId"])
    except CommandFailed as e:  # the vault or the machine is gone since: the trace is all there is
        return [f"cause: not replayed ({e.message})"]
    return cause(found, report_from_json(body))

"""`vaultlink diagnose` over state exported from real Azure, with no server: `diagnose export-script VAULT -g RG`
prints the az commands that export it, and `diagnose --state DIR VAULT [--from-network VNET_ID]` runs the
same checks over the directory and renders them as the live `vaultlink diagnose` does (cli/diagnose.py).

A bad export (a missing, empty, truncated or misplaced file, another vault's files) is refused with the
reader's message and exit code 2, never diagnosed by half; a failing check exits 1, as live.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import click

from vaultlink.cli.common import fail


@click.command("export-script")
@click.argument("vault")
@click.option("-g", "--resource-group", "group", required=True, help="The vault's resource group.")
@click.option("--subscription", default=None, help="The vault's subscription (default: az's current one).")
@click.option("--dir", "directory", default=None, help="The directory the script writes by default "
              "(default: vaultlink-export-VAULT; the script's first argument overrides it).")
def export_script(vault: str, group: str, subscription: str | None, directory: str | None) -> None:
    """Print the bash script of az commands (reads only) that export VAULT's private-link state from Azure into
    a directory, one JSON file per command, for `vaultlink diagnose --state DIR VAULT` anywhere.

    Save and run it where az is signed in: `vaultlink diagnose export-script VAULT -g RG > export.sh; bash
    export.sh DIR`."""
    from vaultlink.diagnose.exportscript import export_script as script

    click.echo(script(vault, group, subscription=subscription, directory=directory), nl=False)


def diagnose_state(directory: Path, vault: str, from_network: str | None, caller: str | None,
                   output: str) -> NoReturn:
    """The checks over an export, from the internet or from a client in the virtual network `from_network`."""
    from vaultlink.diagnose.checks import UnknownVault, run_checks
    from vaultlink.diagnose.exported import ExportError, read_export
    from vaultlink.diagnose.snapshot import snapshot_of
    from vaultlink.diagnose.text import render
    from vaultlink.network.location import Location

    try:
        export = read_export(directory, vault)
    except ExportError as e:
        click.echo(f"vaultlink: {e}", err=True)
        raise SystemExit(2) from None
    snapshot = snapshot_of(export.resources, role_assignments=export.role_assignments)
    location = Location()
    if from_network:
        from_network = _network_id(snapshot, from_network)
        found = snapshot.network_location(from_network)
        if found is None:
            networks = ", ".join(sorted(_spelled(snapshot, k) for k in snapshot.topology.vnets)) or "none"
            fail(f"the virtual network {from_network} is not in the export (or has no subnet); it holds: {networks}")
        location = found
    try:
        report = run_checks(snapshot, export.vault["name"], location, caller=caller)
    except UnknownVault as e:
        fail(str(e))
    body: dict[str, Any] = report.to_json()
    body["state"] = str(directory)
    if output == "json":
        click.echo(json.dumps(body, indent=2))
    else:
        click.echo(render(report), nl=False)
    raise SystemExit(1 if report.failed else 0)


def _spelled(snapshot: Any, key: str) -> str:
    body = snapshot.body(key)
    return str(body["id"]) if body else key


def _network_id(snapshot: Any, given: str) -> str:
    """A virtual network's id, from its id or (when only one network of the export has it) its bare name."""
    if given.startswith("/"):
        return given
    matches = [_spelled(snapshot, key) for key in snapshot.topology.vnets if key.rsplit("/", 1)[-1] == given.lower()]
    if len(matches) > 1:
        fail(f"more than one virtual network of the export is named {given}: pass its id, one of "
             f"{', '.join(sorted(matches))}")
    return matches[0] if matches else given


class Diagnose(click.Command):
    """The `diagnose` command: its own options and arguments, and `export-script` as its one subcommand (click
    cannot give a command both a VAULT argument and subcommands)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if args and args[0] == export_script.name:
            return export_script.make_context(export_script.name, args[1:], parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.command is not self:
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_usage(ctx, formatter)
        formatter.write_usage(ctx.command_path, "export-script VAULT -g RG [--subscription SUB]", prefix="   or: ")


STATE = click.option("--state", "state_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
                     help="Diagnose a directory exported from Azure (see `diagnose export-script`), with no server.")
FROM_NETWORK = click.option("--from-network", default=None, metavar="VNET_ID",
                            help="With --state: a client in this virtual network, by id or by name (default: the "
                                 "internet).")


def offline_only(state_dir: Path | None, from_network: str | None) -> None:
    if from_network and state_dir is None:
        fail("--from-network goes with --state DIR; for live state use --from vm NAME")


__all__ = ["FROM_NETWORK", "STATE", "Diagnose", "diagnose_state", "export_script", "offline_only"]

"""`vaultlink site ...`: on-premises sites, networks outside Azure with their own DNS server.

The commands write the site records (arm/sites.py) in the server's store, then wait until the running server's
status shows the change, so the next command (a `dig` at the site's DNS server, a `vm exec`) already sees it.
A site joins a virtual network through a VPN connection made in ARM: a local network gateway whose
gatewayIpAddress is the site's public address, connected to a virtual network gateway in the network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, STORE, fail, live_status, open_state, running_server

OUTPUT = click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
WAIT = 15.0


def _with_store(data_dir: Path, store_url: str | None, work: Callable[[Any], Any]) -> tuple[Any, dict[str, Any]]:
    from vaultlink.arm import sites

    state, _, _ = running_server(data_dir)
    store, _ = open_state(data_dir, state, store_url)
    try:
        return work(store), state
    except sites.SiteError as e:
        fail(str(e))
    finally:
        store.close()


def wait_for(state: dict[str, Any], seen: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The server's status once it shows the change; fails after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        status = live_status(state) or {}
        if seen(status):
            return status
        if time.monotonic() > deadline:
            fail("the running server has not picked up the change; is it using this data directory's store?")
        time.sleep(0.1)


def describe(body: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    live = (status.get("sites") or {}).get(body["name"].lower()) or {}
    return {"name": body["name"], "addressSpace": body["addressSpace"], "publicAddress": body["publicAddress"],
            "dnsServer": body["dnsServer"], "resolution": body["resolution"],
            "dnsListener": (status.get("dnsSites") or {}).get(body["name"].lower()),
            "forwarders": {f["zone"]: f["targets"] for f in body.get("forwarders") or []},
            "connectedVirtualNetworks": live.get("vnets", []), "machines": body.get("machines") or {}}


def echo(info: dict[str, Any], output: str) -> None:
    if output == "json":
        click.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} -> {v}" for k, v in value.items()) or "-"
        elif isinstance(value, list):
            value = ", ".join(value) or "-"
        click.echo(f"{key + ':':25} {value if value is not None else '-'}")


@click.group()
def site() -> None:
    """On-premises sites: networks outside Azure, their machines and their DNS server's forwarders."""


@site.command("create")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--address-space", "address_space", multiple=True, required=True, help="A range, e.g. 192.168.0.0/16.")
@click.option("--dns-server", default=None, help="The site DNS server's address (default: .53 of the first range).")
@click.option("--resolution", type=click.Choice(["forwarder", "iterative"]), default="forwarder", show_default=True,
              help="forwarder: names without a conditional forwarder go to an upstream that returns whole chains; "
                   "iterative: the server resolves from the root and chases each CNAME itself.")
@OUTPUT
def create(data_dir: Path, store_url: str | None, name: str, address_space: tuple[str, ...], dns_server: str | None,
           resolution: str, output: str) -> None:
    """Create site NAME; join it to a virtual network with a VPN connection to its public address."""
    from vaultlink.arm import sites

    body, state = _with_store(data_dir, store_url,
                              lambda store: sites.create(store, name, list(address_space), dns_server, resolution))
    status = wait_for(state, lambda s: name.lower() in (s.get("dnsSites") or {}))
    echo(describe(body, status), output)


@site.command("show")
@DATA_DIR
@STORE
@click.argument("name")
@OUTPUT
def show(data_dir: Path, store_url: str | None, name: str, output: str) -> None:
    """Show a site: its addresses, DNS server and listener, forwarders, connections and machines."""
    from vaultlink.arm import sites

    body, state = _with_store(data_dir, store_url, lambda store: sites.get(store, name))
    if body is None:
        fail(f"no site named {name}; `vaultlink site list` shows them")
    echo(describe(body, live_status(state) or {}), output)


@site.command("list")
@DATA_DIR
@STORE
@OUTPUT
def list_sites(data_dir: Path, store_url: str | None, output: str) -> None:
    """List the sites."""
    from vaultlink.arm import sites

    bodies, state = _with_store(data_dir, store_url, sites.all_sites)
    status = live_status(state) or {}
    infos = [describe(b, status) for b in bodies]
    if output == "json":
        click.echo(json.dumps(infos, indent=2))
        return
    for info in infos:
        click.echo(f"{info['name']}  {', '.join(info['addressSpace'])}  public {info['publicAddress']}  "
                   f"dns {info['dnsServer']}  connected to {', '.join(info['connectedVirtualNetworks']) or 'nothing'}")


@site.command("delete")
@DATA_DIR
@STORE
@click.argument("name")
def delete(data_dir: Path, store_url: str | None, name: str) -> None:
    """Delete a site and its machines."""
    from vaultlink.arm import sites

    _, state = _with_store(data_dir, store_url, lambda store: sites.delete(store, name))
    wait_for(state, lambda s: name.lower() not in (s.get("dnsSites") or {}))


@site.group("forwarder")
def forwarder() -> None:
    """The site DNS server's conditional forwarders."""


@forwarder.command("add")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--zone", required=True, help="e.g. vault.azure.net")
@click.option("--to", "targets", multiple=True, required=True, help="IP[:PORT] of a DNS server; repeat for more.")
def add_forwarder(data_dir: Path, store_url: str | None, name: str, zone: str, targets: tuple[str, ...]) -> None:
    """Forward ZONE's names from the site's DNS server to the targets."""
    from vaultlink.arm import sites

    body, state = _with_store(data_dir, store_url, lambda store: sites.add_forwarder(store, name, zone, list(targets)))
    key = zone.lower().rstrip(".")
    wait_for(state, lambda s: ((s.get("sites") or {}).get(name.lower()) or {}).get("forwarders", {}).get(key)
             == list(targets))
    click.echo(f"{body['name']}: {key} -> {', '.join(targets)}")


@forwarder.command("remove")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--zone", required=True)
def remove_forwarder(data_dir: Path, store_url: str | None, name: str, zone: str) -> None:
    """Remove the conditional forwarder for ZONE."""
    from vaultlink.arm import sites

    _, state = _with_store(data_dir, store_url, lambda store: sites.remove_forwarder(store, name, zone))
    key = zone.lower().rstrip(".")
    wait_for(state, lambda s: key not in (((s.get("sites") or {}).get(name.lower()) or {}).get("forwarders") or {}))

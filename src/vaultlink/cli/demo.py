"""`vaultlink demo`: the seed end to end, for a newcomer, in a fresh temporary data directory.

It starts vaultlink, builds the seed's topology through the same HTTP APIs the clients use (a vault with
public access disabled, a virtual network and subnet, the private DNS zone and its link, an automatic and a
manual private endpoint, the A record, a machine in the subnet), then shows what the seed's validation
section shows: the name lookups inside and outside in nslookup's layout, and a secret read admitted inside
and refused outside with Azure's message.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import click

from vaultlink.cli import seed
from vaultlink.cli.common import fail
from vaultlink.cli.vm import Arm, machine_proxy
from vaultlink.cli.why import decision, explain, lead
from vaultlink.core.files import read_state
from vaultlink.dns.wire import decode_message, encode_query

VAULT_API = "7.6"


def nslookup(name: str, server: str) -> list[str]:
    """What Linux nslookup prints for one name, asked over UDP of the resolver at host:port."""
    host, port = server.rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        sock.sendto(encode_query(name), (host, int(port)))
        reply = decode_message(sock.recv(4096))
    lines = [f"Server:\t\t{host}", f"Address:\t{host}#{port}", ""]
    if reply.rcode != "NOERROR":
        return lines + [f"** server can't find {name}: {reply.rcode}"]
    lines.append("Non-authoritative answer:")
    for rr in reply.answer:
        if rr.type == "CNAME":
            lines.append(f"{rr.name}\tcanonical name = {rr.value}.")
        elif rr.type == "A":
            lines += [f"Name:\t{rr.name}", f"Address: {rr.value}"]
    return lines


class Vault:
    """The data plane through the proxy, from wherever the proxy URL places the caller."""

    def __init__(self, state: dict[str, Any], proxy: str, token: str, name: str) -> None:
        context = ssl.create_default_context(cafile=state["caFile"])
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": proxy}),
                                                  urllib.request.HTTPSHandler(context=context))
        self.token, self.base = token, f"https://{name}.vault.azure.net"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any], str]:
        """(status, body, x-ms-request-id)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}?api-version={VAULT_API}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}"), r.headers.get("x-ms-request-id", "")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), e.headers.get("x-ms-request-id", "")


class Steps:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, text: str) -> None:
        self.n += 1
        click.echo(f"  {self.n}. {text}")


def step(text: str) -> None:
    click.echo(text)


def run_demo(data_dir: Path) -> None:
    started = time.monotonic()
    state = read_state(data_dir)
    creds = json.loads((data_dir / "credentials.json").read_text())
    assert state is not None
    arm = Arm(state, creds)
    vault = f"demo{uuid.uuid4().hex[:8]}"
    names = seed.Names(vault=vault, group="demo", vnet="demo-vnet", link="demo-link", endpoint="pe-auto",
                       machine="demo-vm")
    built = seed.build(arm, creds["subscriptionId"], creds["tenantId"], creds["servicePrincipal"]["objectId"], names,
                       manual_endpoint="pe-manual", step=Steps())
    info, inside_proxy = machine_proxy(data_dir, state, built.machine_id)
    step(f"     demo-vm's private address: {info.get('privateIp')}")
    step(f"  built in {time.monotonic() - started:.1f} s")

    status = _status(state)
    resolver = status["dnsViews"].get(built.vnet_id.lower())
    for _ in range(100):  # the network's resolver starts just after the write that made the network
        if resolver:
            break
        time.sleep(0.05)
        resolver = _status(state)["dnsViews"].get(built.vnet_id.lower())
    host = f"{vault}.vault.azure.net"
    step("")
    step("Validation, as the seed's section does it (each DNS answer shown as nslookup prints it)")
    step(f"# {host} asked of demo-vnet's resolver, as demo-vm asks it")
    for line in nslookup(host, resolver or status["dns"][0]):
        step(f"  {line}")
    step(f"# {host} asked of the internet's resolver")
    for line in nslookup(host, status["dns"][0]):
        step(f"  {line}")

    token = arm.vault_token()
    inside = Vault(state, inside_proxy, token, vault)
    code, written, _ = inside.call("PUT", "/secrets/greeting", {"value": "hello from inside the network"})
    if code != 200:
        fail(f"setting a secret from inside the network failed: {written}")
    code, read, _ = inside.call("GET", "/secrets/greeting")
    step("")
    step(f"# GET https://{host}/secrets/greeting from demo-vm (the proxy credential of `vaultlink env --vm demo-vm`)")
    step(f"  {code}: {read.get('value') if code == 200 else read}")
    outside = Vault(state, state["proxy"], token, vault)
    code, refused, request_id = outside.call("GET", "/secrets/greeting")
    step(f"# GET https://{host}/secrets/greeting from the internet (the proxy of `vaultlink env`)")
    error = refused.get("error", {})
    step(f"  {code} ({error.get('code')}, {error.get('innererror', {}).get('code')}), x-ms-request-id {request_id}")
    for line in str(error.get("message", "")).split("\r\n"):
        if line:
            step(f"    {line}")
    step("")
    step(f"$ vaultlink why {request_id}")
    found = decision(state, request_id)
    for line in [*lead(state, found)[:1], *explain(request_id, found)]:  # the cause, without the fix's az command
        step(f"  {line}")
    step("")
    step(f"done in {time.monotonic() - started:.1f} s")


def _status(state: dict[str, Any]) -> dict[str, Any]:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{state['proxy']}/vaultlink/status",
                                                                           timeout=5) as r:
        data: dict[str, Any] = json.loads(r.read())
    return data


@click.command()
@click.option("--keep", is_flag=True, help="Leave the server and its data directory running afterwards.")
def demo(keep: bool) -> None:
    """Run the seed end to end in a fresh temporary data directory."""
    data_dir = Path(tempfile.mkdtemp(prefix="vaultlink-demo-")) / "data"
    data_dir.mkdir(parents=True)
    log = data_dir.parent / "server.log"
    click.echo(f"vaultlink demo: the seed's private link, end to end, in {data_dir}")
    with log.open("ab") as out:
        server = subprocess.Popen([sys.executable, "-m", "vaultlink", "up", "--data-dir", str(data_dir),
                                   "--proxy-port", "0", "--dns-port", "0"], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while (state := read_state(data_dir)) is None or state.get("pid") != server.pid:
            if server.poll() is not None or time.monotonic() > deadline:
                fail(f"vaultlink did not start; see {log}")
            time.sleep(0.02)
        click.echo(f"  0. vaultlink is up: proxy {state['proxy']}, DNS {state['dns'][0]}")
        run_demo(data_dir)
    finally:
        if keep:
            click.echo(f"the server keeps running (pid {server.pid}); its data directory is {data_dir}")
        else:
            server.terminate()
            server.wait(timeout=10)

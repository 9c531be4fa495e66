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

from vaultlink.cli.common import fail
from vaultlink.cli.vm import Arm, arm_error, machine_proxy
from vaultlink.dns.wire import decode_message, encode_query
from vaultlink.runtime.server import read_state

NET, KV, DNS, RG = "2024-07-01", "2025-05-01", "2024-06-01", "2025-04-01"
ZONE = "privatelink.vaultcore.azure.net"
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

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}?api-version={VAULT_API}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


class Steps:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, text: str) -> None:
        self.n += 1
        click.echo(f"  {self.n}. {text}")


def step(text: str) -> None:
    click.echo(text)


def must(result: tuple[int, dict[str, Any]], what: str) -> dict[str, Any]:
    status, body = result
    if status >= 400:
        fail(f"{what} failed: {arm_error(status, body)}")
    return body


def run_demo(data_dir: Path) -> None:
    started = time.monotonic()
    numbered = Steps()
    state = read_state(data_dir)
    creds = json.loads((data_dir / "credentials.json").read_text())
    assert state is not None
    arm = Arm(state, creds)
    sub, tenant = creds["subscriptionId"], creds["tenantId"]
    rg = f"/subscriptions/{sub}/resourceGroups/demo"
    vault = f"demo{uuid.uuid4().hex[:8]}"
    vault_id = f"{rg}/providers/Microsoft.KeyVault/vaults/{vault}"
    vnet_id = f"{rg}/providers/Microsoft.Network/virtualNetworks/demo-vnet"
    subnet_id = f"{vnet_id}/subnets/default"
    zone_id = f"{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}"

    must(arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/demo", RG, {"location": "eastus"}), "the resource group")
    numbered("resource group demo (eastus)")
    must(arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.KeyVault/register", RG), "registering Microsoft.KeyVault")
    body = must(arm.call("PUT", vault_id, KV, {"location": "eastus", "properties": {
        "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled",
        "enableRbacAuthorization": False,
        "accessPolicies": [{"tenantId": tenant, "objectId": creds["servicePrincipal"]["objectId"],
                            "permissions": {"secrets": ["get", "set", "list"]}}]}}), "the key vault")
    numbered(f"key vault {vault}: {body['properties']['vaultUri']}, public network access Disabled")
    must(arm.call("PUT", vnet_id, NET, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.1.0.0/24"}}]}}), "the virtual network")
    numbered("virtual network demo-vnet 10.1.0.0/16 with subnet default 10.1.0.0/24")
    must(arm.call("PUT", zone_id, DNS, {"location": "global"}), "the private DNS zone")
    must(arm.call("PUT", f"{zone_id}/virtualNetworkLinks/demo-link", DNS, {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}), "the zone link")
    numbered(f"private DNS zone {ZONE}, linked to demo-vnet")
    addresses = []
    for name, collection in (("pe-auto", "privateLinkServiceConnections"), ("pe-manual", "manualPrivateLinkServiceConnections")):
        pe = must(arm.call("PUT", f"{rg}/providers/Microsoft.Network/privateEndpoints/{name}", NET, {
            "location": "eastus", "properties": {"subnet": {"id": subnet_id}, collection: [{"name": f"{name}-conn",
                "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}), f"the private endpoint {name}")
        status = pe["properties"][collection][0]["properties"]["privateLinkServiceConnectionState"]["status"]
        address = pe["properties"]["customDnsConfigs"][0]["ipAddresses"][0]
        addresses.append(address)
        numbered(f"private endpoint {name} ({'automatic' if name == 'pe-auto' else 'manual request'}): {status}, "
             f"network interface {address}")
    connections = must(arm.call("GET", f"{vault_id}/privateEndpointConnections", KV), "listing the connections")["value"]
    pending = next(c for c in connections if c["properties"]["privateEndpoint"]["id"].endswith("/pe-manual"))
    approved = must(arm.call("PUT", pending["id"], KV, {"properties": {"privateLinkServiceConnectionState": {
        "status": "Approved", "description": "approved by the demo"}}}), "approving the manual connection")
    numbered(f"the vault's owner approves {pending['name']}: "
         f"{approved['properties']['privateLinkServiceConnectionState']['status']}")
    must(arm.call("PUT", f"{zone_id}/A/{vault}", DNS, {"properties": {"ttl": 600, "aRecords": [
        {"ipv4Address": addresses[0]}]}}), "the A record")
    numbered(f"A record {vault} -> {addresses[0]} (TTL 600) in {ZONE}")
    machine = must(arm.call("PUT", f"{rg}/providers/Microsoft.Compute/virtualMachines/demo-vm", "2024-07-01", {
        "location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}, "networkProfile": {
            "networkApiVersion": NET, "networkInterfaceConfigurations": [{"name": "demo-vm-nic", "properties": {
                "primary": True, "deleteOption": "Delete", "ipConfigurations": [{"name": "ipconfig1", "properties": {
                    "subnet": {"id": subnet_id}}}]}}]}}}), "the machine")
    info, inside_proxy = machine_proxy(data_dir, state, "demo-vm", "demo")
    numbered(f"machine demo-vm in demo-vnet/default: {info.get('privateIp')} ({machine['name']})")
    step(f"  built in {time.monotonic() - started:.1f} s")

    status = _status(state)
    resolver = status["dnsViews"].get(vnet_id.lower())
    for _ in range(100):  # the network's resolver starts just after the write that made the network
        if resolver:
            break
        time.sleep(0.05)
        resolver = _status(state)["dnsViews"].get(vnet_id.lower())
    host = f"{vault}.vault.azure.net"
    step("")
    step("Validation, as the seed's section does it")
    step(f"$ nslookup {host}          # on demo-vm, inside demo-vnet")
    for line in nslookup(host, resolver or status["dns"][0]):
        step(f"  {line}")
    step(f"$ nslookup {host}          # from the internet")
    for line in nslookup(host, status["dns"][0]):
        step(f"  {line}")

    token = arm.vault_token()
    inside = Vault(state, inside_proxy, token, vault)
    code, written = inside.call("PUT", "/secrets/greeting", {"value": "hello from inside the network"})
    if code != 200:
        fail(f"setting a secret from inside the network failed: {written}")
    code, read = inside.call("GET", "/secrets/greeting")
    step("")
    step("$ az keyvault secret show --vault-name ... --name greeting      # on demo-vm")
    step(f"  {code}: {read.get('value') if code == 200 else read}")
    outside = Vault(state, state["proxy"], token, vault)
    code, refused = outside.call("GET", "/secrets/greeting")
    step("$ az keyvault secret show --vault-name ... --name greeting      # from the internet")
    error = refused.get("error", {})
    step(f"  {code} ({error.get('code')}, {error.get('innererror', {}).get('code')})")
    for line in str(error.get("message", "")).split("\r\n"):
        if line:
            step(f"    {line}")
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

"""`vaultlink vm ...`: virtual machines, the locations inside virtual networks.

`create` goes through the running server's HTTP API like any client (a token for the default service
principal, then a PUT of the VM with an inline network interface configuration). `show`, `list`, `exec` and
`env --vm` read the machine records from the store, and the live status for each virtual network's resolver.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, STORE, fail, open_state, running_server, shell_exports

COMPUTE_API = "2024-07-01"
NETWORK_API = "2024-07-01"
ARM = "https://management.azure.com"
LOGIN = "https://login.microsoftonline.com"
OUTPUT = click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
GROUP = click.option("-g", "--resource-group", "group", default=None, help="The machine's resource group.")


class Arm:
    """ARM through vaultlink's edge, as the default service principal, like any other client."""

    def __init__(self, state: dict[str, Any], creds: dict[str, Any]) -> None:
        context = ssl.create_default_context(cafile=state["caFile"])
        proxy = state["proxy"]
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"https": proxy, "http": proxy}), urllib.request.HTTPSHandler(context=context))
        self.creds = creds
        self._token: str | None = None

    def _open(self, request: urllib.request.Request) -> tuple[int, dict[str, Any]]:
        try:
            with self.opener.open(request, timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except OSError as e:
            fail(f"cannot reach {request.full_url} through vaultlink: {e}")
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {"error": {"code": str(status), "message": raw.decode("utf-8", "replace")}}
        return status, body if isinstance(body, dict) else {}

    def token(self) -> str:
        if self._token is None:
            sp = self.creds["servicePrincipal"]
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": sp["appId"], "client_secret": sp["secret"],
                "scope": f"{ARM}/.default",
            }).encode()
            status, body = self._open(urllib.request.Request(
                f"{LOGIN}/{self.creds['tenantId']}/oauth2/v2.0/token", data=form, method="POST"))
            if status != 200 or "access_token" not in body:
                fail(f"the default service principal could not sign in: {body.get('error_description') or body}")
            self._token = str(body["access_token"])
        return self._token

    def vault_token(self) -> str:
        """A token of the default service principal for the Key Vault data plane."""
        sp = self.creds["servicePrincipal"]
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": sp["appId"],
                                       "client_secret": sp["secret"], "scope": "https://vault.azure.net/.default"}).encode()
        status, body = self._open(urllib.request.Request(
            f"{LOGIN}/{self.creds['tenantId']}/oauth2/v2.0/token", data=form, method="POST"))
        if status != 200 or "access_token" not in body:
            fail(f"the default service principal could not sign in: {body.get('error_description') or body}")
        return str(body["access_token"])

    def call(self, method: str, path: str, api: str, body: Any = None, headers: dict[str, str] | None = None,
             ) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{ARM}{path}?api-version={api}", data=data, method=method, headers={
            "Authorization": f"Bearer {self.token()}", "Content-Type": "application/json", **(headers or {})})
        return self._open(request)


def arm_error(status: int, body: dict[str, Any]) -> str:
    error = body.get("error") or {}
    return f"({error.get('code', status)}) {error.get('message', body)}"


def find_machine(store: Any, name: str, group: str | None) -> dict[str, Any]:
    from vaultlink.arm.providers.compute.machines import find

    found = find(store, name, group)
    if not found:
        where = f" in resource group {group}" if group else ""
        fail(f"no virtual machine named {name}{where}; `vaultlink vm list` shows them")
    if len(found) > 1:
        places = ", ".join(sorted(str(m["id"]) for m in found))
        fail(f"several virtual machines are named {name} ({places}); name its resource group with -g")
    return found[0]


def summary(store: Any, record: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    from vaultlink.arm.providers.compute.machines import summary as machine_summary

    out = machine_summary(store, record)
    vnet = (out.get("virtualNetwork") or "").lower()
    out["dnsServer"] = (status.get("dnsViews") or {}).get(vnet) if vnet else None
    if out.get("site"):  # a site machine asks its site's DNS server
        out["dnsServer"] = (status.get("dnsSites") or {}).get(str(out["site"]).lower())
    return out


def echo_summary(info: dict[str, Any], output: str) -> None:
    if output == "json":
        click.echo(json.dumps(info, indent=2))
        return
    keys = ("name", "resourceGroup", "location", "vmSize", "privateIp", "publicIp", "dnsServer", "subnet", "id")
    for key in (*keys[:-1], "site", "id") if info.get("site") else keys:
        click.echo(f"{key + ':':15} {info.get(key) if info.get(key) is not None else '-'}")


def machine_proxy(data_dir: Path, state: dict[str, Any], name: str, group: str | None = None,
                  store_url: str | None = None) -> tuple[dict[str, Any], str]:
    """(the machine's summary, the proxy URL with its credential) for a shell inside machine `name`."""
    from vaultlink.arm.providers.compute.machines import credential
    from vaultlink.arm.providers.compute.machines import summary as machine_summary

    store, sealer = open_state(data_dir, state, store_url)
    try:
        record = find_machine(store, name, group)
        cred = credential(store, sealer, str(record["id"]).lower())
        host_port = state["proxy"].split("://", 1)[1]
        return machine_summary(store, record), f"http://{cred.user}:{cred.secret}@{host_port}"
    finally:
        store.close()


@click.group()
def vm() -> None:
    """Virtual machines: locations inside virtual networks."""


@vm.command("create")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("-g", "--resource-group", "group", default=None)
@click.option("--vnet", default=None, help="The virtual network's name (in the same group) or resource id.")
@click.option("--subnet", default=None, help="The subnet's name in that network.")
@click.option("--site", default=None, help="Instead of a network: an on-premises site (`vaultlink site create`).")
@click.option("--location", "-l", default=None, help="Default: the virtual network's region.")
@click.option("--size", default="Standard_B1s", show_default=True)
@OUTPUT
def create(data_dir: Path, store_url: str | None, name: str, group: str | None, vnet: str | None, subnet: str | None,
           site: str | None, location: str | None, size: str, output: str) -> None:
    """Create a virtual machine with one network interface in SUBNET, or a machine in an on-premises SITE."""
    if site is not None:
        if group or vnet or subnet:
            fail("a machine is either in a site (--site) or in a virtual network (-g, --vnet, --subnet), not both")
        create_in_site(data_dir, store_url, name, site, output)
        return
    if not (group and vnet and subnet):
        fail("name the machine's place: -g GROUP --vnet VNET --subnet SUBNET, or --site SITE")
    state, creds, status = running_server(data_dir)
    arm = Arm(state, creds)
    sub = creds["subscriptionId"]
    vnet_id = vnet if vnet.startswith("/") else \
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{vnet}"
    if location is None:
        code, body = arm.call("GET", vnet_id, NETWORK_API)
        if code != 200:
            fail(f"cannot read the virtual network {vnet_id}: {arm_error(code, body)}")
        location = str(body["location"])
    configuration = {"name": f"{name}-nic", "properties": {"primary": True, "deleteOption": "Delete", "ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet_id}/subnets/{subnet}"},
                                             "privateIPAddressVersion": "IPv4"}}]}}
    request = {"location": location, "properties": {
        "hardwareProfile": {"vmSize": size},
        "osProfile": {"computerName": name[:64], "adminUsername": "azureuser"},
        "networkProfile": {"networkApiVersion": NETWORK_API, "networkInterfaceConfigurations": [configuration]},
    }}
    path = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"
    code, body = arm.call("PUT", path, COMPUTE_API, request, headers={"If-None-Match": "*"})
    if code == 412:
        fail(f"a virtual machine named {name} already exists in resource group {group}")
    if code not in (200, 201):
        fail(f"cannot create the virtual machine {name}: {arm_error(code, body)}")
    store, _ = open_state(data_dir, state, store_url)
    try:
        echo_summary(summary(store, find_machine(store, str(body["id"]), None), status), output)
    finally:
        store.close()


def create_in_site(data_dir: Path, store_url: str | None, name: str, site: str, output: str) -> None:
    from vaultlink.arm import sites
    from vaultlink.cli.site import wait_for

    state, _, _ = running_server(data_dir)
    store, _ = open_state(data_dir, state, store_url)
    try:
        try:
            sites.add_machine(store, site, name)
        except sites.SiteError as e:
            fail(str(e))
        status = wait_for(state, lambda s: name in ((s.get("sites") or {}).get(site.lower()) or {}).get("machines", []))
        echo_summary(summary(store, find_machine(store, sites.machine_key(site, name), None), status), output)
    finally:
        store.close()


@vm.command("show")
@DATA_DIR
@STORE
@click.argument("name")
@GROUP
@OUTPUT
def show(data_dir: Path, store_url: str | None, name: str, group: str | None, output: str) -> None:
    """Show a machine: its private and public addresses and the resolver of its virtual network."""
    state, _, status = running_server(data_dir)
    store, _ = open_state(data_dir, state, store_url)
    try:
        echo_summary(summary(store, find_machine(store, name, group), status), output)
    finally:
        store.close()


@vm.command("list")
@DATA_DIR
@STORE
@GROUP
@OUTPUT
def list_machines(data_dir: Path, store_url: str | None, group: str | None, output: str) -> None:
    """List the machines."""
    from vaultlink.arm.providers.compute.machines import all_machines

    state, _, status = running_server(data_dir)
    store, _ = open_state(data_dir, state, store_url)
    try:
        infos = [summary(store, m, status) for m in all_machines(store, group)]
    finally:
        store.close()
    if output == "json":
        click.echo(json.dumps(infos, indent=2))
        return
    rows = [("NAME", "RESOURCE GROUP", "PRIVATE IP", "PUBLIC IP", "SUBNET")]
    rows += [(i["name"], i["resourceGroup"], i["privateIp"] or "-", i["publicIp"] or "-",
              "/".join((i["subnet"] or "-").split("/")[-3::2])) for i in infos]
    widths = [max(len(str(r[c])) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@vm.command("exec", context_settings={"ignore_unknown_options": True})
@DATA_DIR
@STORE
@click.argument("name")
@GROUP
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_command(data_dir: Path, store_url: str | None, name: str, group: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND as if on machine NAME: through the edge as that machine, and where the system allows
    (Linux, root, unshare), with the machine's virtual network resolver as the system resolver."""
    state, creds, status = running_server(data_dir)
    info, proxy = machine_proxy(data_dir, state, name, group, store_url)
    env = {**os.environ, **shell_exports(state, creds, proxy)}
    vnet = (info.get("virtualNetwork") or "").lower() or (f"site:{info['site'].lower()}" if info.get("site") else "")
    resolver = (status.get("dnsViews53") or {}).get(vnet) if vnet else None
    argv = list(command)
    resolv_conf, isolated = None, False
    if resolver and _can_replace_resolver():
        resolv_conf = _resolv_conf(str(resolver).split(":")[0])
        isolated = _private_mount_works(resolv_conf)
        if isolated:
            argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                    'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv_conf, *argv]
    if not isolated:
        dns = info.get("dnsServer") or summary_dns(status, vnet)
        host, _, port = str(dns or "").rpartition(":")
        hint = f"`nslookup -port={port} NAME {host}` or `dig @{host} -p {port} NAME`" if dns else \
            "vaultlink has no resolver listening for its virtual network"
        click.echo(f"vaultlink: {info['name']}'s resolver cannot be this system's resolver here; point nslookup or "
                   f"dig at it explicitly: {hint}", err=True)
    try:
        code = subprocess.call(argv, env=env)
    except OSError as e:
        fail(f"cannot run {command[0]}: {e}")
    finally:
        if resolv_conf:
            Path(resolv_conf).unlink(missing_ok=True)
    sys.exit(code)


def summary_dns(status: dict[str, Any], view: str) -> str | None:
    if view.startswith("site:"):
        return (status.get("dnsSites") or {}).get(view[5:])
    return (status.get("dnsViews") or {}).get(view) if view else None


def _can_replace_resolver() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("unshare") is not None \
        and Path("/etc/resolv.conf").exists()


def _resolv_conf(host: str) -> str:
    fd, path = tempfile.mkstemp(prefix="vaultlink-resolv-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write(f"nameserver {host}\noptions ndots:1\n")
    os.chmod(path, 0o644)
    return path


def _private_mount_works(resolv_conf: str) -> bool:
    """Some containers may not unshare or mount: try once, with nothing else at stake."""
    try:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                'mount --bind "$0" /etc/resolv.conf', resolv_conf], capture_output=True, timeout=10,
                               check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0

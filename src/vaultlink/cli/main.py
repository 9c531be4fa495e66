"""`vaultlink` commands."""

from __future__ import annotations

import importlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from vaultlink.cli.common import DATA_DIR, EXPORTED, fail, live_status, shell_exports
from vaultlink.core.config import UNREACHABLE_504, UNREACHABLE_TIMEOUT, Config
from vaultlink.core.files import load_credentials, read_state

LAZY = {
    "diagnose": ("vaultlink.cli.diagnose", "Which private-link check fails for a vault (live or exported), and its fix."),
    "demo": ("vaultlink.cli.demo", "Run the seed end to end in a fresh temporary data directory."),
    "import": ("vaultlink.cli.importing", "Rebuild a topology exported from Azure in the running vaultlink."),
    "site": ("vaultlink.cli.site", "On-premises sites: networks outside Azure, their machines and DNS forwarders."),
    "vm": ("vaultlink.cli.vm", "Virtual machines: locations inside virtual networks."),
    "why": ("vaultlink.cli.why", "Why a data-plane request was admitted or refused."),
}
"""Commands imported only when named: (module, the one-line help `vaultlink --help` shows without importing it)."""
COMMAND_OBJECTS = {"import": "import_export"}
"""The lazy commands whose name is not a Python name: the module attribute that holds them."""


class Commands(click.Group):
    """The command group, with the LAZY commands imported only when named: they bring HTTP and TLS modules that
    the commands answering from the data directory's files (`env`, `status`) should not wait for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY:
            module = importlib.import_module(LAZY[cmd_name][0])
            command: click.Command = getattr(module, cmd_name, None) or getattr(module, COMMAND_OBJECTS[cmd_name])
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY:
                rows.append((name, LAZY[name][1]))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


HELP = """Azure Key Vault with Azure Private Link, on one machine.

\b
In a checkout: `make run` starts it; then, in another shell:
  . .venv/bin/activate       # vaultlink, az and the Azure SDKs on PATH
  eval "$(vaultlink env)"    # route this shell's Azure clients through vaultlink
  az account show            # az is signed in as the default service principal
"""


@click.group(cls=Commands, help=HELP)
@click.version_option(package_name="vaultlink")
def main() -> None:
    pass


@main.command()
@DATA_DIR
@click.option("--store", "store_url", default=None, envvar="VAULTLINK_STORE",
              help="sqlite:///relative.db, sqlite:////absolute.db, or postgresql://... to share state; "
                   "default: SQLite in the data directory.")
@click.option("--proxy-port", default=8443, show_default=True, type=int, envvar="VAULTLINK_PROXY_PORT",
              help="The edge (HTTPS proxy) port on 127.0.0.1.")
@click.option("--dns-port", default=8053, show_default=True, type=int, envvar="VAULTLINK_DNS_PORT",
              help="The DNS port.")
@click.option("--async-operations", is_flag=True, help="Answer long-running ARM operations with 201/202 and polling URLs.")
@click.option("--throttle", is_flag=True, help="Enforce Azure's per-vault data-plane request limits (429 Throttled).")
@click.option("--unreachable", type=click.Choice([UNREACHABLE_504, UNREACHABLE_TIMEOUT]), default=UNREACHABLE_504,
              show_default=True, help="A connection to an address nobody holds: answered 504 at once, or held open "
                                      "until the client's own timeout fires.")
@click.option("--head-timeout", default=60.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a request's line and headers may take; a slower client gets 408 and is disconnected.")
@click.option("--body-timeout", default=60.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a request's body may take after its head; a slower client gets 408 and is disconnected.")
@click.option("-v", "--verbose", is_flag=True,
              help="Log one line per request: method, host, path, api-version, status, the caller's location, "
                   "duration and request id (never bodies, headers or tokens).")
def up(data_dir: Path, store_url: str | None, proxy_port: int, dns_port: int, async_operations: bool, verbose: bool,
       throttle: bool = False, unreachable: str = UNREACHABLE_504, head_timeout: float = 60.0,
       body_timeout: float = 60.0) -> None:
    """Start vaultlink in the foreground (Ctrl-C stops it).

    At each start az's profile in the data directory (AZURE_CONFIG_DIR in `vaultlink env`) is signed in as the
    default service principal, unless someone signed in there already."""
    import logging

    from vaultlink.cli.starting import banner, start_error
    from vaultlink.store.urls import StoreUrlError, parse_store_url

    config = Config(data_dir=data_dir, store_url=store_url, proxy_port=proxy_port, dns_port=dns_port,
                    async_operations=async_operations, throttle=throttle, unreachable=unreachable,
                    head_timeout=head_timeout, body_timeout=body_timeout)
    try:
        store = parse_store_url(config.effective_store_url)
    except StoreUrlError as e:
        fail(str(e))
    state = read_state(data_dir)
    if state and live_status(state) is not None:
        fail(f"a vaultlink server already runs for {data_dir} at {state['proxy']} (pid {state['pid']}); stop it, "
             "or start another with its own --data-dir, --proxy-port and --dns-port")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("vaultlink.requests").setLevel(logging.INFO if verbose else logging.WARNING)

    def ready(server: Any) -> None:
        for line in banner(server.status(), data_dir, store if store_url else None):
            click.echo(line)
        sys.stdout.flush()

    from vaultlink.identity.bootstrap import WrongRootKey
    from vaultlink.runtime.server import run

    try:
        run(config, ready)
    except WrongRootKey as e:
        fail(f"cannot start: {e}")
    except Exception as e:
        message = start_error(e, config, store)
        if message is None:
            raise
        fail(f"cannot start: {message}")


@main.command()
@DATA_DIR
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def status(data_dir: Path, output: str) -> None:
    """Exit 0 when the server for the data directory is ready."""
    state = read_state(data_dir)
    if not state:
        fail(f"no vaultlink server has started for {data_dir}")
    assert state is not None
    live = live_status(state)
    if live is None:
        fail(f"the vaultlink server for {data_dir} ({state['proxy']}) is not answering")
    assert live is not None
    if output == "json":
        click.echo(json.dumps(live, indent=2))
    else:
        click.echo(f"ready: proxy {live['proxy']}, DNS {', '.join(live['dns'])} (the internet) and "
                   f"{len(live['dnsViews'])} virtual network resolver(s){_more_resolvers(live)}, portal {live['portal']}, "
                   f"CA {live['caFile']}, "
                   f"store {live['store']}")


def _more_resolvers(live: dict[str, Any]) -> str:
    """The resolver inbound endpoints' and sites' DNS servers, where there are any."""
    out = ""
    for key, what in (("dnsInboundEndpoints", "resolver inbound endpoint(s)"), ("dnsSites", "site DNS server(s)")):
        listed = live.get(key) or {}
        out += f", {len(listed)} {what}" if listed else ""
    return out


@main.command()
@DATA_DIR
@click.option("--no-browser", is_flag=True, help="Only print the address.")
def portal(data_dir: Path, no_browser: bool) -> None:
    """Print the portal's address (and open it in a browser where one is available)."""
    state = read_state(data_dir)
    live = live_status(state) if state else None
    if live is None:
        fail(f"no vaultlink server is answering for {data_dir}; run `vaultlink up` first")
    assert live is not None
    click.echo(live["portal"])
    if not no_browser:
        import webbrowser

        try:
            webbrowser.get()
        except webbrowser.Error:
            return
        webbrowser.open(live["portal"])


@main.command()
@DATA_DIR
@click.option("--vm", default=None, help="Print the exports for a shell inside this machine (a VM name or id).")
@click.option("-g", "--resource-group", "group", default=None, help="The machine's resource group, when its name is not unique.")
@click.option("--store", "store_url", default=None, help="With --vm: the store URL when it is not the one the server names.")
@click.option("--unset", is_flag=True, help="Print the lines that undo the exports instead.")
def env(data_dir: Path, vm: str | None, group: str | None, store_url: str | None, unset: bool) -> None:
    """Print the exports that point a shell's Azure clients at vaultlink.

    Use it as `eval "$(vaultlink env)"`. The exports name the proxy (upper and lower case, with an empty no_proxy), the CA bundle, the default service
    principal, a managed-identity endpoint, and AZURE_CONFIG_DIR in the data directory, where `vaultlink up`
    has signed az in, so az never touches your own ~/.azure. `eval "$(vaultlink env --unset)"` undoes them."""
    if unset:
        for name in EXPORTED:
            click.echo(f"unset {name}")
        return
    state = read_state(data_dir)
    creds = load_credentials(data_dir)
    if not state or not creds:
        fail(f"no vaultlink server has started for {data_dir}; run `vaultlink up` first")
    assert state is not None and creds is not None
    proxy = None
    if vm is not None:
        from vaultlink.cli.vm import machine_proxy

        proxy = machine_proxy(data_dir, state, vm, group, store_url)[1]
    for name, value in shell_exports(state, creds, proxy).items():
        click.echo(f"export {name}={shlex.quote(value)}")


# ---- identity ---------------------------------------------------------------------------------------------

@main.group()
def identity() -> None:
    """Tenants, service principals and users."""


def _directory(data_dir: Path, store_url: str | None) -> Any:
    from vaultlink.identity.directory import Directory
    from vaultlink.store import open_store

    state = read_state(data_dir)
    running_store = str(state["store"]) if state and state.get("store") else None  # the server's, without password
    url = store_url or running_store or Config(data_dir=data_dir).effective_store_url
    if not store_url and not running_store and not (data_dir / "vaultlink.db").exists():
        fail(f"no vaultlink state in {data_dir}; run `vaultlink up` first")
    return Directory(open_store(url))


STORE = click.option("--store", "store_url", default=None, help="The store URL when it is not the data directory's SQLite file.")


@identity.command("show")
@DATA_DIR
def identity_show(data_dir: Path) -> None:
    """Show the default tenant, subscription and principals (with their secrets)."""
    creds = load_credentials(data_dir)
    if not creds:
        fail(f"no vaultlink state in {data_dir}; run `vaultlink up` first")
    click.echo(json.dumps(creds, indent=2))


@identity.command("tenant-create")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--domain", default=None)
@click.option("--subscription-name", default=None, help="Also create a subscription in the new tenant.")
def tenant_create(data_dir: Path, store_url: str | None, name: str, domain: str | None, subscription_name: str | None) -> None:
    """Create another tenant (a separate directory)."""
    d = _directory(data_dir, store_url)
    if domain and d.tenant_by_domain(domain):
        fail(f"a tenant with the domain {domain} already exists")
    tenant = d.create_tenant(name, domain)
    out: dict[str, Any] = {"tenant": tenant}
    if subscription_name:
        out["subscription"] = d.create_subscription(tenant["tenantId"], subscription_name)
    click.echo(json.dumps(out, indent=2))


@identity.command("subscription-create")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--tenant", "tenant_id", required=True)
def subscription_create(data_dir: Path, store_url: str | None, name: str, tenant_id: str) -> None:
    """Create a subscription in a tenant."""
    d = _directory(data_dir, store_url)
    tenant = d.resolve_tenant(tenant_id)
    if tenant is None:
        fail(f"no tenant {tenant_id}")
    click.echo(json.dumps(d.create_subscription(tenant["tenantId"], name), indent=2))


@identity.command("sp-create")
@DATA_DIR
@STORE
@click.argument("name")
@click.option("--tenant", "tenant_id", required=True)
def sp_create(data_dir: Path, store_url: str | None, name: str, tenant_id: str) -> None:
    """Create a service principal; its secret is printed once."""
    d = _directory(data_dir, store_url)
    tenant = d.resolve_tenant(tenant_id)
    if tenant is None:
        fail(f"no tenant {tenant_id}")
    sp, secret = d.create_service_principal(tenant["tenantId"], name)
    click.echo(json.dumps({"appId": sp["appId"], "objectId": sp["objectId"], "tenantId": sp["tenantId"],
                           "displayName": name, "secret": secret}, indent=2))


@identity.command("user-create")
@DATA_DIR
@STORE
@click.argument("upn")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--password", default=None, help="Default: a generated password, printed once.")
def user_create(data_dir: Path, store_url: str | None, upn: str, tenant_id: str, password: str | None) -> None:
    """Create a user that can sign in with a password or the device code."""
    d = _directory(data_dir, store_url)
    tenant = d.resolve_tenant(tenant_id)
    if tenant is None:
        fail(f"no tenant {tenant_id}")
    if d.user(upn):
        fail(f"the user {upn} already exists")
    user, pw = d.create_user(tenant["tenantId"], upn, upn.split("@")[0], password)
    click.echo(json.dumps({"userPrincipalName": upn, "objectId": user["objectId"], "tenantId": user["tenantId"],
                           "password": pw}, indent=2))


@identity.command("role-assign")
@DATA_DIR
@STORE
@click.option("--assignee", required=True, help="The principal's object id, or a service principal's app id.")
@click.option("--role", required=True, help="A built-in role's name or id, e.g. Reader, 'Key Vault Secrets User'.")
@click.option("--scope", required=True, help="e.g. /subscriptions/SUB or a resource id.")
def role_assign(data_dir: Path, store_url: str | None, assignee: str, role: str, scope: str) -> None:
    """Assign a built-in role to a principal at a scope."""
    from vaultlink.identity import roles
    from vaultlink.identity.rbac import Authorizer

    d = _directory(data_dir, store_url)
    app = d.app(assignee)
    object_id, kind = (app["objectId"], "ServicePrincipal") if app else (assignee, "User")
    if roles.find(role) is None:
        fail(f"no built-in role named {role}")
    body = Authorizer(d.store).assign(scope=scope, role_id=role, principal_id=object_id, principal_type=kind)
    click.echo(json.dumps(body, indent=2))


__all__ = ["main"]

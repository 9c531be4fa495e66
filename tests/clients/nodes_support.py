"""Two vaultlink processes on one PostgreSQL database, driven by the real SDKs and `dig`, and the races the
two-node tests and the reliability probes run on them: the same vault name created on both at once, and approve
against reject of one private endpoint connection.

Every client is built with the node's proxy and CA and with `retry_total=0`, so a 5xx reaches the test instead
of being retried away by the SDK's retry policy.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.postgres import throwaway_database
from tests.vaultlink_process import Running, start

VAULT_ZONE = "privatelink.vaultcore.azure.net"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Node:
    """One process, as its default service principal sees it through that process's edge."""

    running: Running
    store_url: str

    @property
    def kw(self) -> dict[str, Any]:
        return {"proxies": {"https": self.running.proxy}, "connection_verify": self.running.ca}

    @property
    def creds(self) -> dict[str, Any]:
        return self.running.credentials

    @property
    def subscription(self) -> str:
        return str(self.creds["subscriptionId"])

    def credential(self) -> ClientSecretCredential:
        c = self.creds
        return ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"],
                                      **self.kw)

    def kv(self) -> KeyVaultManagementClient:
        return KeyVaultManagementClient(self.credential(), self.subscription, retry_total=0, **self.kw)  # type: ignore[arg-type]

    def network(self) -> NetworkManagementClient:
        return NetworkManagementClient(self.credential(), self.subscription, retry_total=0, **self.kw)  # type: ignore[arg-type]

    def dns(self) -> PrivateDnsManagementClient:
        return PrivateDnsManagementClient(self.credential(), self.subscription, retry_total=0, **self.kw)  # type: ignore[arg-type]

    def rm(self) -> ResourceManagementClient:
        return ResourceManagementClient(self.credential(), self.subscription, retry_total=0, **self.kw)  # type: ignore[arg-type]

    def secrets(self, vault: str) -> SecretClient:
        return SecretClient(f"https://{vault}.vault.azure.net", self.credential(), retry_total=0, **self.kw)

    def vault_body(self, **properties: Any) -> dict[str, Any]:
        c = self.creds
        policies = [{"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
                     "permissions": {"secrets": ["get", "list", "set", "delete"]}}]
        return {"location": "eastus", "properties": {"tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"},
                                                     "accessPolicies": policies, "enableRbacAuthorization": False,
                                                     **properties}}

    def cli(self, *args: str) -> str:
        """`vaultlink ARGS` for this node's data directory (and the root key the nodes share); its stdout."""
        argv = [sys.executable, "-m", "vaultlink", *args, "--data-dir", str(self.running.data_dir)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False,
                              env={**os.environ, **(self.running.env or {})})
        assert done.returncode == 0, done.stderr
        return done.stdout

    def resolver(self, vnet_id: str | None) -> tuple[str, str] | None:
        """This process's resolver for a virtual network (None: the internet's), or None while it has none."""
        status = self.running.status()
        address = status["dns"][0] if vnet_id is None else status["dnsViews"].get(vnet_id.lower())
        if not address:
            return None
        host, port = str(address).rsplit(":", 1)
        return host, port

    def dig(self, vnet_id: str | None, name: str) -> str:
        """`dig` at this process's resolver for the network: the answer section's records, one a line, with
        single spaces; "" while the process has no resolver for it."""
        where = self.resolver(vnet_id)
        if where is None:
            return ""
        host, port = where
        out = subprocess.run(["dig", f"@{host}", "-p", port, name, "+noall", "+answer", "+time=2", "+tries=1"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
        return "\n".join(" ".join(line.split()) for line in out.splitlines() if line.strip())


def postgres_reachable() -> bool:
    from tests.postgres import SERVER

    try:
        psycopg.connect(SERVER, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def have_dig() -> bool:
    return shutil.which("dig") is not None


@contextmanager
def one_node(tmp_path: Path) -> Iterator[Node]:
    """One process on the suite's store (SQLite, or PostgreSQL with VAULTLINK_TEST_STORE=postgresql)."""
    running = start(tmp_path / "one")
    try:
        yield Node(running, str(running.state["store"]))
    finally:
        running.stop()


@contextmanager
def two_nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Two `vaultlink up` processes on a throwaway database, sharing a root key (as nodes of one deployment do)."""
    root_key = {"VAULTLINK_ROOT_KEY_FILE": str(tmp_path / "shared-root.key")}
    with throwaway_database() as url:
        a = start(tmp_path / "a", "--store", url, env=root_key)
        try:
            b = start(tmp_path / "b", "--store", url, env=root_key)
            try:
                yield Node(a, url), Node(b, url)
            finally:
                b.stop()
        finally:
            a.stop()


def within(seconds: float, check: Callable[[], bool]) -> float | None:
    """Seconds until `check()` first held, polling; None when it did not hold within `seconds`."""
    began = time.monotonic()
    while True:
        if check():
            return time.monotonic() - began
        if time.monotonic() - began > seconds:
            return None
        time.sleep(0.02)


def outcome(call: Callable[[], Any]) -> str:
    """"ok", or the failure as "status code" ("409 VaultAlreadyExists", "500 InternalServerError")."""
    try:
        call()
    except HttpResponseError as e:
        code = e.error.code if e.error is not None else ""
        return f"{e.status_code} {code}"
    return "ok"


def at_once(*calls: Callable[[], str]) -> list[str]:
    """Runs the calls in threads released together; their outcomes in order."""
    results = [""] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i: int) -> None:
        gate.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@dataclass
class Tally:
    rounds: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    """Rounds that broke a promise, described."""

    @property
    def server_errors(self) -> int:
        return sum(n for o, n in self.outcomes.items() if o[:1] == "5")


def vaults_named(store_url: str, name: str) -> int:
    """How many vault resources of that name the store holds (every subscription and group)."""
    pattern = f"%/providers/microsoft.keyvault/vaults/{name.lower()}"
    statement = "SELECT count(*) FROM records WHERE kind = 'resource' AND key LIKE "
    if store_url.startswith("sqlite:///"):
        db = sqlite3.connect(f"file:{store_url.removeprefix('sqlite:///')}?mode=ro", uri=True)
        try:
            return int(db.execute(statement + "?", (pattern,)).fetchone()[0])
        finally:
            db.close()
    with psycopg.connect(store_url, autocommit=True) as conn:
        row = conn.execute(statement + "%s", (pattern,)).fetchone()
    return int(row[0]) if row else 0


def _create(kv: KeyVaultManagementClient, group: str, name: str, body: dict[str, Any]) -> str:
    return outcome(lambda: kv.vaults.begin_create_or_update(group, name, body).result())


def race_same_name(a: Node, b: Node, rounds: int) -> Tally:
    """Each round, one vault name PUT through `a` and through `b` at once, into two resource groups: exactly one
    may win (200/201) and the other must get 409 VaultAlreadyExists; the store must hold one vault of the name.
    `a` and `b` may be the same node."""
    kv_a, kv_b = a.kv(), b.kv()
    groups = unique("rg-race-a-"), unique("rg-race-b-")
    a.rm().resource_groups.create_or_update(groups[0], {"location": "eastus"})
    a.rm().resource_groups.create_or_update(groups[1], {"location": "eastus"})
    body = a.vault_body()
    tally = Tally()
    for _ in range(rounds):
        name = unique("race")
        results = at_once(*(functools.partial(_create, kv, group, name, body) for kv, group in zip((kv_a, kv_b), groups)))
        tally.rounds += 1
        tally.outcomes.update(results)
        held = vaults_named(a.store_url, name)
        if sorted(results) != ["409 VaultAlreadyExists", "ok"] or held != 1:
            tally.wrong.append(f"{name}: {results}, {held} vaults in the store")
    return tally


@dataclass
class Connection:
    """A vault with one pending manual private endpoint connection, made through `node`."""

    group: str
    vault: str
    vault_id: str
    connection: str
    endpoint: str
    vnet_id: str


def pending_connection(node: Node, *, public: bool = True) -> Connection:
    group = unique("rg-pl-")
    node.rm().resource_groups.create_or_update(group, {"location": "eastus"})
    vault, vnet, pe = unique("kvpl"), unique("vnet-"), unique("pe-")
    made = node.kv().vaults.begin_create_or_update(
        group, vault, node.vault_body(**({} if public else {"publicNetworkAccess": "Disabled"}))).result()
    net = node.network()
    created = net.virtual_networks.begin_create_or_update(group, vnet, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
        "subnets": [{"name": "endpoints", "properties": {"addressPrefix": "10.30.1.0/24"}}]}}).result()
    subnet = net.subnets.get(group, vnet, "endpoints")
    net.private_endpoints.begin_create_or_update(group, pe, {"location": "eastus", "properties": {
        "subnet": {"id": subnet.id}, "manualPrivateLinkServiceConnections": [{"name": "to-vault", "properties": {
            "privateLinkServiceId": made.id, "groupIds": ["vault"], "requestMessage": "please"}}]}}).result()
    [connection] = list(node.kv().private_endpoint_connections.list_by_resource(group, vault))
    return Connection(group, vault, str(made.id), str(connection.name), pe, str(created.id))


def set_state(node: Node, c: Connection, status: str) -> str:
    return outcome(lambda: node.kv().private_endpoint_connections.put(c.group, c.vault, c.connection, {
        "properties": {"privateLinkServiceConnectionState": {"status": status, "description": status.lower()}}}))


def states(node: Node, c: Connection) -> tuple[str, str]:
    """The connection's status as the vault's side and as the endpoint's side report it, through `node`."""
    vault_side = node.kv().private_endpoint_connections.get(c.group, c.vault, c.connection)
    endpoint = node.network().private_endpoints.get(c.group, c.endpoint)
    [link] = endpoint.manual_private_link_service_connections
    return (vault_side.private_link_service_connection_state.status,
            link.private_link_service_connection_state.status)


def race_approve_reject(a: Node, b: Node, rounds: int) -> Tally:
    """Each round, approve through `a` and reject through `b` at once: no 5xx, each PUT succeeds or gets 409, and
    both sides of the connection agree on one state, the same through both nodes."""
    c = pending_connection(a)
    tally = Tally()
    for _ in range(rounds):
        results = at_once(lambda: set_state(a, c, "Approved"), lambda: set_state(b, c, "Rejected"))
        tally.rounds += 1
        tally.outcomes.update(results)
        seen_a, seen_b = states(a, c), states(b, c)
        final = seen_a[0]
        if any(r not in ("ok", "409 Conflict") for r in results) or seen_a != seen_b or seen_a != (final, final) \
                or final not in ("Approved", "Rejected"):
            tally.wrong.append(f"{results}: through a {seen_a}, through b {seen_b}")
    return tally

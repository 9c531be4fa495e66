"""The `vaultlink` fixture's object: one vaultlink server, its default subscription, and the locations tests
send requests from.

A location is a proxy URL: the edge decides where a request comes from by the proxy credential it carries (a
machine's, handed out by `vaultlink env --vm`), or by its absence (the internet). `inside(location)` points the
process's proxy variables at it for the block, which every Azure SDK client honours at each request (azure-core's
transports read the environment's proxy per request, and keep one connection pool per proxy), so one client used
inside and then outside goes each time from where the block says. The variables belong to the whole process:
use one location at a time (sequentially, or nested), not from concurrent threads.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultlink.cli.common import shell_exports
from vaultlink.core.files import load_credentials, read_state
from vaultlink.testing.launch import Launch, VaultlinkNotReady, launch
from vaultlink.testing.subscription import PrivateVault, Subscription

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Location:
    """Where requests come from: the internet, or a machine in a virtual network."""

    name: str
    proxy: str
    private_ip: str | None = None
    id: str | None = None

    def __str__(self) -> str:
        return self.name if self.private_ip is None else f"{self.name} ({self.private_ip})"


class Vaultlink:
    """A running vaultlink: `private_vault`, `credential` and `subscription_id` are its default subscription's;
    `new_subscription()` makes another in a tenant of its own."""

    def __init__(self, data_dir: Path, process: subprocess.Popen[bytes] | None, log: Path | None = None) -> None:
        state, credentials = read_state(data_dir), load_credentials(data_dir)
        if state is None or credentials is None:
            raise VaultlinkNotReady(f"no vaultlink server has started for {data_dir}")
        self.data_dir, self.process, self.log = data_dir, process, log
        self.state: dict[str, Any] = state
        self.credentials: dict[str, Any] = credentials
        self.internet = Location("the internet", str(state["proxy"]))
        self.default = Subscription(self, credentials["tenantId"], credentials["subscriptionId"], {
            "tenantId": credentials["tenantId"], "servicePrincipal": credentials["servicePrincipal"]})
        self._store: Any = None

    # ---- starting and finding -------------------------------------------------------------------------

    @classmethod
    def start(cls, data_dir: Path, *args: str, timeout: float = START_TIMEOUT) -> Vaultlink:
        """`vaultlink up` on a new data directory, on ports the system picks; ready once it wrote server.json."""
        return cls.started(launch(data_dir, *args), timeout)

    @classmethod
    def started(cls, launched: Launch, timeout: float = START_TIMEOUT) -> Vaultlink:
        launched.wait(timeout)
        return cls(launched.data_dir, launched.process, launched.log)

    @classmethod
    def attach(cls, data_dir: str | Path) -> Vaultlink:
        """The server already running for `data_dir` (left running at the end)."""
        session = cls(Path(data_dir), None)
        session.status()
        return session

    @classmethod
    def at(cls, proxy_url: str) -> Vaultlink:
        """The server whose proxy (edge) is at `proxy_url`, e.g. http://127.0.0.1:8443 (left running)."""
        try:
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    f"{proxy_url.rstrip('/')}/vaultlink/status", timeout=5) as reply:
                status = json.loads(reply.read())
        except (OSError, ValueError) as e:
            raise VaultlinkNotReady(f"no vaultlink answers at {proxy_url}: {e}") from None
        return cls(Path(status["dataDir"]), None)

    def status(self) -> dict[str, Any]:
        from vaultlink.cli.common import live_status

        status = live_status(self.state)
        if status is None:
            raise VaultlinkNotReady(f"the vaultlink server for {self.data_dir} ({self.proxy}) is not answering")
        return status

    def close(self) -> None:
        """Stops the server if this session started it; a server it found keeps running."""
        if self._store is not None:
            self._store.close()
            self._store = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # ---- where requests come from ---------------------------------------------------------------------

    @property
    def proxy(self) -> str:
        return str(self.state["proxy"])

    @property
    def ca_file(self) -> str:
        return str(self.state["caFile"])

    def exports(self) -> dict[str, str]:
        """What `vaultlink env` prints for this server (from the internet)."""
        return shell_exports(self.state, self.credentials)

    @contextmanager
    def environment(self) -> Iterator[None]:
        """Within the block, the process's environment is what `vaultlink env` prints: Azure clients reach
        vaultlink from the internet. Restored afterwards."""
        with _environ(self.exports()):
            yield

    @contextmanager
    def inside(self, location: Location | PrivateVault) -> Iterator[Location]:
        """Within the block, the process's Azure clients send from `location` (a private vault's machine, a
        machine, or `internet`); the proxy variables are restored afterwards."""
        where = location.machine if isinstance(location, PrivateVault) else location
        with _environ({name: where.proxy for name in PROXY_VARIABLES}):
            yield where

    # ---- the default subscription ---------------------------------------------------------------------

    @property
    def subscription_id(self) -> str:
        return self.default.subscription_id

    @property
    def tenant_id(self) -> str:
        return self.default.tenant_id

    def credential(self) -> Any:
        """An azure.identity TokenCredential for the default service principal (Owner of the default
        subscription)."""
        return self.default.credential()

    def private_vault(self, name: str | None = None, **options: Any) -> PrivateVault:
        """The seed's topology in the default subscription; see `Subscription.private_vault`."""
        return self.default.private_vault(name, **options)

    def new_subscription(self, name: str = "test subscription") -> Subscription:
        """A tenant of its own with one subscription and a service principal that owns it."""
        from vaultlink.identity.directory import Directory
        from vaultlink.identity.rbac import Authorizer

        store = self.store()
        directory = Directory(store)
        with store.transaction() as tx:
            tenant = directory.create_tenant(f"{name} tenant", tx=tx)
            tid = tenant["tenantId"]
            subscription = directory.create_subscription(tid, name, tx=tx)
            app, secret = directory.create_service_principal(tid, "test-principal", tx=tx)
            Authorizer(store).assign(scope=f"/subscriptions/{subscription['subscriptionId']}", role_id="Owner",
                                     principal_id=app["objectId"], principal_type="ServicePrincipal", tx=tx)
        return Subscription(self, tid, subscription["subscriptionId"], {"tenantId": tid, "servicePrincipal": {
            "appId": app["appId"], "objectId": app["objectId"], "secret": secret}})

    def store(self) -> Any:
        """The server's store, opened once for this session (tenants are made in it, as `vaultlink identity`
        does)."""
        if self._store is None:
            from vaultlink.store import open_store

            self._store = open_store(str(self.state["store"]))
        return self._store


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


__all__ = ["Location", "Vaultlink", "VaultlinkNotReady"]

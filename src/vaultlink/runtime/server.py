"""One vaultlink process: the store, the identity endpoints, ARM, and the edge in front of them."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import time
from typing import Any

from vaultlink import __version__
from vaultlink.arm.app import ArmApp
from vaultlink.arm.operations import Operations
from vaultlink.arm.projection import Snapshots
from vaultlink.arm.providers.resources.deployments import Deployments
from vaultlink.arm.resources import RESOURCE, Resources
from vaultlink.arm.routes import arm_routes
from vaultlink.arm.services import Services
from vaultlink.core.config import UNREACHABLE_TIMEOUT, Config
from vaultlink.core.files import STATE_FILE, make_private, redact, write_private
from vaultlink.diagnose.decisions import DecisionLog
from vaultlink.diagnose.live import LiveDiagnosis, StoreSource
from vaultlink.dns.resolvers import Resolvers
from vaultlink.dns.server import DnsServer
from vaultlink.edge.ca import CertificateAuthority
from vaultlink.edge.hostroutes import HostRoutes, Refusal
from vaultlink.edge.proxy import Edge
from vaultlink.identity import azcli, bootstrap
from vaultlink.identity.attestation import Attestation
from vaultlink.identity.directory import Directory
from vaultlink.identity.graph import Graph
from vaultlink.identity.login import Login
from vaultlink.identity.rbac import Authorizer
from vaultlink.identity.tokens import TokenIssuer, TokenVerifier
from vaultlink.network.location import Location
from vaultlink.portal import Portal, loopback_site, resolver
from vaultlink.runtime import hosts
from vaultlink.runtime.arrivals import Arrivals
from vaultlink.runtime.machines import Machines
from vaultlink.runtime.vaults import VaultDirectory
from vaultlink.store import open_store
from vaultlink.vault.app import VaultApp
from vaultlink.vault.auth import Gate
from vaultlink.vault.protection import Protector
from vaultlink.vault.routes import vault_routes
from vaultlink.vault.throttle import Throttle

GC_THRESHOLD = 50_000
"""Allocations between young-generation collections (Python's default is 700)."""
log = logging.getLogger("vaultlink")

DECISIONS_FILE = "decisions.json"


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.started = time.monotonic()
        self._flushing: asyncio.Task[None] | None = None
        data = config.data_dir
        make_private(data)
        self.store = open_store(config.effective_store_url)
        self.sealer = bootstrap.open_sealer(self.store, data)
        self.credentials = bootstrap.ensure_default_identity(self.store, self.sealer, data)
        self.ca = CertificateAuthority.load_or_create(data)
        key = bootstrap.signing_key(self.store, self.sealer)
        self.attestation = Attestation(bootstrap.lazy_signing_key(self.store, self.sealer, "attestation-signing-key"))
        self.directory = Directory(self.store)
        self.issuer = TokenIssuer(key)
        self.verifier = TokenVerifier(key)

        login = Login(self.directory, self.issuer)
        graph = Graph(self.directory, self.verifier)
        self.authorizer = Authorizer(self.store)
        services = Services(
            store=self.store, directory=self.directory, authorizer=self.authorizer,
            operations=Operations(self.store, config.async_operations), resources=Resources(self.store),
        )
        deployments = Deployments(services)
        arm = ArmApp(arm_routes(services, deployments), self.directory, self.verifier, self.authorizer,
                     config.max_body_bytes)
        self.snapshots = Snapshots(self.store)
        arm.on_write = self.snapshots.changed
        arm.observe = services.operations.observe
        deployments.arm = arm  # the engine is an ARM client of this same app
        self.decisions = DecisionLog(data / DECISIONS_FILE)
        self.decisions.load()
        self.machines = Machines(self.store, self.snapshots)
        login_app = login.app()
        self.diagnosis = LiveDiagnosis(StoreSource(self.store, RESOURCE), self.authorizer, self.snapshots,
                                       self.credentials["servicePrincipal"]["objectId"])
        portal = Portal(arm, login_app, resolver(self.snapshots), self.diagnosis)
        site = loopback_site(portal, login_app, login.managed_identity_app())
        local = hosts.status_app(self.status, site, self.decisions.find, self.diagnosis)

        table: dict[str, Any] = {h: arm for h in hosts.ARM_HOSTS}
        table.update({h: login_app for h in hosts.LOGIN_HOSTS})
        table[hosts.PORTAL_HOST] = portal
        table.update({h: graph.app() for h in hosts.GRAPH_HOSTS})
        table[hosts.ATTESTATION_HOSTS] = self.attestation.app()
        table[hosts.CLI_VERSION_HOST] = hosts.cli_version_check
        table.update({h: hosts.telemetry for h in hosts.TELEMETRY_HOSTS})
        table.update({h: local for h in ("127.0.0.1", "localhost")})
        self.vaults = VaultDirectory(self.store)
        self.vault_app = VaultApp(
            lookup=self.vaults,
            gate=Gate(self.verifier, self.authorizer),
            routes=vault_routes(self.store, Protector(self.store, self.sealer), self.sealer, self.attestation.verify,
                                bootstrap.release_signer(self.store, self.sealer)),
            max_body=config.max_body_bytes,
            snapshot=self.snapshots,
            decisions=self.decisions,
            throttle=Throttle() if config.throttle else None,
        )
        self.router = Arrivals(HostRoutes(table), self.vault_app, self.snapshots,
                               hold_unreachable=config.unreachable == UNREACHABLE_TIMEOUT)
        self.dns = DnsServer(self.snapshots)
        self.resolvers = Resolvers(self.dns, self.snapshots, self.store, config.host, config.dns_port,
                                   data / "dns-addresses.json")
        self.edge = Edge(
            ca=self.ca, route=self.router, locate=self.locate, host=config.host, port=config.proxy_port,
            max_body_bytes=config.max_body_bytes, head_timeout=config.head_timeout, body_timeout=config.body_timeout,
        )

    def locate(self, proxy_authorization: str | None) -> Location | Refusal:
        """Who is calling: the internet without a credential, else the machine the credential names."""
        return self.machines.locate(proxy_authorization)

    def status(self) -> dict[str, Any]:
        return {
            "ready": True,
            "version": __version__,
            "pid": os.getpid(),
            "dataDir": str(self.config.data_dir.resolve()),
            "store": redact(self.store.url),
            "proxy": f"http://{self.config.host}:{self.edge.port}",
            **self.resolvers.status(),
            "portal": f"http://{self.config.host}:{self.edge.port}/",
            "caFile": str(self.ca.cert_path.resolve()),
            "tenantId": self.credentials["tenantId"],
            "subscriptionId": self.credentials["subscriptionId"],
            "identityEndpoint": f"http://{self.config.host}:{self.edge.port}/msi/token",
        }

    async def start(self) -> None:
        await self.edge.start()
        await self.resolvers.start()
        self.snapshots.follow(asyncio.get_running_loop())
        self._flushing = asyncio.get_running_loop().create_task(self.decisions.flush_every())
        subscription = self.directory.subscription(self.credentials["subscriptionId"]) or {}
        azcli.sign_in(self.config.data_dir, self.credentials, subscription.get("displayName", "vaultlink subscription"))
        write_private(self.config.data_dir / STATE_FILE, json.dumps(self.status(), indent=2).encode())
        # What start-up made lives as long as the server: leave it out of every later collection, and collect
        # the young generation less often, so a full collection's pause does not land on a request.
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        log.info("ready in %.0f ms", (time.monotonic() - self.started) * 1000)

    async def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
        await self.edge.close()
        self.decisions.flush()
        await self.dns.close()
        state = self.config.data_dir / STATE_FILE
        try:
            current = json.loads(state.read_text())
            if current.get("pid") == os.getpid():
                state.unlink()
        except (OSError, ValueError):
            pass
        self.store.close()


async def serve(config: Config, on_ready: Any = None) -> None:
    """Runs until SIGINT or SIGTERM."""
    server = Server(config)
    await server.start()
    if on_ready is not None:
        on_ready(server)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def run(config: Config, on_ready: Any = None) -> None:
    try:
        import uvloop
    except ImportError:  # the standard loop works too, only slower
        asyncio.run(serve(config, on_ready))
        return
    uvloop.run(serve(config, on_ready))


"""One vaultlink process: the store, the identity endpoints, ARM, and the edge in front of them."""

from __future__ import annotations

import asyncio
import base64
import functools
import gc
import json
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

from vaultlink import __version__
from vaultlink.arm.app import ArmApp
from vaultlink.arm.operations import Operations
from vaultlink.arm.projection import Snapshots
from vaultlink.arm.providers.resources.deployments import Deployments
from vaultlink.arm.resources import Resources
from vaultlink.arm.routes import arm_routes
from vaultlink.arm.services import Services
from vaultlink.core.config import UNREACHABLE_TIMEOUT, Config
from vaultlink.core.files import write_private
from vaultlink.diagnose.decisions import FLUSH_SECONDS, DecisionLog
from vaultlink.dns.resolvers import Resolvers
from vaultlink.dns.server import DnsServer
from vaultlink.edge.ca import CertificateAuthority
from vaultlink.edge.hostroutes import HostRoutes, Refusal
from vaultlink.edge.proxy import Edge
from vaultlink.identity.attestation import Attestation
from vaultlink.identity.directory import Directory
from vaultlink.identity.graph import Graph
from vaultlink.identity.login import Login
from vaultlink.identity.rbac import Authorizer
from vaultlink.identity.tokens import SigningKey, TokenIssuer, TokenVerifier
from vaultlink.network.location import Location
from vaultlink.portal import Portal, loopback_site, resolver
from vaultlink.runtime import azcli, bootstrap, hosts
from vaultlink.runtime.arrivals import Arrivals
from vaultlink.runtime.diagnosis import LiveDiagnosis
from vaultlink.runtime.files import STATE_FILE, make_private, read_state, redact
from vaultlink.runtime.machines import Machines
from vaultlink.runtime.vaults import VaultDirectory
from vaultlink.store import Change, open_store
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
        self.attestation = Attestation(self._sealed_key("attestation-signing-key"))
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
        self.diagnosis = LiveDiagnosis(self.store, self.authorizer, self.snapshots,
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
                                self._release_signer()),
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

    def _sealed_key(self, name: str) -> Callable[[], SigningKey]:
        """A signing key of the store's, made or unsealed when first asked for (most runs never attest)."""
        return functools.cache(lambda: bootstrap.signing_key(self.store, self.sealer, name))

    def _release_signer(self) -> Callable[[dict[str, Any]], str]:
        """Signs what a key release hands out, with the signing certificate in the header (x5c), as Key Vault's
        release results carry theirs, so a receiver can check where the key came from."""
        key = self._sealed_key("key-release-signing-key")
        certificate = functools.cache(lambda: base64.b64encode(key().certificate("vaultlink key release")).decode())

        def sign(payload: dict[str, Any]) -> str:
            return key().sign(payload, x5c=[certificate()])

        return sign

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
        self._hear_other_nodes(asyncio.get_running_loop())
        self._flushing = asyncio.get_running_loop().create_task(self._flush_decisions())
        subscription = self.directory.subscription(self.credentials["subscriptionId"]) or {}
        azcli.sign_in(self.config.data_dir, self.credentials, subscription.get("displayName", "vaultlink subscription"))
        write_private(self.config.data_dir / STATE_FILE, json.dumps(self.status(), indent=2).encode())
        # What start-up made lives as long as the server: leave it out of every later collection, and collect
        # the young generation less often, so a full collection's pause does not land on a request.
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        log.info("ready in %.0f ms", (time.monotonic() - self.started) * 1000)

    def _hear_other_nodes(self, loop: asyncio.AbstractEventLoop) -> None:
        """Writes committed by another process on the same store reach this one's topology snapshot, and through
        its listeners the DNS answers, the resolvers and edge admission, as soon as the store announces them;
        the snapshot's listeners run on the event loop, as they do after a write here."""

        def heard(changes: Sequence[Change]) -> None:
            try:
                loop.call_soon_threadsafe(self.snapshots.heard, changes)
            except RuntimeError:  # the loop has closed: the server is stopping
                pass

        self.store.watch(heard)

    async def _flush_decisions(self) -> None:
        """Every FLUSH_SECONDS: the entries are made here, and written by a thread, off the requests' loop."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            entries = self.decisions.pending()
            if entries is None:
                continue
            try:
                await asyncio.to_thread(self.decisions.write, entries)
            except OSError as e:
                log.warning("could not write the decision log: %s", e)

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


# read_state and redact moved to files.py (light, for the commands); kept importable from here
__all__ = ["STATE_FILE", "Server", "read_state", "redact", "run", "serve"]

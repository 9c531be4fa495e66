"""How a request finds its way: the edge asks which app serves a host for a location; vault hosts are
resolved and routed through the network model (resolve, then route), and the vault app asks for admission
(admit). Every decision is recorded, so a refusal can be looked up by its request id."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from vaultlink.core import regions
from vaultlink.core.asgi import ASGIApp, Receive, Scope, Send
from vaultlink.edge.hostroutes import HostRoutes, Refusal
from vaultlink.identity.tokens import Caller
from vaultlink.network.admit import Admission, admit, client_address
from vaultlink.network.location import Location
from vaultlink.network.resolve import resolve, view_for
from vaultlink.network.route import NOWHERE, Landing, route
from vaultlink.network.topology import Topology, region_address
from vaultlink.vault.errors import Forbidden
from vaultlink.vault.model import VaultInfo

VAULT_SUFFIX = ".vault.azure.net"
MEMO_LIMIT = 4096


class Decisions:
    """The most recent decisions, by request id.

    An entry is kept as given, or as a function that makes it (`record_lazily`): every admitted request is
    recorded, and few are ever looked up, so the dictionary is built when someone asks."""

    def __init__(self, limit: int = 2000) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, tuple[float, dict[str, Any] | Callable[[], dict[str, Any]]]] = OrderedDict()

    def record(self, request_id: str, entry: dict[str, Any]) -> None:
        self._keep(request_id, dict(entry))

    def record_lazily(self, request_id: str, entry: Callable[[], dict[str, Any]]) -> None:
        self._keep(request_id, entry)

    def _keep(self, request_id: str, entry: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        self._entries[request_id] = (time.time(), entry)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def _entry(self, request_id: str, kept: tuple[float, dict[str, Any] | Callable[[], dict[str, Any]]]) -> dict[str, Any]:
        stamp, entry = kept
        return {"requestId": request_id, "time": stamp, **(entry if isinstance(entry, dict) else entry())}

    def find(self, request_id: str) -> dict[str, Any] | None:
        kept = self._entries.get(request_id)
        return None if kept is None else self._entry(request_id, kept)

    def recent(self, count: int = 50) -> list[dict[str, Any]]:
        return [self._entry(request_id, kept) for request_id, kept in list(self._entries.items())[-count:]]


def describe(location: Location) -> str:
    return location.describe()


class ForbiddenByConnection(Forbidden):
    """{message}"""

    inner_code = "ForbiddenByConnection"


class ForbiddenByFirewall(Forbidden):
    """{message}"""

    inner_code = "ForbiddenByFirewall"


def with_landing(app: ASGIApp, landing: Landing, reasons: tuple[str, ...]) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        ext = scope.setdefault("extensions", {}).setdefault("vaultlink", {})
        ext["landing"] = landing
        ext["dns"] = reasons
        await app(scope, receive, send)

    return wrapped


class Router:
    """The edge's `route`: fixed Azure hosts from a table, vault hosts through the network model."""

    def __init__(self, fixed: HostRoutes, vault_app: ASGIApp, snapshot: Callable[[], Topology], decisions: Decisions) -> None:
        self.fixed = fixed
        self.vault_app = vault_app
        self.snapshot = snapshot
        self.decisions = decisions
        self._memo_topology: Topology | None = None
        self._memo: dict[tuple[Any, ...], Any] = {}
        """Landings and admissions are pure functions of one topology and their arguments: kept until the
        topology is replaced."""

    def _memo_for(self, topology: Topology) -> dict[tuple[Any, ...], Any]:
        if topology is not self._memo_topology:
            self._memo_topology = topology
            self._memo = {}
        elif len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        return self._memo

    def __call__(self, host: str, location: Location) -> ASGIApp | Refusal:
        if not host.endswith(VAULT_SUFFIX):
            return self.fixed(host, location)
        topology = self.snapshot()
        view = view_for(topology, location.virtual_network)
        if view is None:
            return Refusal(504, f"vaultlink: {host} could not be resolved from {location.describe()}: the virtual "
                                "network's custom DNS server does not answer")
        answer = resolve(topology, view[0], host)
        if answer.rcode != "NOERROR" or not answer.addresses:
            return Refusal(502, f"vaultlink: {host} does not resolve from {location.describe()}: {answer.reasons[-1]}")
        landing = route(topology, location, answer.addresses[0])
        if landing.kind == NOWHERE:
            return Refusal(504, f"vaultlink: connecting to {host} ({landing.address}:443) from {location.describe()} "
                                f"timed out: {landing.reason}")
        return with_landing(self.vault_app, landing, answer.reasons)

    def _landing(self, topology: Topology, vault: VaultInfo, ext: dict[str, Any]) -> Landing:
        landing: Landing | None = ext.get("landing")
        if landing is None:  # reached by direct TLS, not through a tunnel: it came over the public front end
            memo = self._memo_for(topology)
            key = ("landing", ext["location"], vault.location)
            landing = memo.get(key)
            if landing is None:
                landing = memo[key] = route(topology, ext["location"], region_address(regions.normalize(vault.location)))
        return landing

    def client_address(self, vault: VaultInfo, ext: dict[str, Any]) -> str:
        topology = self.snapshot()
        model = topology.vaults.get(vault.name.lower())
        location: Location = ext["location"]
        if model is None:
            return location.public_address
        return client_address(topology, model, self._landing(topology, vault, ext), location)

    def admit(self, request_id: str, vault: VaultInfo, ext: dict[str, Any], caller: Caller) -> str:
        """The vault's network rules for this request; returns the client address the vault sees."""
        topology = self.snapshot()
        location: Location = ext["location"]
        model = topology.vaults.get(vault.name.lower())
        if model is None:
            return location.public_address
        landing = self._landing(topology, vault, ext)
        memo = self._memo_for(topology)
        key = ("admit", model.name, landing, location)
        decision: Admission | None = memo.get(key)
        if decision is None:
            decision = memo[key] = admit(topology, model, landing, location)
        dns = ext.get("dns", ())
        self.decisions.record_lazily(request_id, lambda: {
            "vault": vault.name, "location": location.describe(), "dns": list(dns),
            "landing": {"kind": landing.kind, "address": landing.address, "reason": landing.reason},
            "admission": asdict(decision), "caller": caller.describe(),
        })
        if decision.allowed:
            return decision.client_address
        where = f"Vault: {vault.name};location={vault.location}"
        if decision.refusal == "ForbiddenByFirewall":
            raise ForbiddenByFirewall(message="Client address is not authorized and caller is not a trusted service."
                                      f"\r\nClient address: {decision.client_address}\r\nCaller: {caller.describe()}\r\n{where}")
        if landing.kind == "private-endpoint":
            raise ForbiddenByConnection(message=f"Connection is not an approved private link and caller was denied: "
                                        f"{decision.reason}.\r\nCaller: {caller.describe()}\r\n{where}")
        raise ForbiddenByConnection(message="Public network access is disabled and request is not from a trusted "
                                    f"service nor via an approved private link.\r\nCaller: {caller.describe()}\r\n{where}")

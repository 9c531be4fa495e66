"""The Key Vault data plane at https://{vault}.vault.azure.net, with its pipeline written once, in order:

vault (by host) -> api-version -> route -> authentication (the bearer challenge) -> network admission
-> authorization (RBAC or access policies) -> throttling (with --throttle) -> operation -> error envelope and
Key Vault's headers.

The caller's Arrival (its location, the DNS answer's reasons, where the connection landed) comes from the edge
in the scope; network admission runs `network.admit` over the snapshot the runtime injects (network.py), and
the whole decision, admission then authorization, goes to the injected decision log.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Protocol

from vaultlink.core import errors, web
from vaultlink.core.asgi import Receive, Scope, Send
from vaultlink.core.paths import PathTable
from vaultlink.identity.tokens import Caller
from vaultlink.network.admit import Admission
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import INTERNET
from vaultlink.network.route import Landing
from vaultlink.network.topology import Topology
from vaultlink.vault import throttle as throttling
from vaultlink.vault import versions
from vaultlink.vault.auth import Authorization, Gate, challenge_header
from vaultlink.vault.model import VaultInfo, VaultLookup
from vaultlink.vault.network import NetworkAdmission
from vaultlink.vault.network import refusal as network_refusal
from vaultlink.vault.request import Op, Request, Route
from vaultlink.vault.throttle import Throttle

log = logging.getLogger("vaultlink.vault")

class DecisionLog(Protocol):
    """Where each request's decision goes (the diagnose room keeps it), made only when someone asks."""

    def record_lazily(self, request_id: str, entry: Callable[[], dict[str, Any]]) -> None: ...


SERVICE_VERSION = "1.9.2900.1"
_SERVICE_VERSION_HEADER = (b"x-ms-keyvault-service-version", SERVICE_VERSION.encode())
_JSON_TYPE = (b"content-type", b"application/json; charset=utf-8")
_ENCODER = json.JSONEncoder(separators=(",", ":"))
"""What `web.send_json` encodes with, made once."""
MEMO_LIMIT = 4096
"""Entries kept per memo (paths to routes, query strings to parameters) before it starts over."""
class VaultApp:
    def __init__(
        self, *, lookup: VaultLookup, gate: Gate, routes: list[Route], max_body: int,
        snapshot: Callable[[], Topology] | None = None, decisions: DecisionLog | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.lookup = lookup
        self.gate = gate
        self.table = PathTable(routes)
        self.max_body = max_body
        self.network = NetworkAdmission(snapshot) if snapshot is not None else None
        self.decisions = decisions
        self.throttle = throttle
        self.request_ids = RequestIds()
        self._found: dict[tuple[str, str], tuple[Op, dict[str, str]]] = {}
        """(method, path) -> the route and its parameters: a pure function of the route table."""
        self._queries: dict[bytes, dict[str, str]] = {}
        self._regions: dict[str, tuple[bytes, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = self.request_ids.new()
        headers = web.headers_of(scope)
        host = web.host_of(headers, "")
        arrival = web.extension(scope, Arrival) or Arrival(INTERNET, host.split(":", 1)[0].lower())
        vault = self.lookup(host.split(".", 1)[0].lower())
        extra = [(b"x-ms-request-id", request_id.encode()), _SERVICE_VERSION_HEADER]
        if vault is not None:
            region = self._regions.get(vault.location)
            if region is None:
                region = self._regions[vault.location] = (b"x-ms-keyvault-region", vault.location.encode())
            extra.append(region)
        else:  # the vault went away under an open connection: answer once, then let the name stop resolving
            extra.append((b"connection", b"close"))
        seen = [arrival.location.public_address]
        try:
            body = await web.read_body(receive, self.max_body)
            status, payload = self.handle(scope, headers, body, vault, arrival, request_id, seen)
        except errors.AzureError as e:
            status, payload = e.status, e.envelope()
            if e.status == 401 and vault is not None:
                extra.append((b"www-authenticate", challenge_header(vault.tenant_id).encode()))
        except Exception:
            log.exception("request %s failed", request_id)
            e2 = errors.InternalServerError(request_id=request_id)
            status, payload = e2.status, e2.envelope()
        extra.append((b"x-ms-keyvault-network-info", f"conn_type=Ipv4;addr={seen[0]};act_addr_fam=InterNetwork;".encode()))
        await _send_json(send, status, payload, extra, head=scope["method"] == "HEAD")

    def handle(
        self, scope: Scope, headers: dict[str, str], body: bytes, vault: VaultInfo | None, arrival: Arrival,
        request_id: str, seen: list[str],
    ) -> tuple[int, Any]:
        """`seen` receives the client address the vault sees (for x-ms-keyvault-network-info)."""
        path = web.path_of(scope).rstrip("/") or "/"
        host = web.host_of(headers, "")
        if vault is None:
            raise errors.NotFound(f"The vault for the host '{host}' does not exist.")
        if path.lower() == "/healthstatus":
            if self.network is not None:
                seen[0] = self.network.client_address(vault, arrival)
            return 200, None
        query = self._query(scope)
        api_version = versions.check(query.get("api-version"))
        op, params = self._route(scope["method"], path)
        caller = self.gate.authenticate(headers.get("authorization"), vault)
        self._admit(request_id, vault, arrival, caller, op, params.get("name"), seen)
        if self.throttle is not None:
            self.throttle.admit(vault.id, throttling.request_type(op.request_type, body))
        req = Request(vault=vault, caller=caller, params=params, query=query, body=body, base=f"https://{host}",
                      api_version=api_version, client_address=seen[0])
        return op.run(req)

    def _admit(self, request_id: str, vault: VaultInfo, arrival: Arrival, caller: Caller, op: Op,
               object_name: str | None, seen: list[str]) -> None:
        """Network admission, then authorization; the whole decision is recorded, whichever refused."""
        admitted = self.network.admit(vault, arrival) if self.network is not None else None
        authorization: Authorization | None = None
        try:
            if admitted is not None:
                admission, landing = admitted
                seen[0] = admission.client_address
                if not admission.allowed:
                    raise with_why(network_refusal(admission, landing, vault, caller.describe()), request_id)
            authorization = self.gate.decide(vault, caller, op.need, object_name)
            if not authorization.allowed:
                refusal = self.gate.refusal(authorization, vault, caller)
                raise with_why(refusal, request_id) if admitted is not None else refusal
        finally:
            if admitted is not None and self.decisions is not None:
                self.decisions.record_lazily(request_id, lambda: decision_entry(
                    vault, arrival, *admitted, caller, authorization))

    def _route(self, method: str, path: str) -> tuple[Op, dict[str, str]]:
        """`table.find`, remembered: a client asks for the same few paths over and over."""
        found = self._found.get((method, path))
        if found is None:
            found = self.table.find(method, path)  # raises for a path or method no route has: not remembered
            if len(self._found) >= MEMO_LIMIT:
                self._found.clear()
            self._found[(method, path)] = found
        return found[0], dict(found[1])

    def _query(self, scope: Scope) -> dict[str, str]:
        raw: bytes = scope.get("query_string", b"")
        query = self._queries.get(raw)
        if query is None:
            query = web.query_of(scope)
            if len(self._queries) >= MEMO_LIMIT:
                self._queries.clear()
            self._queries[raw] = query
        return dict(query)


class RequestIds:
    """Random (version 4) UUIDs, as `str(uuid.uuid4())`, from random bytes read 4 KiB at a time."""

    def __init__(self) -> None:
        self._random = bytearray()

    def new(self) -> str:
        if not self._random:
            self._random = bytearray(os.urandom(4096))
        raw = self._random[-16:]
        del self._random[-16:]
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


WHY_HINT = "Run `vaultlink why {request_id}` to see why."


def with_why(error: errors.AzureError, request_id: str) -> errors.AzureError:
    """A refusal whose decision is recorded: Azure's code and text first, then the command that explains it
    (az prints the message but not the response's x-ms-request-id)."""
    separator = "" if error.message.endswith("\n") else "\r\n"
    error.message = f"{error.message}{separator}{WHY_HINT.format(request_id=request_id)}"
    return error


def decision_entry(vault: VaultInfo, arrival: Arrival, admission: Admission, landing: Landing, caller: Caller,
                   authorization: Authorization | None) -> dict[str, Any]:
    """One request's decision as the decision log keeps it: the way in, the network rule, then who asked for
    what and the role or permission that decided (None when the network rules refused first)."""
    return {
        "vault": vault.name, "location": arrival.location.describe(), "machine": arrival.location.machine,
        "callerObjectId": caller.object_id, "dns": list(arrival.dns),
        "landing": {"kind": landing.kind, "address": landing.address, "reason": landing.reason},
        "admission": asdict(admission), "caller": caller.describe(),
        "authorization": asdict(authorization) if authorization is not None else None,
    }


async def _send_json(send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]], *, head: bool) -> None:
    """`web.send_json`, byte for byte, with the encoder made once."""
    payload = b"" if body is None else _ENCODER.encode(body).encode()
    out = [(b"content-length", str(len(payload)).encode())]
    if body is not None:
        out.append(_JSON_TYPE)
    out += headers
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": b"" if head else payload})

"""The Key Vault data plane at https://{vault}.vault.azure.net, with its pipeline written once, in order:

vault (by host) -> api-version -> route -> authentication (the bearer challenge) -> network admission
-> authorization (RBAC or access policies) -> throttling (with --throttle) -> operation -> error envelope and
Key Vault's headers.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
from vaultlink.store import Store
from vaultlink.store.sealing import Sealer
from vaultlink.vault import throttle as throttling
from vaultlink.vault import versions
from vaultlink.vault.auth import Authorization, Gate, Permission, challenge_header
from vaultlink.vault.certificates.contacts import CertificateContacts
from vaultlink.vault.certificates.lifecycle import CertificateLifecycle
from vaultlink.vault.certificates.operations import CertificateOperations
from vaultlink.vault.certificates.secrets import guard
from vaultlink.vault.certificates.service import Certificates
from vaultlink.vault.keys.lifecycle import KeyLifecycle
from vaultlink.vault.keys.operations import KeyOperations
from vaultlink.vault.keys.service import Keys
from vaultlink.vault.model import VaultInfo, VaultLookup
from vaultlink.vault.network import NetworkAdmission
from vaultlink.vault.network import refusal as network_refusal
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request
from vaultlink.vault.secrets.service import Secrets
from vaultlink.vault.throttle import Throttle

log = logging.getLogger("vaultlink.vault")

Operation = Callable[[Request], tuple[int, Any]]
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
S = "Microsoft.KeyVault/vaults/secrets/"
K = "Microsoft.KeyVault/vaults/keys/"
C = "Microsoft.KeyVault/vaults/certificates/"
V = "Microsoft.KeyVault/vaults/"
Route = tuple[str, str, "Op"]


@dataclass(frozen=True)
class Op:
    run: Operation
    need: Permission
    request_type: str = throttling.OTHER
    """The service limit the request counts against when throttling is on."""


def secret_routes(s: Secrets, owned: Callable[[VaultInfo, str], bool] | None = None) -> list[Route]:
    """`owned` tells the secrets that back a certificate: writing them directly is refused, as in Azure."""

    def p(name: str, action: str) -> Permission:
        return Permission("secrets", name, S + action)

    def managed(op: Operation, operation: str) -> Operation:
        return op if owned is None else guard(op, operation, owned)

    return [
        ("GET", "/secrets", Op(s.list, p("list", "readMetadata/action"))),
        ("GET", "/secrets/{name}", Op(s.get, p("get", "getSecret/action"))),
        ("GET", "/secrets/{name}/{version}", Op(s.get, p("get", "getSecret/action"))),
        ("GET", "/secrets/{name}/versions", Op(s.versions, p("list", "readMetadata/action"))),
        ("PUT", "/secrets/{name}", Op(managed(s.set, "set"), p("set", "setSecret/action"), throttling.SECRET_CREATE)),
        ("PATCH", "/secrets/{name}", Op(managed(s.update, "update"), p("set", "setSecret/action"))),
        ("PATCH", "/secrets/{name}/{version}", Op(managed(s.update, "update"), p("set", "setSecret/action"))),
        ("DELETE", "/secrets/{name}", Op(managed(s.delete, "delete"), p("delete", "delete"))),
        ("POST", "/secrets/{name}/backup", Op(managed(s.backup, "backup"), p("backup", "backup/action"))),
        ("POST", "/secrets/restore", Op(s.restore, p("restore", "restore/action"))),
        ("GET", "/deletedsecrets", Op(s.list_deleted, p("list", "readMetadata/action"))),
        ("GET", "/deletedsecrets/{name}", Op(s.get_deleted, p("list", "readMetadata/action"))),
        ("DELETE", "/deletedsecrets/{name}", Op(managed(s.purge, "purge"), p("purge", "purge/action"))),
        ("POST", "/deletedsecrets/{name}/recover", Op(managed(s.recover, "recover"), p("recover", "recover/action"))),
    ]


def key_routes(keys: Keys, life: KeyLifecycle, ops: KeyOperations) -> list[Route]:
    def p(name: str, action: str) -> Permission:
        return Permission("keys", name, K + action)

    create = throttling.KEY_CREATE
    routes: list[Route] = [
        ("POST", "/keys/{name}/create", Op(keys.create, p("create", "create/action"), create)),
        ("PUT", "/keys/{name}", Op(keys.import_key, p("import", "import/action"), create)),
        ("GET", "/keys", Op(keys.list_keys, p("list", "read"))),
        ("GET", "/keys/{name}", Op(keys.get, p("get", "read"))),
        ("GET", "/keys/{name}/{version}", Op(keys.get, p("get", "read"))),
        ("GET", "/keys/{name}/versions", Op(keys.versions, p("list", "read"))),
        ("PATCH", "/keys/{name}", Op(keys.update, p("update", "update/action"))),
        ("PATCH", "/keys/{name}/{version}", Op(keys.update, p("update", "update/action"))),
        ("DELETE", "/keys/{name}", Op(life.delete, p("delete", "delete"))),
        ("POST", "/keys/{name}/backup", Op(life.backup, p("backup", "backup/action"))),
        ("POST", "/keys/restore", Op(life.restore, p("restore", "restore/action"))),
        ("POST", "/keys/{name}/rotate", Op(keys.rotate, p("rotate", "rotate/action"), create)),
        ("GET", "/keys/{name}/rotationpolicy",
         Op(keys.get_rotation_policy, Permission("keys", "getrotationpolicy", V + "keyrotationpolicies/read"))),
        ("PUT", "/keys/{name}/rotationpolicy",
         Op(keys.set_rotation_policy, Permission("keys", "setrotationpolicy", V + "keyrotationpolicies/write"))),
        ("GET", "/deletedkeys", Op(life.list_deleted, p("list", "read"))),
        ("GET", "/deletedkeys/{name}", Op(life.get_deleted, p("get", "read"))),
        ("DELETE", "/deletedkeys/{name}", Op(life.purge, p("purge", "purge/action"))),
        ("POST", "/deletedkeys/{name}/recover", Op(life.recover, p("recover", "recover/action"))),
    ]
    crypto = (("encrypt", ops.encrypt, "encrypt", "encrypt/action"), ("decrypt", ops.decrypt, "decrypt", "decrypt/action"),
              ("sign", ops.sign, "sign", "sign/action"), ("verify", ops.verify, "verify", "verify/action"),
              ("wrapkey", ops.wrap_key, "wrapkey", "wrap/action"), ("unwrapkey", ops.unwrap_key, "unwrapkey", "unwrap/action"))
    for segment, run, permission, action in crypto:
        for template in (f"/keys/{{name}}/{{version}}/{segment}", f"/keys/{{name}}/{segment}"):
            routes.append(("POST", template, Op(run, p(permission, action))))
    return routes


def certificate_routes(certs: Certificates, life: CertificateLifecycle, ops: CertificateOperations,
                       contacts: CertificateContacts) -> list[Route]:
    def p(name: str, action: str) -> Permission:
        return Permission("certificates", name, C + action)

    def q(name: str, action: str) -> Permission:
        return Permission("certificates", name, V + action)

    return [
        ("GET", "/certificates", Op(certs.list_certificates, p("list", "read"))),
        ("GET", "/certificates/{name}", Op(certs.get, p("get", "read"))),
        ("GET", "/certificates/{name}/{version}", Op(certs.get, p("get", "read"))),
        ("GET", "/certificates/{name}/versions", Op(certs.versions, p("list", "read"))),
        ("POST", "/certificates/{name}/create", Op(certs.create, p("create", "create/action"))),
        ("POST", "/certificates/{name}/import", Op(certs.import_certificate, p("import", "import/action"))),
        ("PATCH", "/certificates/{name}", Op(certs.update, p("update", "update/action"))),
        ("PATCH", "/certificates/{name}/{version}", Op(certs.update, p("update", "update/action"))),
        ("DELETE", "/certificates/{name}", Op(life.delete, p("delete", "delete"))),
        ("GET", "/certificates/{name}/policy", Op(certs.get_policy, p("get", "read"))),
        ("PATCH", "/certificates/{name}/policy", Op(certs.update_policy, p("update", "update/action"))),
        ("GET", "/certificates/{name}/pending", Op(ops.get, p("get", "read"))),
        ("PATCH", "/certificates/{name}/pending", Op(ops.update, p("update", "update/action"))),
        ("DELETE", "/certificates/{name}/pending", Op(ops.delete, p("update", "update/action"))),
        ("POST", "/certificates/{name}/pending/merge", Op(ops.merge, p("create", "create/action"))),
        ("POST", "/certificates/{name}/backup", Op(life.backup, p("backup", "backup/action"))),
        ("POST", "/certificates/restore", Op(life.restore, p("restore", "restore/action"))),
        ("GET", "/deletedcertificates", Op(life.list_deleted, p("list", "read"))),
        ("GET", "/deletedcertificates/{name}", Op(life.get_deleted, p("get", "read"))),
        ("DELETE", "/deletedcertificates/{name}", Op(life.purge, p("purge", "purge/action"))),
        ("POST", "/deletedcertificates/{name}/recover", Op(life.recover, p("recover", "recover/action"))),
        ("GET", "/certificates/contacts", Op(contacts.get_contacts, q("managecontacts", "certificatecontacts/read"))),
        ("PUT", "/certificates/contacts", Op(contacts.set_contacts, q("managecontacts", "certificatecontacts/write"))),
        ("DELETE", "/certificates/contacts",
         Op(contacts.delete_contacts, q("managecontacts", "certificatecontacts/write"))),
        ("GET", "/certificates/issuers", Op(contacts.list_issuers, q("listissuers", "certificatecas/read"))),
        ("GET", "/certificates/issuers/{issuer}", Op(contacts.get_issuer, q("getissuers", "certificatecas/read"))),
        ("PUT", "/certificates/issuers/{issuer}", Op(contacts.set_issuer, q("setissuers", "certificatecas/write"))),
        ("PATCH", "/certificates/issuers/{issuer}",
         Op(contacts.update_issuer, q("setissuers", "certificatecas/write"))),
        ("DELETE", "/certificates/issuers/{issuer}",
         Op(contacts.delete_issuer, q("deleteissuers", "certificatecas/delete"))),
    ]


def vault_routes(store: Store, protector: Protector, sealer: Sealer) -> list[Route]:
    """Every data-plane route: secrets, keys, and certificates with the keys and secrets they manage."""
    keys = Keys(store, protector)
    key_life = KeyLifecycle(keys, sealer)
    certs = Certificates(store, keys, protector)
    return (
        secret_routes(Secrets(store, protector, sealer), certs.owns)
        + key_routes(keys, key_life, KeyOperations(keys))
        + certificate_routes(certs, CertificateLifecycle(certs, key_life, sealer), CertificateOperations(certs),
                             CertificateContacts(store, protector))
    )


class VaultApp:
    def __init__(
        self, *, lookup: VaultLookup, gate: Gate, routes: list[tuple[str, str, Op]], max_body: int,
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
                    raise network_refusal(admission, landing, vault, caller.describe())
            authorization = self.gate.decide(vault, caller, op.need, object_name)
            if not authorization.allowed:
                raise self.gate.refusal(authorization, vault, caller)
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


def decision_entry(vault: VaultInfo, arrival: Arrival, admission: Admission, landing: Landing, caller: Caller,
                   authorization: Authorization | None) -> dict[str, Any]:
    """One request's decision as the decision log keeps it: the way in, the network rule, then who asked for
    what and the role or permission that decided (None when the network rules refused first)."""
    return {
        "vault": vault.name, "location": arrival.location.describe(), "dns": list(arrival.dns),
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

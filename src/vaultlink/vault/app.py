"""The Key Vault data plane at https://{vault}.vault.azure.net, with its pipeline written once, in order:

vault (by host) -> api-version -> route -> authentication (the bearer challenge) -> network admission
-> authorization (RBAC or access policies) -> operation -> error envelope and Key Vault's headers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from vaultlink.core import errors, web
from vaultlink.core.paths import PathTable
from vaultlink.core.web import Receive, Scope, Send
from vaultlink.identity.tokens import Caller
from vaultlink.network.location import INTERNET, Location
from vaultlink.vault import versions
from vaultlink.vault.auth import Gate, Permission, challenge_header
from vaultlink.vault.model import VaultInfo, VaultLookup
from vaultlink.vault.request import Request
from vaultlink.vault.secrets import Secrets

log = logging.getLogger("vaultlink.vault")

Operation = Callable[[Request], tuple[int, Any]]
class NetworkRules(Protocol):
    """The vault's network rules, applied by whoever knows the network (the runtime, over the network model)."""

    def admit(self, request_id: str, vault: VaultInfo, ext: dict[str, Any], caller: Caller) -> str:
        """The client address the vault sees; raises ForbiddenByConnection or ForbiddenByFirewall."""
        ...

    def client_address(self, vault: VaultInfo, ext: dict[str, Any]) -> str: ...

SERVICE_VERSION = "1.9.2900.1"
S = "Microsoft.KeyVault/vaults/secrets/"


@dataclass(frozen=True)
class Op:
    run: Operation
    need: Permission


def secret_routes(s: Secrets) -> list[tuple[str, str, Op]]:
    def p(name: str, action: str) -> Permission:
        return Permission("secrets", name, S + action)

    return [
        ("GET", "/secrets", Op(s.list, p("list", "readMetadata/action"))),
        ("GET", "/secrets/{name}", Op(s.get, p("get", "getSecret/action"))),
        ("GET", "/secrets/{name}/{version}", Op(s.get, p("get", "getSecret/action"))),
        ("GET", "/secrets/{name}/versions", Op(s.versions, p("list", "readMetadata/action"))),
        ("PUT", "/secrets/{name}", Op(s.set, p("set", "setSecret/action"))),
        ("PATCH", "/secrets/{name}", Op(s.update, p("set", "setSecret/action"))),
        ("PATCH", "/secrets/{name}/{version}", Op(s.update, p("set", "setSecret/action"))),
        ("DELETE", "/secrets/{name}", Op(s.delete, p("delete", "delete"))),
        ("POST", "/secrets/{name}/backup", Op(s.backup, p("backup", "backup/action"))),
        ("POST", "/secrets/restore", Op(s.restore, p("restore", "restore/action"))),
        ("GET", "/deletedsecrets", Op(s.list_deleted, p("list", "readMetadata/action"))),
        ("GET", "/deletedsecrets/{name}", Op(s.get_deleted, p("list", "readMetadata/action"))),
        ("DELETE", "/deletedsecrets/{name}", Op(s.purge, p("purge", "purge/action"))),
        ("POST", "/deletedsecrets/{name}/recover", Op(s.recover, p("recover", "recover/action"))),
    ]


class VaultApp:
    def __init__(
        self, *, lookup: VaultLookup, gate: Gate, routes: list[tuple[str, str, Op]], max_body: int,
        network: NetworkRules | None = None,
    ) -> None:
        self.lookup = lookup
        self.gate = gate
        self.table = PathTable(routes)
        self.max_body = max_body
        self.network = network

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        headers = web.headers_of(scope)
        host = web.host_of(headers, "")
        location: Location = web.extension(scope, "location", INTERNET)
        vault = self.lookup(host.split(".", 1)[0].lower())
        extra = [(b"x-ms-request-id", request_id.encode()),
                 (b"x-ms-keyvault-service-version", SERVICE_VERSION.encode())]
        if vault is not None:
            extra.append((b"x-ms-keyvault-region", vault.location.encode()))
        seen = [location.public_address]
        try:
            body = await web.read_body(receive, self.max_body)
            status, payload = self.handle(scope, headers, body, vault, host, request_id, seen)
        except errors.AzureError as e:
            status, payload = e.status, e.envelope()
            if e.status == 401 and vault is not None:
                extra.append((b"www-authenticate", challenge_header(vault.tenant_id).encode()))
        except Exception:
            log.exception("request %s failed", request_id)
            e2 = errors.InternalServerError(request_id=request_id)
            status, payload = e2.status, e2.envelope()
        extra.append((b"x-ms-keyvault-network-info", f"conn_type=Ipv4;addr={seen[0]};act_addr_fam=InterNetwork;".encode()))
        await web.send_json(send, status, payload, extra, head=scope["method"] == "HEAD")

    def handle(
        self, scope: Scope, headers: dict[str, str], body: bytes, vault: VaultInfo | None, host: str, request_id: str,
        seen: list[str],
    ) -> tuple[int, Any]:
        """`seen` receives the client address the vault sees (for x-ms-keyvault-network-info)."""
        path = web.path_of(scope).rstrip("/") or "/"
        location: Location = web.extension(scope, "location", INTERNET)
        if vault is None:
            raise errors.NotFound(f"The vault for the host '{host}' does not exist.")
        ext = scope.get("extensions", {}).get("vaultlink", {"location": location})
        if path.lower() == "/healthstatus":
            if self.network is not None:
                seen[0] = self.network.client_address(vault, ext)
            return 200, None
        query = web.query_of(scope)
        api_version = versions.check(query.get("api-version"))
        op, params = self.table.find(scope["method"], path)
        caller = self.gate.authenticate(headers.get("authorization"), vault)
        if self.network is not None:
            seen[0] = self.network.admit(request_id, vault, ext, caller)
        self.gate.authorize(vault, caller, op.need, params.get("name"))
        req = Request(vault=vault, caller=caller, params=params, query=query, body=body, base=f"https://{host}",
                      api_version=api_version, client_address=seen[0])
        return op.run(req)

"""The data plane's route table (vault/routes.py): every path Azure documents lands on its operation with the
access-policy permission and RBAC data action Azure names, and literal segments win over versions."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.core.paths import PathTable
from vaultlink.store.sealing import Sealer
from vaultlink.vault.request import Op
from vaultlink.vault.routes import vault_routes

TABLE: PathTable[Op] = PathTable(vault_routes(Any, Any, Sealer(bytes(32)), Any, Any))  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "operation", "permission", "action"), [
    ("POST", "/keys/k/create", "create", "create", "keys/create/action"),
    ("PUT", "/keys/k", "import_key", "import", "keys/import/action"),
    ("GET", "/keys/k/versions", "versions", "list", "keys/read"),
    ("GET", "/keys/k/0123", "get", "get", "keys/read"),
    ("POST", "/keys/k/0123/wrapkey", "wrap_key", "wrapkey", "keys/wrap/action"),
    ("POST", "/keys/k/unwrapkey", "unwrap_key", "unwrapkey", "keys/unwrap/action"),
    ("POST", "/keys/k/0123/verify", "verify", "verify", "keys/verify/action"),
    ("POST", "/keys/k/rotate", "rotate", "rotate", "keys/rotate/action"),
    ("GET", "/keys/k/rotationpolicy", "get_rotation_policy", "getrotationpolicy", "keyrotationpolicies/read"),
    ("PUT", "/keys/k/rotationpolicy", "set_rotation_policy", "setrotationpolicy", "keyrotationpolicies/write"),
    ("POST", "/keys/restore", "restore", "restore", "keys/restore/action"),
    ("DELETE", "/deletedkeys/k", "purge", "purge", "keys/purge/action"),
    ("POST", "/deletedkeys/k/recover", "recover", "recover", "keys/recover/action"),
    ("POST", "/certificates/c/create", "create", "create", "certificates/create/action"),
    ("POST", "/certificates/c/import", "import_certificate", "import", "certificates/import/action"),
    ("GET", "/certificates/c/policy", "get_policy", "get", "certificates/read"),
    ("PATCH", "/certificates/c/policy", "update_policy", "update", "certificates/update/action"),
    ("PATCH", "/certificates/c/0123", "update", "update", "certificates/update/action"),
    ("DELETE", "/certificates/c/pending", "delete", "update", "certificates/update/action"),
    ("POST", "/certificates/c/pending/merge", "merge", "create", "certificates/create/action"),
    ("GET", "/certificates/contacts", "get_contacts", "managecontacts", "certificatecontacts/read"),
    ("DELETE", "/certificates/contacts", "delete_contacts", "managecontacts", "certificatecontacts/write"),
    ("GET", "/certificates/issuers", "list_issuers", "listissuers", "certificatecas/read"),
    ("PATCH", "/certificates/issuers/i", "update_issuer", "setissuers", "certificatecas/write"),
    ("DELETE", "/certificates/issuers/i", "delete_issuer", "deleteissuers", "certificatecas/delete"),
    ("POST", "/certificates/restore", "restore", "restore", "certificates/restore/action"),
    ("DELETE", "/deletedcertificates/c", "purge", "purge", "certificates/purge/action"),
    ("PUT", "/secrets/s", "run", "set", "secrets/setSecret/action"),  # guarded for certificate-backed secrets
])
def test_routes(method: str, path: str, operation: str, permission: str, action: str) -> None:
    op, _ = TABLE.find(method, path)
    assert op.run.__name__ == operation
    assert op.need.name == permission and op.need.data_action == f"Microsoft.KeyVault/vaults/{action}"


def test_throttle_request_types() -> None:
    assert TABLE.find("POST", "/keys/k/create")[0].request_type == "key-create"
    assert TABLE.find("POST", "/keys/k/rotate")[0].request_type == "key-create"
    assert TABLE.find("PUT", "/secrets/s")[0].request_type == "secret-create"
    assert TABLE.find("GET", "/keys/k")[0].request_type == "other"

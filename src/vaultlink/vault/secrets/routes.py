"""Routes of secrets (secrets.json in the REST specs): each names its operation id, the access-policy
permission and RBAC data action it needs, and from which api-version it exists."""

from __future__ import annotations

from collections.abc import Callable

from vaultlink.vault import throttle
from vaultlink.vault.auth import Permission
from vaultlink.vault.certificates.secrets import guard
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.request import Op, Operation, Route
from vaultlink.vault.secrets.lifecycle import SecretLifecycle
from vaultlink.vault.secrets.service import Secrets

S = "Microsoft.KeyVault/vaults/secrets/"


def routes(s: Secrets, life: SecretLifecycle, owned: Callable[[VaultInfo, str], bool] | None = None) -> list[Route]:
    """`owned` tells the secrets that back a certificate: writing them directly is refused, as in Azure."""

    def p(name: str, action: str) -> Permission:
        return Permission("secrets", name, S + action)

    def managed(op: Operation, operation: str) -> Operation:
        return op if owned is None else guard(op, operation, owned)

    read, get, write = p("list", "readMetadata/action"), p("get", "getSecret/action"), p("set", "setSecret/action")
    return [
        ("GET", "/secrets", Op("Secrets_GetSecrets", s.list, read)),
        ("GET", "/secrets/{name}", Op("Secrets_GetSecret", s.get, get)),
        ("GET", "/secrets/{name}/{version}", Op("Secrets_GetSecret", s.get, get)),
        ("GET", "/secrets/{name}/versions", Op("Secrets_GetSecretVersions", s.versions, read)),
        ("PUT", "/secrets/{name}", Op("Secrets_SetSecret", managed(s.set, "set"), write,
                                      request_type=throttle.SECRET_CREATE)),
        ("PATCH", "/secrets/{name}", Op("Secrets_UpdateSecret", managed(s.update, "update"), write)),
        ("PATCH", "/secrets/{name}/{version}", Op("Secrets_UpdateSecret", managed(s.update, "update"), write)),
        ("DELETE", "/secrets/{name}", Op("Secrets_DeleteSecret", managed(life.delete, "delete"), p("delete", "delete"))),
        ("POST", "/secrets/{name}/backup",
         Op("Secrets_BackupSecret", managed(life.backup, "backup"), p("backup", "backup/action"))),
        ("POST", "/secrets/restore", Op("Secrets_RestoreSecret", life.restore, p("restore", "restore/action"))),
        ("GET", "/deletedsecrets", Op("Secrets_GetDeletedSecrets", life.list_deleted, read)),
        ("GET", "/deletedsecrets/{name}", Op("Secrets_GetDeletedSecret", life.get_deleted, read)),
        ("DELETE", "/deletedsecrets/{name}",
         Op("Secrets_PurgeDeletedSecret", managed(life.purge, "purge"), p("purge", "purge/action"))),
        ("POST", "/deletedsecrets/{name}/recover",
         Op("Secrets_RecoverDeletedSecret", managed(life.recover, "recover"), p("recover", "recover/action"))),
    ]

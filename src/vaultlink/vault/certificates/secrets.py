"""The secret behind a certificate, kept in the secrets' own records so the secrets API reads it as Azure shows
it: the PFX or PEM as the value, the certificate's content type, `kid` naming the key, and `managed: true`.

Only certificates write here. The secrets API refuses to set, update, delete, recover, purge or back up a
secret whose name belongs to a certificate (SecretManagedByKeyVault), as Azure does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultlink.store import Store, Transaction
from vaultlink.vault import objects
from vaultlink.vault.collection import Collection
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request
from vaultlink.vault.secrets.errors import SecretManagedByKeyVault
from vaultlink.vault.secrets.service import DELETED, SECRET, VERSION

Operation = Callable[[Request], tuple[int, Any]]


def _key(vault: VaultInfo, name: str) -> str:
    return f"{vault.instance}/{name.lower()}"


def _context(name: str, version: str) -> str:
    return f"secret:{name.lower()}/{version}"  # the secrets' own binding, so their reads open it


class CertificateSecrets:
    def __init__(self, store: Store, protector: Protector) -> None:
        self.store = store
        self.protector = protector
        self.objects = Collection(store, SECRET, VERSION, DELETED, "secrets")

    def occupied(self, tx: Transaction, vault: VaultInfo, name: str) -> bool:
        """A live secret, or a deleted one still in retention, holds the name; an expired one is purged."""
        if tx.get(SECRET, _key(vault, name)) is not None:
            return True
        deleted = tx.get(DELETED, _key(vault, name))
        if deleted is not None and deleted.body["scheduledPurgeDate"] <= objects.now():
            self.purge(tx, vault, name)
            return False
        return deleted is not None

    def put_version(self, tx: Transaction, vault: VaultInfo, name: str, version: str, value: str,
                    content_type: str, attributes: dict[str, Any], kid: str) -> None:
        ver = {"version": version,
               "value": self.protector.encrypt(vault.instance, value.encode(), _context(name, version)),
               "contentType": content_type, "tags": None, "attributes": attributes, "kid": kid}
        tx.put(VERSION, f"{_key(vault, name)}/{version}", ver, expect=0)
        head = tx.get(SECRET, _key(vault, name))
        body = {"name": head.body["name"] if head else name, "current": version}
        tx.put(SECRET, _key(vault, name), body, expect=head.version if head else 0)

    def value(self, vault: VaultInfo, name: str, version: str) -> tuple[str, dict[str, Any]]:
        rec = self.store.get(VERSION, f"{_key(vault, name)}/{version}")
        assert rec is not None
        plain = self.protector.decrypt(vault.instance, rec.body["value"], _context(name, version)).decode()
        return plain, rec.body

    def set_attributes(self, tx: Transaction, vault: VaultInfo, name: str, version: str, changes: dict[str, Any]) -> None:
        rec = tx.get(VERSION, f"{_key(vault, name)}/{version}")
        if rec is not None:
            tx.put(VERSION, rec.key, {**rec.body, "attributes": {**rec.body["attributes"], **changes}},
                   expect=rec.version)

    def soft_delete(self, tx: Transaction, vault: VaultInfo, name: str, deleted_date: int) -> None:
        self.objects.soft_delete(tx, vault, name, deleted_date)

    def restore_deleted(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        self.objects.recover(tx, vault, name, ("name", "current"))

    def purge(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        self.objects.purge(tx, vault, name)

    def restore_version(self, tx: Transaction, vault: VaultInfo, name: str, ver: dict[str, Any], plain: str) -> None:
        sealed = self.protector.encrypt(vault.instance, plain.encode(), _context(name, ver["version"]))
        tx.put(VERSION, f"{_key(vault, name)}/{ver['version']}", {**ver, "value": sealed}, expect=0)

    def set_current(self, tx: Transaction, vault: VaultInfo, name: str, current: str) -> None:
        tx.put(SECRET, _key(vault, name), {"name": name, "current": current}, expect=0)


def guard(op: Operation, operation: str, is_managed: Callable[[VaultInfo, str], bool]) -> Operation:
    """The secrets operation `op`, refused for a secret that backs a certificate."""

    def run(req: Request) -> tuple[int, Any]:
        name = req.params.get("name", "")
        if name and is_managed(req.vault, name):
            raise SecretManagedByKeyVault(operation=operation)
        return op(req)

    return run

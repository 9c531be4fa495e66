"""A key's life after its versions: soft delete, the deleted keys, recovery, purge, backup and restore.

Deleting moves the key's record to the deleted keys (its versions and rotation policy stay where they are);
recovering moves it back. Retention follows the vault's softDeleteRetentionInDays, and purge is refused while
the vault has purge protection. A backup is sealed with vaultlink's root key and opens only in a vault of the
same subscription.
"""

from __future__ import annotations

import base64
from typing import Any

from vaultlink.store import Transaction
from vaultlink.store.sealing import Sealer
from vaultlink.vault import backup, objects
from vaultlink.vault.errors import ObjectConflict, PurgeProtected
from vaultlink.vault.keys.errors import DeletedKeyNotFound, KeyManagedByKeyVault
from vaultlink.vault.keys.service import KEY, POLICY, VERSION, Keys, record_key, sealing_context
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.request import Request


class KeyLifecycle:
    def __init__(self, keys: Keys, sealer: Sealer) -> None:
        self.keys = keys
        self.store = keys.store
        self.sealer = sealer

    def _deleted(self, req: Request, deleted: dict[str, Any], ver: dict[str, Any]) -> dict[str, Any]:
        return {**self.keys.bundle(req, deleted["name"], deleted, ver),
                **self.keys.objects.deletion(deleted, deleted["name"], req)}

    # ---- delete, and the records certificates share -----------------------------------------------------
    def delete(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            head, ver = self.keys.current(req.vault, name, tx)
            if head.body.get("managed"):
                raise KeyManagedByKeyVault(operation="delete")
            deleted = self.soft_delete(tx, req.vault, name)
        return 200, self._deleted(req, deleted, ver.body)

    def soft_delete(self, tx: Transaction, vault: VaultInfo, name: str) -> dict[str, Any]:
        deleted = self.keys.objects.soft_delete(tx, vault, name)
        assert deleted is not None
        return deleted

    def restore_deleted(self, tx: Transaction, vault: VaultInfo, name: str) -> dict[str, Any]:
        """Moves a deleted key back; the caller has checked that it is recoverable."""
        head = self.keys.objects.recover(tx, vault, name, ("name", "current", "managed"))
        assert head is not None
        return head

    # ---- deleted keys -----------------------------------------------------------------------------------
    def get_deleted(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        deleted = self.keys.deleted_record(self.store, req.vault, name)
        if deleted is None:
            raise DeletedKeyNotFound(name=name)
        ver = self.store.get(VERSION, f"{record_key(req.vault, name)}/{deleted['current']}")
        assert ver is not None
        return 200, self._deleted(req, deleted, ver.body)

    def list_deleted(self, req: Request) -> tuple[int, Any]:
        return 200, self.keys.objects.deleted_listing(req, lambda rec: self.keys.listed(req, rec))

    def recover(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            deleted = self.keys.deleted_record(tx, req.vault, name)
            if deleted is None:
                raise DeletedKeyNotFound(name=name)
            if deleted.get("managed"):
                raise KeyManagedByKeyVault(operation="recover")
            head = self.restore_deleted(tx, req.vault, name)
            ver = tx.get(VERSION, f"{record_key(req.vault, name)}/{head['current']}")
            assert ver is not None
        return 200, self.keys.bundle(req, head["name"], head, ver.body)

    def purge(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        if req.vault.purge_protection:
            raise PurgeProtected()
        with self.store.transaction() as tx:
            deleted = self.keys.deleted_record(tx, req.vault, name)
            if deleted is None:
                raise DeletedKeyNotFound(name=name)
            if deleted.get("managed"):
                raise KeyManagedByKeyVault(operation="purge")
            self.keys.purge_records(tx, req.vault, name)
        return 204, None

    # ---- backup and restore -----------------------------------------------------------------------------
    def backup(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        head, _ = self.keys.current(req.vault, name)
        if head.body.get("managed"):
            raise KeyManagedByKeyVault(operation="backup")
        versions = []
        for rec in self.store.list(VERSION, f"{record_key(req.vault, name)}/"):
            der = self.keys.protector.decrypt(req.vault.instance, rec.body["private"],
                                              sealing_context(name, rec.body["version"]))
            versions.append({**rec.body, "private": base64.b64encode(der).decode()})
        policy = self.store.get(POLICY, record_key(req.vault, name))
        return 200, backup.seal(self.sealer, "key", req.vault, {
            "name": head.body["name"], "current": head.body["current"], "versions": versions,
            "policy": policy.body if policy else None})

    def restore(self, req: Request) -> tuple[int, Any]:
        payload = backup.open_blob(self.sealer, req.json().get("value"), "key", req.vault)
        name = payload["name"]
        with self.store.transaction() as tx:
            if tx.get(KEY, record_key(req.vault, name)) is not None or self.keys.deleted_record(tx, req.vault, name):
                raise ObjectConflict(message=f"Key {name} already exists; a backup can be restored only under a "
                                     "name that is not in use.")
            self.keys.purge_records(tx, req.vault, name)
            for ver in payload["versions"]:
                der = base64.b64decode(ver["private"])
                sealed = self.keys.protector.encrypt(req.vault.instance, der, sealing_context(name, ver["version"]))
                tx.put(VERSION, f"{record_key(req.vault, name)}/{ver['version']}", {**ver, "private": sealed}, expect=0)
            head = {"name": name, "current": payload["current"], "managed": False}
            tx.put(KEY, record_key(req.vault, name), head, expect=0)
            if payload.get("policy"):
                tx.put(POLICY, record_key(req.vault, name), payload["policy"], expect=0)
            current = tx.get(VERSION, f"{record_key(req.vault, name)}/{payload['current']}")
            assert current is not None
        return 200, self.keys.bundle(req, name, head, current.body)

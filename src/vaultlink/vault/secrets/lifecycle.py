"""A secret's life after its versions: soft delete, the deleted secrets, recovery, purge, backup and restore.

Deleting moves the secret to the deleted secrets (its versions stay where they are); recovering moves it back.
Retention follows the vault's softDeleteRetentionInDays, and purge is refused while the vault has purge
protection. A backup is sealed with vaultlink's root key and opens only in a vault of the same subscription.
"""

from __future__ import annotations

import base64
from typing import Any

from vaultlink.store import Record
from vaultlink.store.sealing import Sealer
from vaultlink.vault import backup, objects
from vaultlink.vault.errors import ObjectConflict, PurgeProtected
from vaultlink.vault.request import Request
from vaultlink.vault.secrets.errors import DeletedSecretNotFound
from vaultlink.vault.secrets.service import SECRET, VERSION, Secrets, record_key


class SecretLifecycle:
    def __init__(self, secrets: Secrets, sealer: Sealer) -> None:
        self.secrets = secrets
        self.store = secrets.store
        self.sealer = sealer

    def delete(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            _, ver = self.secrets.current(req.vault, name, tx)
            deleted = self.secrets.objects.soft_delete(tx, req.vault, name)
            assert deleted is not None
        return 200, self.secrets.deleted(req, deleted, ver)


    def get_deleted(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        deleted = self.secrets.deleted_record(self.store, req.vault, name)
        if deleted is None:
            raise DeletedSecretNotFound()
        ver = self.store.get(VERSION, f"{record_key(req.vault, name)}/{deleted['current']}")
        assert ver is not None
        return 200, self.secrets.deleted(req, deleted, ver.body)

    def list_deleted(self, req: Request) -> tuple[int, Any]:
        def item(deleted: Record) -> dict[str, Any] | None:
            ver = self.secrets.objects.current_version(deleted)
            return None if ver is None else self.secrets.item(req, deleted.body["name"], ver.body, versioned=False)

        return 200, self.secrets.objects.deleted_listing(req, item)

    def recover(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            deleted = self.secrets.deleted_record(tx, req.vault, name)
            if deleted is None:
                raise DeletedSecretNotFound()
            secret = self.secrets.objects.recover(tx, req.vault, name, ("name", "current"))
            assert secret is not None
            ver = tx.get(VERSION, f"{record_key(req.vault, name)}/{secret['current']}")
            assert ver is not None
        return 200, self.secrets.bundle(req, secret["name"], ver.body, value=False)

    def purge(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        if req.vault.purge_protection:
            raise PurgeProtected()
        with self.store.transaction() as tx:
            if self.secrets.deleted_record(tx, req.vault, name) is None:
                raise DeletedSecretNotFound()
            self.secrets.objects.purge(tx, req.vault, name)
        return 204, None

    # ---- backup and restore -----------------------------------------------------------------------------
    def backup(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        secret, _ = self.secrets.current(req.vault, name)
        versions = []
        for rec in self.store.list(VERSION, f"{record_key(req.vault, name)}/"):
            plain = self.secrets.protector.decrypt(req.vault.instance, rec.body["value"], f"secret:{name.lower()}/{rec.body['version']}")
            versions.append({**rec.body, "value": base64.b64encode(plain).decode()})
        return 200, backup.seal(self.sealer, "secret", req.vault,
                                {"name": secret["name"], "current": secret["current"], "versions": versions})

    def restore(self, req: Request) -> tuple[int, Any]:
        payload = backup.open_blob(self.sealer, req.json().get("value"), "secret", req.vault)
        name = payload["name"]
        with self.store.transaction() as tx:
            if tx.get(SECRET, record_key(req.vault, name)) is not None or self.secrets.deleted_record(tx, req.vault, name):
                raise ObjectConflict(message=f"Secret {name} already exists; a backup can be restored only under a "
                                     "name that is not in use.")
            tx.delete_prefix(VERSION, f"{record_key(req.vault, name)}/")
            for ver in payload["versions"]:
                plain = base64.b64decode(ver["value"])
                stored = {**ver, "value": self.secrets.protector.encrypt(req.vault.instance, plain, f"secret:{name.lower()}/{ver['version']}")}
                tx.put(VERSION, f"{record_key(req.vault, name)}/{ver['version']}", stored, expect=0)
            tx.put(SECRET, record_key(req.vault, name), {"name": name, "current": payload["current"]}, expect=0)
            current = tx.get(VERSION, f"{record_key(req.vault, name)}/{payload['current']}")
            assert current is not None
        return 200, self.secrets.bundle(req, name, current.body, value=False)

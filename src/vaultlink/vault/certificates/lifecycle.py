"""A certificate's soft delete, the deleted certificates, recovery, purge, backup and restore.

The certificate takes its key and secret along: deleting it soft-deletes both (they show in the deleted keys
and secrets, managed), recovering it brings them back, purging it purges them, and its backup carries them.
"""

from __future__ import annotations

import base64
from typing import Any

from vaultlink.store.sealing import Sealer
from vaultlink.vault import backup, objects
from vaultlink.vault.certificates.errors import CertificateNotFound, DeletedCertificateNotFound
from vaultlink.vault.certificates.service import CERT, PENDING, VERSION, Certificates
from vaultlink.vault.errors import ObjectConflict, PurgeProtected
from vaultlink.vault.keys.lifecycle import KeyLifecycle
from vaultlink.vault.keys.service import DELETED as KEY_DELETED
from vaultlink.vault.keys.service import KEY, record_key, sealing_context
from vaultlink.vault.keys.service import VERSION as KEY_VERSION
from vaultlink.vault.request import Request


class CertificateLifecycle:
    def __init__(self, certs: Certificates, key_lifecycle: KeyLifecycle, sealer: Sealer) -> None:
        self.certs = certs
        self.keys = key_lifecycle
        self.store = certs.store
        self.sealer = sealer

    def _deleted(self, req: Request, deleted: dict[str, Any]) -> dict[str, Any]:
        key = record_key(req.vault, deleted["name"])
        body: dict[str, Any] = {"recoveryId": f"{req.base}/deletedcertificates/{deleted['name']}",
                                "deletedDate": deleted["deletedDate"],
                                "scheduledPurgeDate": deleted["scheduledPurgeDate"]}
        ver = self.store.get(VERSION, f"{key}/{deleted['current']}") if deleted["current"] else None
        pending = self.store.get(PENDING, key)
        if ver is not None:
            body.update(self.certs.bundle(req, deleted["name"], deleted, ver.body))
        elif pending is not None:
            body.update(self.certs.pending_bundle(req, deleted["name"], deleted, pending.body))
        return body

    def delete(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            head = self.certs.head(tx, req.vault, name)
            stamp = objects.now()
            deleted = self.certs.objects.soft_delete(tx, req.vault, name, stamp)
            assert deleted is not None
            if tx.get(KEY, head.key) is not None:
                self.keys.soft_delete(tx, req.vault, name)
            self.certs.secrets.soft_delete(tx, req.vault, name, stamp)
        return 200, self._deleted(req, deleted)

    def get_deleted(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        deleted = self.certs.deleted_record(self.store, req.vault, name)
        if deleted is None:
            raise DeletedCertificateNotFound(name=name)
        return 200, self._deleted(req, deleted)

    def list_deleted(self, req: Request) -> tuple[int, Any]:
        include_pending = req.query.get("includePending", "").lower() == "true"
        return 200, self.certs.objects.deleted_listing(req, lambda rec: self.certs.list_item(req, rec, include_pending))

    def recover(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            deleted = self.certs.deleted_record(tx, req.vault, name)
            if deleted is None:
                raise DeletedCertificateNotFound(name=name)
            key = record_key(req.vault, name)
            self.certs.objects.recover(tx, req.vault, name, ("name", "current", "policy"))
            if tx.get(KEY_DELETED, key) is not None:
                self.keys.restore_deleted(tx, req.vault, name)
            self.certs.secrets.restore_deleted(tx, req.vault, name)
        return self.certs.get(req)

    def purge(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        if req.vault.purge_protection:
            raise PurgeProtected()
        with self.store.transaction() as tx:
            if self.certs.deleted_record(tx, req.vault, name) is None:
                raise DeletedCertificateNotFound(name=name)
            self.certs.purge_records(tx, req.vault, name)
        return 204, None

    # ---- backup and restore -----------------------------------------------------------------------------
    def backup(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        head = self.certs.head(self.store, req.vault, name)
        if head.body["current"] is None:
            raise CertificateNotFound(name=name)  # nothing issued yet: nothing to back up
        key = head.key
        versions = [r.body for r in self.store.list(VERSION, f"{key}/")]
        keys, secrets = [], []
        for rec in self.store.list(KEY_VERSION, f"{key}/"):
            der = self.certs.protector.decrypt(req.vault.instance, rec.body["private"],
                                               sealing_context(name, rec.body["version"]))
            keys.append({**rec.body, "private": base64.b64encode(der).decode()})
        for ver in versions:
            plain, body = self.certs.secrets.value(req.vault, name, ver["version"])
            secrets.append({"version": body, "value": plain})
        return 200, backup.seal(self.sealer, "certificate", req.vault, {
            "name": head.body["name"], "current": head.body["current"], "policy": head.body["policy"],
            "versions": versions, "keys": keys, "secrets": secrets})

    def restore(self, req: Request) -> tuple[int, Any]:
        payload = backup.open_blob(self.sealer, req.json().get("value"), "certificate", req.vault)
        name = payload["name"]
        vault = req.vault
        with self.store.transaction() as tx:
            if self.certs.claim_name(tx, vault, name) is not None:
                raise ObjectConflict(message=f"Certificate {name} already exists; a backup can be restored only under "
                                     "a name that is not in use.")
            key = record_key(vault, name)
            for ver in payload["versions"]:
                tx.put(VERSION, f"{key}/{ver['version']}", ver, expect=0)
            for ver in payload["keys"]:
                sealed = self.certs.protector.encrypt(vault.instance, base64.b64decode(ver["private"]),
                                                      sealing_context(name, ver["version"]))
                tx.put(KEY_VERSION, f"{key}/{ver['version']}", {**ver, "private": sealed}, expect=0)
            for item in payload["secrets"]:
                self.certs.secrets.restore_version(tx, vault, name, item["version"], item["value"])
            tx.put(KEY, key, {"name": name, "current": payload["current"], "managed": True}, expect=0)
            self.certs.secrets.set_current(tx, vault, name, payload["current"])
            head = {"name": name, "current": payload["current"], "policy": payload["policy"]}
            tx.put(CERT, key, head, expect=0)
        current = next(v for v in payload["versions"] if v["version"] == payload["current"])
        return 200, self.certs.bundle(req, name, head, current)

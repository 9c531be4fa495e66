"""Secrets: versions, attributes, soft delete, recovery, purge, backup and restore.

Kept as three kinds of record: the secret (its name and current version), one record per version (the value
sealed under the vault's data key), and the deleted secret (moved there by delete, back by recover).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from vaultlink.store import Reader, Store, Transaction
from vaultlink.store.sealing import SealBroken, Sealer
from vaultlink.vault import objects
from vaultlink.vault.burst import BurstReads
from vaultlink.vault.errors import (
    BadParameter,
    DeletedSecretNotFound,
    ObjectConflict,
    PurgeProtected,
    SecretDisabled,
    SecretNotFound,
)
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request

SECRET, VERSION, DELETED = "kv-secret", "kv-secret-version", "kv-secret-deleted"
MAX_VALUE_BYTES = 25 * 1024
DAY = 86400


def _key(vault: VaultInfo, name: str) -> str:
    return f"{vault.instance}/{name.lower()}"


class Secrets:
    def __init__(self, store: Store, protector: Protector, sealer: Sealer) -> None:
        self.store = store
        self.protector = protector
        self.sealer = sealer
        self.reads = BurstReads(store)
        """What `get` reads with: the hottest request in a vault, often many at once for one secret."""

    # ---- shapes -----------------------------------------------------------------------------------------
    def _bundle(self, req: Request, name: str, version: dict[str, Any], *, value: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if value:
            out["value"] = self.protector.decrypt(
                req.vault.instance, version["value"], f"secret:{name.lower()}/{version['version']}"
            ).decode()
        out["id"] = f"{req.base}/secrets/{name}/{version['version']}"
        if version.get("contentType") is not None:
            out["contentType"] = version["contentType"]
        out["attributes"] = objects.attributes_out(version["attributes"], req.vault)
        if version.get("tags") is not None:
            out["tags"] = version["tags"]
        if version.get("kid"):
            out["kid"] = version["kid"]
            out["managed"] = True
        return out

    def _item(self, req: Request, name: str, version: dict[str, Any], *, versioned: bool) -> dict[str, Any]:
        item = self._bundle(req, name, version, value=False)
        if not versioned:
            item["id"] = f"{req.base}/secrets/{name}"
        return item

    def _deleted(self, req: Request, deleted: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
        body = self._bundle(req, deleted["name"], version, value=False)
        body["recoveryId"] = f"{req.base}/deletedsecrets/{deleted['name']}"
        body["deletedDate"] = deleted["deletedDate"]
        body["scheduledPurgeDate"] = deleted["scheduledPurgeDate"]
        return body

    # ---- reads ------------------------------------------------------------------------------------------
    def _current(self, vault: VaultInfo, name: str, tx: Transaction | BurstReads | None = None,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
        src = tx or self.store
        rec = src.get(SECRET, _key(vault, name))
        if rec is None:
            raise SecretNotFound(name=name)
        ver = src.get(VERSION, f"{_key(vault, name)}/{rec.body['current']}")
        assert ver is not None
        return rec.body, ver.body

    def _version(self, vault: VaultInfo, name: str, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
        rec = self.reads.get(SECRET, _key(vault, name))
        ver = self.reads.get(VERSION, f"{_key(vault, name)}/{version.lower()}") if rec else None
        if rec is None or ver is None:
            raise SecretNotFound(name=f"{name}/{version}")
        return rec.body, ver.body

    def get(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        version = req.params.get("version", "")
        secret, ver = self._version(req.vault, name, version) if version else self._current(req.vault, name, self.reads)
        if not ver["attributes"].get("enabled", True):
            raise SecretDisabled()
        return 200, self._bundle(req, secret["name"], ver, value=True)

    def list(self, req: Request) -> tuple[int, Any]:
        page = objects.page_of(req.query)
        prefix = f"{req.vault.instance}/"
        recs = self.store.list(SECRET, prefix, limit=page.size, after=page.after)
        value = []
        for rec in recs:
            ver = self.store.get(VERSION, f"{rec.key}/{rec.body['current']}")
            if ver is not None:
                value.append(self._item(req, rec.body["name"], ver.body, versioned=False))
        last = recs[-1].key if recs else None
        return 200, {"value": value, "nextLink": objects.next_link(req.base, "/secrets", req.api_version, page, last,
                                                                   len(recs) == page.size)}

    def versions(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        page = objects.page_of(req.query)
        secret = self.store.get(SECRET, _key(req.vault, name))
        if secret is None:
            raise SecretNotFound(name=name)
        recs = self.store.list(VERSION, f"{secret.key}/", limit=page.size, after=page.after)
        value = [self._item(req, secret.body["name"], r.body, versioned=True) for r in recs]
        last = recs[-1].key if recs else None
        link = objects.next_link(req.base, f"/secrets/{secret.body['name']}/versions", req.api_version, page, last,
                                 len(recs) == page.size)
        return 200, {"value": value, "nextLink": link}

    # ---- writes -----------------------------------------------------------------------------------------
    def set(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        value = body.get("value")
        if not isinstance(value, str):
            raise BadParameter(message="The request must have a 'value' property that is a string.")
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise BadParameter(message=f"The secret value is {len(value.encode())} bytes; a secret value may be at most "
                               f"{MAX_VALUE_BYTES} bytes.")
        content_type = body.get("contentType")
        if content_type is not None and not isinstance(content_type, str):
            raise BadParameter(message="'contentType' must be a string.")
        attributes = objects.attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        with self.store.transaction() as tx:
            self._refuse_if_deleted(tx, req.vault, name)
            current = tx.get(SECRET, _key(req.vault, name))
            version = objects.new_version()
            stamp = objects.now()
            ver = {
                "version": version,
                "value": self.protector.encrypt(req.vault.instance, value.encode(), f"secret:{name.lower()}/{version}"),
                "contentType": content_type,
                "tags": tags,
                "attributes": {**attributes, "created": stamp, "updated": stamp},
            }
            tx.put(VERSION, f"{_key(req.vault, name)}/{version}", ver, expect=0)
            secret = {"name": current.body["name"] if current else name, "current": version}
            tx.put(SECRET, _key(req.vault, name), secret, expect=current.version if current else 0)
        return 200, self._bundle(req, secret["name"], ver, value=True)

    def update(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        if "value" in body:
            raise BadParameter(message="A secret's value cannot be changed by an update; set a new version instead.")
        version = req.params.get("version", "")
        with self.store.transaction() as tx:
            secret = tx.get(SECRET, _key(req.vault, name))
            key = f"{_key(req.vault, name)}/{(version or (secret.body['current'] if secret else '')).lower()}"
            rec = tx.get(VERSION, key) if secret else None
            if secret is None or rec is None:
                raise SecretNotFound(name=f"{name}/{version}" if version else name)
            ver = dict(rec.body)
            if "contentType" in body:
                ver["contentType"] = body["contentType"]
            if "tags" in body:
                ver["tags"] = objects.tags_in(body["tags"])
            if body.get("attributes") is not None:
                given = objects.attributes_in({**{k: v for k, v in ver["attributes"].items() if k in ("enabled", "nbf", "exp")},
                                               **body["attributes"]})
                ver["attributes"] = {**{k: v for k, v in ver["attributes"].items() if k in ("created",)}, **given}
            ver["attributes"]["updated"] = objects.now()
            tx.put(VERSION, key, ver, expect=rec.version)
        return 200, self._bundle(req, secret.body["name"], ver, value=False)

    def delete(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            secret, ver = self._current(req.vault, name, tx)
            stamp = objects.now()
            deleted = {**secret, "deletedDate": stamp, "scheduledPurgeDate": stamp + req.vault.soft_delete_days * DAY}
            tx.delete(SECRET, _key(req.vault, name))
            tx.put(DELETED, _key(req.vault, name), deleted)
        return 200, self._deleted(req, deleted, ver)

    # ---- deleted secrets --------------------------------------------------------------------------------
    def _deleted_record(self, tx: Reader, vault: VaultInfo, name: str) -> dict[str, Any] | None:
        rec = tx.get(DELETED, _key(vault, name))
        if rec is None or rec.body["scheduledPurgeDate"] <= objects.now():
            return None  # past its retention, a deleted secret is as good as purged
        return rec.body

    def _refuse_if_deleted(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        if self._deleted_record(tx, vault, name) is not None:
            raise ObjectConflict(message=f"Secret {name} is currently in a deleted but recoverable state, and its name "
                                 "cannot be reused; in this state, the secret can only be recovered or purged.")
        expired = tx.get(DELETED, _key(vault, name))
        if expired is not None:
            self._purge_records(tx, vault, name)

    def get_deleted(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        deleted = self._deleted_record(self.store, req.vault, name)
        if deleted is None:
            raise DeletedSecretNotFound()
        ver = self.store.get(VERSION, f"{_key(req.vault, name)}/{deleted['current']}")
        assert ver is not None
        return 200, self._deleted(req, deleted, ver.body)

    def list_deleted(self, req: Request) -> tuple[int, Any]:
        page = objects.page_of(req.query)
        recs = self.store.list(DELETED, f"{req.vault.instance}/", limit=page.size, after=page.after)
        value = []
        for rec in recs:
            if rec.body["scheduledPurgeDate"] <= objects.now():
                continue
            ver = self.store.get(VERSION, f"{rec.key}/{rec.body['current']}")
            if ver is not None:
                item = self._deleted(req, rec.body, ver.body)
                item["id"] = f"{req.base}/secrets/{rec.body['name']}"
                value.append(item)
        last = recs[-1].key if recs else None
        return 200, {"value": value, "nextLink": objects.next_link(req.base, "/deletedsecrets", req.api_version, page,
                                                                   last, len(recs) == page.size)}

    def recover(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        with self.store.transaction() as tx:
            deleted = self._deleted_record(tx, req.vault, name)
            if deleted is None:
                raise DeletedSecretNotFound()
            secret = {"name": deleted["name"], "current": deleted["current"]}
            tx.delete(DELETED, _key(req.vault, name))
            tx.put(SECRET, _key(req.vault, name), secret, expect=0)
            ver = tx.get(VERSION, f"{_key(req.vault, name)}/{secret['current']}")
            assert ver is not None
        return 200, self._bundle(req, secret["name"], ver.body, value=False)

    def purge(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        if req.vault.purge_protection:
            raise PurgeProtected()
        with self.store.transaction() as tx:
            if self._deleted_record(tx, req.vault, name) is None:
                raise DeletedSecretNotFound()
            self._purge_records(tx, req.vault, name)
        return 204, None

    def _purge_records(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        tx.delete(DELETED, _key(vault, name))
        tx.delete_prefix(VERSION, f"{_key(vault, name)}/")

    # ---- backup and restore -----------------------------------------------------------------------------
    def backup(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        secret, _ = self._current(req.vault, name)
        versions = []
        for rec in self.store.list(VERSION, f"{_key(req.vault, name)}/"):
            plain = self.protector.decrypt(req.vault.instance, rec.body["value"], f"secret:{name.lower()}/{rec.body['version']}")
            versions.append({**rec.body, "value": base64.b64encode(plain).decode()})
        payload = {"kind": "secret", "name": secret["name"], "current": secret["current"], "versions": versions,
                   "subscription": req.vault.subscription_id.lower(), "geography": req.vault.location}
        blob = self.sealer.seal(json.dumps(payload).encode(), "kv-backup")
        return 200, {"value": base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")}

    def restore(self, req: Request) -> tuple[int, Any]:
        raw = req.json().get("value")
        if not isinstance(raw, str) or not raw:
            raise BadParameter(message="The request must have a 'value' property holding a backup blob.")
        try:
            sealed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
            payload = json.loads(self.sealer.unseal(sealed, "kv-backup"))
        except (ValueError, UnicodeDecodeError, SealBroken):
            raise BadParameter(message="The backup blob is not valid: it is damaged, or it was not made by this "
                               "Key Vault service.") from None
        if payload.get("kind") != "secret":
            raise BadParameter(message="The backup blob does not hold a secret.")
        if payload["subscription"] != req.vault.subscription_id.lower():
            raise BadParameter(message="A backup can only be restored to a vault in the same subscription and "
                               "geography as the vault it was taken from.")
        name = payload["name"]
        with self.store.transaction() as tx:
            if tx.get(SECRET, _key(req.vault, name)) is not None or self._deleted_record(tx, req.vault, name):
                raise ObjectConflict(message=f"Secret {name} already exists; a backup can be restored only under a "
                                     "name that is not in use.")
            tx.delete_prefix(VERSION, f"{_key(req.vault, name)}/")
            for ver in payload["versions"]:
                plain = base64.b64decode(ver["value"])
                stored = {**ver, "value": self.protector.encrypt(req.vault.instance, plain, f"secret:{name.lower()}/{ver['version']}")}
                tx.put(VERSION, f"{_key(req.vault, name)}/{ver['version']}", stored, expect=0)
            tx.put(SECRET, _key(req.vault, name), {"name": name, "current": payload["current"]}, expect=0)
            current = tx.get(VERSION, f"{_key(req.vault, name)}/{payload['current']}")
            assert current is not None
        return 200, self._bundle(req, name, current.body, value=False)

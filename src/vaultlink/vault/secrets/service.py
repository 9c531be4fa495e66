"""Secrets: versions and attributes; soft delete, recovery, purge, backup and restore are lifecycle.py's.

Kept in the shared versioned-object collection (collection.py): the secret (its name and current version), one
record per version (the value sealed under the vault's data key), and the deleted secret.
"""

from __future__ import annotations

from typing import Any

from vaultlink.store import Reader, Record, Store, Transaction
from vaultlink.vault import objects
from vaultlink.vault.burst import BurstReads
from vaultlink.vault.collection import Collection
from vaultlink.vault.errors import BadParameter, ObjectConflict
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request
from vaultlink.vault.secrets.errors import SecretDisabled, SecretNotFound

SECRET, VERSION, DELETED = "kv-secret", "kv-secret-version", "kv-secret-deleted"
MAX_VALUE_BYTES = 25 * 1024


def record_key(vault: VaultInfo, name: str) -> str:
    return f"{vault.instance}/{name.lower()}"


class Secrets:
    def __init__(self, store: Store, protector: Protector) -> None:
        self.store = store
        self.protector = protector
        self.reads = BurstReads(store)
        """What `get` reads with: the hottest request in a vault, often many at once for one secret."""
        self.objects = Collection(store, SECRET, VERSION, DELETED, "secrets")

    # ---- shapes -----------------------------------------------------------------------------------------
    def bundle(self, req: Request, name: str, version: dict[str, Any], *, value: bool) -> dict[str, Any]:
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

    def item(self, req: Request, name: str, version: dict[str, Any], *, versioned: bool) -> dict[str, Any]:
        item = self.bundle(req, name, version, value=False)
        if not versioned:
            item["id"] = f"{req.base}/secrets/{name}"
        return item

    def deleted(self, req: Request, deleted: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
        return {**self.bundle(req, deleted["name"], version, value=False),
                **self.objects.deletion(deleted, deleted["name"], req)}

    # ---- reads ------------------------------------------------------------------------------------------
    def current(self, vault: VaultInfo, name: str, src: Reader | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self.objects.current(src or self.store, vault, name)
        if found is None:
            raise SecretNotFound(name=name)
        return found[0].body, found[1].body

    def _version(self, vault: VaultInfo, name: str, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self.objects.version_of(self.reads, vault, name, version)
        if found is None:
            raise SecretNotFound(name=f"{name}/{version}")
        return found[0].body, found[1].body

    def get(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        version = req.params.get("version", "")
        secret, ver = self._version(req.vault, name, version) if version else self.current(req.vault, name, self.reads)
        if not ver["attributes"].get("enabled", True):
            raise SecretDisabled()
        return 200, self.bundle(req, secret["name"], ver, value=True)

    def list(self, req: Request) -> tuple[int, Any]:
        def item(head: Record) -> dict[str, Any] | None:
            ver = self.objects.current_version(head)
            return None if ver is None else self.item(req, head.body["name"], ver.body, versioned=False)

        return 200, self.objects.listing(req, item)

    def versions(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        return 200, self.objects.versions(req, name, lambda head, r: self.item(req, head.body["name"], r.body,
                                                                                versioned=True))

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
            self.refuse_if_deleted(tx, req.vault, name)
            current = tx.get(SECRET, record_key(req.vault, name))
            version = objects.new_version()
            stamp = objects.now()
            ver = {
                "version": version,
                "value": self.protector.encrypt(req.vault.instance, value.encode(), f"secret:{name.lower()}/{version}"),
                "contentType": content_type,
                "tags": tags,
                "attributes": {**attributes, "created": stamp, "updated": stamp},
            }
            tx.put(VERSION, f"{record_key(req.vault, name)}/{version}", ver, expect=0)
            secret = {"name": current.body["name"] if current else name, "current": version}
            tx.put(SECRET, record_key(req.vault, name), secret, expect=current.version if current else 0)
        return 200, self.bundle(req, secret["name"], ver, value=True)

    def update(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        if "value" in body:
            raise BadParameter(message="A secret's value cannot be changed by an update; set a new version instead.")
        version = req.params.get("version", "")
        with self.store.transaction() as tx:
            secret = tx.get(SECRET, record_key(req.vault, name))
            key = f"{record_key(req.vault, name)}/{(version or (secret.body['current'] if secret else '')).lower()}"
            rec = tx.get(VERSION, key) if secret else None
            if secret is None or rec is None:
                raise SecretNotFound(name=f"{name}/{version}" if version else name)
            ver = dict(rec.body)
            if "contentType" in body:
                ver["contentType"] = body["contentType"]
            if "tags" in body:
                ver["tags"] = objects.tags_in(body["tags"])
            if body.get("attributes") is not None:
                if not isinstance(body["attributes"], dict):
                    raise BadParameter(message="The 'attributes' property must be an object.")
                given = objects.attributes_in({**{k: v for k, v in ver["attributes"].items() if k in ("enabled", "nbf", "exp")},
                                               **body["attributes"]})
                ver["attributes"] = {**{k: v for k, v in ver["attributes"].items() if k in ("created",)}, **given}
            ver["attributes"]["updated"] = objects.now()
            tx.put(VERSION, key, ver, expect=rec.version)
        return 200, self.bundle(req, secret.body["name"], ver, value=False)

    # ---- deleted secrets --------------------------------------------------------------------------------
    def deleted_record(self, tx: Reader, vault: VaultInfo, name: str) -> dict[str, Any] | None:
        return self.objects.deleted_record(tx, vault, name)

    def refuse_if_deleted(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        if self.deleted_record(tx, vault, name) is not None:
            raise ObjectConflict(message=f"Secret {name} is currently in a deleted but recoverable state, and its name "
                                 "cannot be reused; in this state, the secret can only be recovered or purged.")
        if tx.get(DELETED, record_key(vault, name)) is not None:
            self.objects.purge(tx, vault, name)  # past its retention

"""Keys: RSA and EC key pairs in versions, with attributes, key_ops, tags, rotation and its policy.

Kept as secrets are: the key (its name, current version, and whether a certificate manages it), one record
per version (the private key as PKCS#8, sealed by the vault's Protector under the key's name and version, with
the public JWK and the attributes beside it), the deleted key, and the rotation policy. Only the public JWK
ever leaves. Soft delete, recovery, purge and backup live in lifecycle.py; the cryptographic operations in
operations.py.
"""

from __future__ import annotations

from typing import Any

from vaultlink.store import Reader, Record, Store, Transaction
from vaultlink.vault import objects
from vaultlink.vault.collection import Collection
from vaultlink.vault.errors import BadParameter, ObjectConflict
from vaultlink.vault.keys import crypto as keycrypto
from vaultlink.vault.keys import rotation as keyrotation
from vaultlink.vault.keys.errors import KeyManagedByKeyVault, KeyNotFound
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request

KEY, VERSION, DELETED, POLICY = "kv-key", "kv-key-version", "kv-key-deleted", "kv-key-rotationpolicy"
DAY = 86400


def record_key(vault: VaultInfo, name: str) -> str:
    return f"{vault.instance}/{name.lower()}"


def sealing_context(name: str, version: str) -> str:
    return f"key:{name.lower()}/{version}"


def attributes_in(value: Any, *, enabled_default: bool = True) -> dict[str, Any]:
    """objects.attributes_in plus 'exportable', which only keys carry."""
    out = objects.attributes_in(value, enabled_default=enabled_default)
    if isinstance(value, dict) and value.get("exportable") is not None:
        if not isinstance(value["exportable"], bool):
            raise BadParameter(message="The attribute 'exportable' must be true or false.")
        out["exportable"] = value["exportable"]
    return out


def release_policy_in(value: Any, exportable: bool) -> dict[str, Any] | None:
    if value is None:
        if exportable:
            raise BadParameter(message="An exportable key must have a release policy ('release_policy').")
        return None
    if not isinstance(value, dict) or not isinstance(value.get("data"), str):
        raise BadParameter(message="'release_policy' must be an object with a base64url 'data' property.")
    keycrypto.from_b64url(value["data"], "release_policy.data")
    return {"contentType": str(value.get("contentType") or "application/json; charset=utf-8"),
            "immutable": bool(value.get("immutable", False)), "data": value["data"]}


class Keys:
    def __init__(self, store: Store, protector: Protector) -> None:
        self.store = store
        self.protector = protector
        self.objects = Collection(store, KEY, VERSION, DELETED, "keys")

    # ---- shapes -----------------------------------------------------------------------------------------
    def bundle(self, req: Request, name: str, head: dict[str, Any], ver: dict[str, Any]) -> dict[str, Any]:
        jwk = {"kid": f"{req.base}/keys/{name}/{ver['version']}", "kty": ver["kty"], "key_ops": ver["key_ops"],
               **ver["public"]}
        out: dict[str, Any] = {"key": jwk, "attributes": self.attributes_out(ver, req.vault)}
        if ver.get("tags") is not None:
            out["tags"] = ver["tags"]
        if head.get("managed"):
            out["managed"] = True
        if ver.get("release_policy") is not None:
            out["release_policy"] = ver["release_policy"]
        return out

    @staticmethod
    def attributes_out(ver: dict[str, Any], vault: VaultInfo) -> dict[str, Any]:
        out = objects.attributes_out(ver["attributes"], vault)
        if "exportable" in ver["attributes"]:
            out["exportable"] = ver["attributes"]["exportable"]
        return out

    def item(self, req: Request, name: str, head: dict[str, Any], ver: dict[str, Any], *, versioned: bool) -> dict[str, Any]:
        kid = f"{req.base}/keys/{name}" + (f"/{ver['version']}" if versioned else "")
        out: dict[str, Any] = {"kid": kid, "attributes": self.attributes_out(ver, req.vault)}
        if ver.get("tags") is not None:
            out["tags"] = ver["tags"]
        if head.get("managed"):
            out["managed"] = True
        return out

    # ---- reads ------------------------------------------------------------------------------------------
    def current(self, vault: VaultInfo, name: str, src: Reader | None = None) -> tuple[Record, Record]:
        found = self.objects.current(src or self.store, vault, name)
        if found is None:
            raise KeyNotFound(name=name)
        return found

    def version(self, vault: VaultInfo, name: str, version: str, src: Reader | None = None) -> tuple[Record, Record]:
        if not version:
            return self.current(vault, name, src)
        found = self.objects.version_of(src or self.store, vault, name, version)
        if found is None:
            raise KeyNotFound(name=f"{name}/{version}")
        return found

    def private_key(self, vault: VaultInfo, name: str, ver: dict[str, Any]) -> keycrypto.PrivateKey:
        der = self.protector.decrypt(vault.instance, ver["private"], sealing_context(name, ver["version"]))
        return keycrypto.load_private(der)

    def get(self, req: Request) -> tuple[int, Any]:
        """The key's public half and attributes, disabled or not: only the cryptographic operations refuse a
        disabled key (unlike a disabled secret, whose value is what a read returns)."""
        name = objects.check_name(req.params["name"])
        head, ver = self.version(req.vault, name, req.params.get("version", ""))
        return 200, self.bundle(req, head.body["name"], head.body, ver.body)

    def listed(self, req: Request, head: Record) -> dict[str, Any] | None:
        """A key (or a deleted key) as a listing shows it: without its version."""
        ver = self.objects.current_version(head)
        return None if ver is None else self.item(req, head.body["name"], head.body, ver.body, versioned=False)

    def list_keys(self, req: Request) -> tuple[int, Any]:
        return 200, self.objects.listing(req, lambda head: self.listed(req, head))

    def versions(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        return 200, self.objects.versions(req, name, lambda head, r: self.item(req, head.body["name"], head.body,
                                                                                r.body, versioned=True))

    # ---- writes -----------------------------------------------------------------------------------------
    def create(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        spec = keycrypto.spec_of(body.get("kty"), body.get("key_size"), body.get("crv"), body.get("public_exponent"))
        key_ops = keycrypto.key_ops_in(body.get("key_ops"), spec.kty)
        attributes = attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        release = release_policy_in(body.get("release_policy"), bool(attributes.get("exportable")))
        self._refuse_managed(req.vault, name, "create")  # before the costly key generation
        private = keycrypto.generate(spec)
        return 200, self._add_version(req, name, spec.kty, private, key_ops, attributes, tags, release, "create")

    def import_key(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        jwk = body.get("key")
        kty, private = keycrypto.import_jwk(jwk)
        hsm = body.get("Hsm")
        if hsm is not None and not isinstance(hsm, bool):
            raise BadParameter(message="'Hsm' must be true or false.")
        if hsm and not kty.endswith("-HSM"):
            kty += "-HSM"
        assert isinstance(jwk, dict)
        key_ops = keycrypto.key_ops_in(jwk.get("key_ops"), kty)
        attributes = attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        release = release_policy_in(body.get("release_policy"), bool(attributes.get("exportable")))
        return 200, self._add_version(req, name, kty, private, key_ops, attributes, tags, release, "import")

    def _refuse_managed(self, vault: VaultInfo, name: str, operation: str) -> None:
        head = self.store.get(KEY, record_key(vault, name))
        if head is not None and head.body.get("managed"):
            raise KeyManagedByKeyVault(operation=operation)

    def _add_version(self, req: Request, name: str, kty: str, private: keycrypto.PrivateKey, key_ops: list[str],
                     attributes: dict[str, Any], tags: dict[str, str] | None, release: dict[str, Any] | None,
                     operation: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            self.refuse_if_deleted(tx, req.vault, name)
            head = tx.get(KEY, record_key(req.vault, name))
            if head is not None and head.body.get("managed"):
                raise KeyManagedByKeyVault(operation=operation)
            version = objects.new_version()
            ver = self.put_version(tx, req.vault, name, version, kty, private, key_ops, attributes, tags, release)
            body: dict[str, Any] = {"name": head.body["name"] if head else name, "current": version,
                                    "managed": False}
            tx.put(KEY, record_key(req.vault, name), body, expect=head.version if head else 0)
        return self.bundle(req, body["name"], body, ver)

    def put_version(self, tx: Transaction, vault: VaultInfo, name: str, version: str, kty: str,
                    private: keycrypto.PrivateKey, key_ops: list[str], attributes: dict[str, Any],
                    tags: dict[str, str] | None, release: dict[str, Any] | None = None) -> dict[str, Any]:
        """Writes one version; the private key only ever through the Protector."""
        stamp = objects.now()
        ver = {
            "version": version,
            "kty": kty,
            "key_ops": key_ops,
            "public": keycrypto.public_jwk(private),
            "private": self.protector.encrypt(vault.instance, keycrypto.dump_private(private),
                                              sealing_context(name, version)),
            "attributes": {**attributes, "created": stamp, "updated": stamp},
            "tags": tags,
            "release_policy": release,
        }
        tx.put(VERSION, f"{record_key(vault, name)}/{version}", ver, expect=0)
        return ver

    def update(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        version = req.params.get("version", "")
        with self.store.transaction() as tx:
            head, rec = self.version(req.vault, name, version, tx)
            if head.body.get("managed"):
                raise KeyManagedByKeyVault(operation="update")
            ver = dict(rec.body)
            if body.get("key_ops") is not None:
                ver["key_ops"] = keycrypto.key_ops_in(body["key_ops"], ver["kty"])
            if "tags" in body:
                ver["tags"] = objects.tags_in(body["tags"])
            if body.get("attributes") is not None:
                if not isinstance(body["attributes"], dict):
                    raise BadParameter(message="The 'attributes' property must be an object.")
                kept = {k: v for k, v in ver["attributes"].items() if k in ("enabled", "nbf", "exp", "exportable")}
                given = attributes_in({**kept, **body["attributes"]})
                if ver["attributes"].get("exportable") and given.get("exportable") is False:
                    raise BadParameter(message="A key that is exportable cannot be made non-exportable.")
                ver["attributes"] = {"created": ver["attributes"]["created"], **given}
            if body.get("release_policy") is not None:
                current = ver.get("release_policy") or {}
                if current.get("immutable"):
                    raise BadParameter(message="The key's release policy is immutable and cannot be changed.")
                ver["release_policy"] = release_policy_in(body["release_policy"], False)
            ver["attributes"]["updated"] = objects.now()
            tx.put(VERSION, rec.key, ver, expect=rec.version)
        return 200, self.bundle(req, head.body["name"], head.body, ver)

    # ---- rotation ---------------------------------------------------------------------------------------
    def rotate(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        head, ver = self.current(req.vault, name)
        if head.body.get("managed"):
            raise KeyManagedByKeyVault(operation="rotate")
        old = self.private_key(req.vault, name, ver.body)
        private = keycrypto.generate(keycrypto.spec_from_key(ver.body["kty"], old))
        policy = self.store.get(POLICY, record_key(req.vault, name))
        attributes: dict[str, Any] = {"enabled": True}
        if "exportable" in ver.body["attributes"]:
            attributes["exportable"] = ver.body["attributes"]["exportable"]
        expiry = policy.body["attributes"].get("expiryTime") if policy else None
        if expiry:
            attributes["exp"] = objects.now() + keyrotation.duration_seconds(expiry, "expiryTime")
        return 200, self._add_version(req, name, ver.body["kty"], private, list(ver.body["key_ops"]), attributes,
                                      ver.body.get("tags"), ver.body.get("release_policy"), "rotate")

    def get_rotation_policy(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        head, _ = self.current(req.vault, name)
        rec = self.store.get(POLICY, record_key(req.vault, name))
        stored = rec.body if rec else keyrotation.default_policy()
        return 200, keyrotation.policy_out(req.base, head.body["name"], stored)

    def set_rotation_policy(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        stored = keyrotation.policy_in(req.json())
        with self.store.transaction() as tx:
            head, _ = self.current(req.vault, name, tx)
            if head.body.get("managed"):
                raise KeyManagedByKeyVault(operation="setrotationpolicy")
            rec = tx.get(POLICY, record_key(req.vault, name))
            stamp = objects.now()
            created = rec.body["attributes"].get("created", stamp) if rec else stamp
            stored["attributes"].update({"created": created, "updated": stamp})
            tx.put(POLICY, record_key(req.vault, name), stored, expect=rec.version if rec else 0)
        return 200, keyrotation.policy_out(req.base, head.body["name"], stored)

    # ---- deleted keys (the lifecycle module adds the operations) ----------------------------------------
    def deleted_record(self, src: Reader, vault: VaultInfo, name: str) -> dict[str, Any] | None:
        return self.objects.deleted_record(src, vault, name)

    def refuse_if_deleted(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        if self.deleted_record(tx, vault, name) is not None:
            raise ObjectConflict(message=f"Key {name} is currently in a deleted but recoverable state, and its name "
                                 "cannot be reused; in this state, the key can only be recovered or purged.")
        if tx.get(DELETED, record_key(vault, name)) is not None:
            self.purge_records(tx, vault, name)

    def purge_records(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        self.objects.purge(tx, vault, name)
        tx.delete(POLICY, record_key(vault, name))

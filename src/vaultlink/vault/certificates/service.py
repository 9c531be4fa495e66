"""Certificates: X.509 certificates with their policy, and the managed key and secret of the same name.

Kept as: the certificate (name, current version, policy), one record per version (the DER certificate, its
thumbprint, attributes, tags), the deleted certificate, and the pending operation. Issuing a version writes,
in one transaction, a key version (managed, sealed by the Protector), a secret version (the PFX or PEM, with
`kid`) and the certificate version, all under one version id. A self-signed certificate is issued at once;
its create answers 202 with the pending operation, which reads "completed" on the first poll.
Pending operations and merge are in operations.py; delete, recovery and backup in lifecycle.py.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from cryptography import x509 as cx509

from vaultlink.core.clock import clock
from vaultlink.store import Reader, Record, Store, Transaction
from vaultlink.vault import objects, versions
from vaultlink.vault.certificates import policy as certpolicy
from vaultlink.vault.certificates import x509
from vaultlink.vault.certificates.contacts import issuer_exists
from vaultlink.vault.certificates.errors import CertificateNotFound
from vaultlink.vault.certificates.secrets import CertificateSecrets
from vaultlink.vault.collection import Collection
from vaultlink.vault.errors import BadParameter, ObjectConflict
from vaultlink.vault.keys import crypto as keycrypto
from vaultlink.vault.keys.service import KEY, Keys, record_key
from vaultlink.vault.keys.service import VERSION as KEY_VERSION
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request

CERT, VERSION, DELETED, PENDING = "kv-cert", "kv-cert-version", "kv-cert-deleted", "kv-cert-pending"
IN_PROGRESS = ("Pending certificate created. Certificate request is in progress. This may take some time based on "
               "the issuer provider. Please check again later.")
AWAITING_MERGE = "Pending certificate created. Please Perform Merge to complete the request."


def key_ops_for(kty: str, usages: list[str]) -> list[str]:
    """The operations of a certificate's key, from the policy's key usage."""
    ops: list[str] = []
    if {"digitalSignature", "nonRepudiation", "keyCertSign", "cRLSign"} & set(usages):
        ops += ["sign", "verify"]
    if kty in keycrypto.RSA_TYPES and {"keyEncipherment", "dataEncipherment"} & set(usages):
        ops += ["encrypt", "decrypt", "wrapKey", "unwrapKey"]
    return ops


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


PRESERVE_SINCE = "7.6"
"""preserveCertOrder came with 7.6 (7.6-preview.2 in the REST specs); older api-versions neither take nor show it."""


def preserve_in(body: dict[str, Any], api_version: str) -> bool | None:
    """A create or import request's preserveCertOrder: None where not given, or not in its api-version."""
    value = body.get("preserveCertOrder")
    if value is None or not versions.at_least(api_version, PRESERVE_SINCE):
        return None
    if not isinstance(value, bool):
        raise BadParameter(message="The property 'preserveCertOrder' must be true or false.")
    return value


def preserve_out(out: dict[str, Any], stored: dict[str, Any], api_version: str) -> None:
    """Adds preserveCertOrder to an answer where the request gave it and the api-version has it."""
    if stored.get("preserveCertOrder") is not None and versions.at_least(api_version, PRESERVE_SINCE):
        out["preserveCertOrder"] = stored["preserveCertOrder"]


class Certificates:
    def __init__(self, store: Store, keys: Keys, protector: Protector) -> None:
        self.store = store
        self.keys = keys
        self.protector = protector
        self.secrets = CertificateSecrets(store, protector)
        self.objects = Collection(store, CERT, VERSION, DELETED, "certificates")

    # ---- what the secrets and keys APIs ask ---------------------------------------------------------------
    def owns(self, vault: VaultInfo, name: str) -> bool:
        """A certificate (live or deleted) of that name manages the secret and key of that name."""
        key = record_key(vault, name)
        return self.store.get(CERT, key) is not None or self.store.get(DELETED, key) is not None

    # ---- shapes -----------------------------------------------------------------------------------------
    def policy_out(self, req: Request, name: str, head: dict[str, Any]) -> dict[str, Any]:
        return certpolicy.policy_out(req.base, name, head["policy"], req.api_version)

    @staticmethod
    def platform(req: Request) -> bool:
        """Whether the request's api-version defines the policy's platformManaged."""
        return versions.at_least(req.api_version, certpolicy.PLATFORM_SINCE)

    def bundle(self, req: Request, name: str, head: dict[str, Any], ver: dict[str, Any]) -> dict[str, Any]:
        v = ver["version"]
        out: dict[str, Any] = {
            "id": f"{req.base}/certificates/{name}/{v}", "kid": f"{req.base}/keys/{name}/{v}",
            "sid": f"{req.base}/secrets/{name}/{v}", "x5t": ver["x5t"], "cer": ver["cer"],
            "attributes": objects.attributes_out(ver["attributes"], req.vault),
            "policy": self.policy_out(req, name, head),
        }
        if ver.get("tags") is not None:
            out["tags"] = ver["tags"]
        preserve_out(out, ver, req.api_version)
        return out

    def pending_bundle(self, req: Request, name: str, head: dict[str, Any], pending: dict[str, Any]) -> dict[str, Any]:
        """A certificate whose first version is still being issued, as Azure shows it: disabled, no cer."""
        out: dict[str, Any] = {
            "id": f"{req.base}/certificates/{name}/{pending['version']}",
            "attributes": objects.attributes_out({**pending["attributes"], "enabled": False}, req.vault),
            "policy": self.policy_out(req, name, head),
            "pending": {"id": f"{req.base}/certificates/{name}/pending"},
        }
        if pending.get("tags") is not None:
            out["tags"] = pending["tags"]
        return out

    def item(self, req: Request, name: str, ver: dict[str, Any], *, versioned: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f"{req.base}/certificates/{name}" + (f"/{ver['version']}" if versioned else "")}
        if ver.get("x5t"):
            out["x5t"] = ver["x5t"]
        attributes = ver["attributes"] if ver.get("x5t") else {**ver["attributes"], "enabled": False}
        out["attributes"] = objects.attributes_out(attributes, req.vault)
        if ver.get("tags") is not None:
            out["tags"] = ver["tags"]
        return out

    # ---- reads ------------------------------------------------------------------------------------------
    def head(self, src: Reader, vault: VaultInfo, name: str) -> Record:
        rec = src.get(CERT, record_key(vault, name))
        if rec is None:
            raise CertificateNotFound(name=name)
        return rec

    def get(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        version = req.params.get("version", "").lower()
        head = self.head(self.store, req.vault, name)
        pending = self.store.get(PENDING, head.key)
        if not version:
            if head.body["current"] is None:
                if pending is None:
                    raise CertificateNotFound(name=name)
                return 200, self.pending_bundle(req, head.body["name"], head.body, pending.body)
            version = head.body["current"]
        ver = self.store.get(VERSION, f"{head.key}/{version}")
        if ver is None:
            if pending is not None and pending.body["version"] == version and pending.body["status"] == "inProgress":
                return 200, self.pending_bundle(req, head.body["name"], head.body, pending.body)
            raise CertificateNotFound(name=f"{name}/{version}")
        return 200, self.bundle(req, head.body["name"], head.body, ver.body)

    def list_certificates(self, req: Request) -> tuple[int, Any]:
        include_pending = req.query.get("includePending", "").lower() == "true"
        return 200, self.objects.listing(req, lambda rec: self.list_item(req, rec, include_pending))

    def list_item(self, req: Request, rec: Record, include_pending: bool) -> dict[str, Any] | None:
        if rec.body["current"] is not None:
            ver = self.store.get(VERSION, f"{rec.key}/{rec.body['current']}")
            return None if ver is None else self.item(req, rec.body["name"], ver.body, versioned=False)
        pending = self.store.get(PENDING, rec.key)
        if include_pending and pending is not None:
            return self.item(req, rec.body["name"], pending.body, versioned=False)
        return None

    def versions(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        return 200, self.objects.versions(req, name, lambda head, r: self.item(req, head.body["name"], r.body,
                                                                                versioned=True))

    # ---- names ------------------------------------------------------------------------------------------
    def deleted_record(self, src: Reader, vault: VaultInfo, name: str) -> dict[str, Any] | None:
        return self.objects.deleted_record(src, vault, name)

    def claim_name(self, tx: Transaction, vault: VaultInfo, name: str) -> Record | None:
        """The live certificate of that name, or None when the name is free for a new one; refuses a name held
        by a deleted certificate or by a key or secret of its own."""
        if self.deleted_record(tx, vault, name) is not None:
            raise ObjectConflict(message=f"Certificate {name} is currently in a deleted but recoverable state, and its "
                                 "name cannot be reused; in this state, the certificate can only be recovered or "
                                 "purged.")
        if tx.get(DELETED, record_key(vault, name)) is not None:
            self.purge_records(tx, vault, name)  # past its retention
        head = tx.get(CERT, record_key(vault, name))
        if head is None and tx.get(KEY, record_key(vault, name)) is None:
            self.keys.refuse_if_deleted(tx, vault, name)  # a deleted key in retention holds its name
        if head is None and (tx.get(KEY, record_key(vault, name)) is not None
                             or self.secrets.occupied(tx, vault, name)):
            raise ObjectConflict(message=f"A key or secret named {name} already exists in this key vault; a "
                                 "certificate needs that name for its own key and secret.")
        return head

    def purge_records(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        key = record_key(vault, name)
        for kind in (CERT, DELETED, PENDING):
            tx.delete(kind, key)
        tx.delete_prefix(VERSION, f"{key}/")
        self.keys.purge_records(tx, vault, name)
        tx.delete(KEY, key)
        self.secrets.purge(tx, vault, name)

    # ---- issuing ----------------------------------------------------------------------------------------
    def issue(self, tx: Transaction, vault: VaultInfo, base: str, name: str, version: str,
              private: keycrypto.PrivateKey, chain: list[cx509.Certificate], policy: dict[str, Any],
              enabled: bool, tags: dict[str, str] | None, preserve: bool | None = None) -> dict[str, Any]:
        """Writes the key, secret and certificate versions and makes them current.

        `chain` is in the order the caller gave it; the secret keeps that order when `preserve` is true, and
        otherwise puts the leaf (the certificate of `private`) first.
        """
        ordered = x509.leaf_first(private, chain)
        leaf = ordered[0]
        cer = x509.der(leaf)
        stamp = objects.now()
        validity = {"enabled": enabled, "nbf": epoch(leaf.not_valid_before_utc), "exp": epoch(leaf.not_valid_after_utc)}
        kty = policy["key_props"]["kty"]
        key_head = tx.get(KEY, record_key(vault, name))
        if key_head is not None and not key_head.body.get("managed"):
            raise ObjectConflict(message=f"A key named {name} already exists in this key vault; a certificate needs "
                                 "that name for its own key.")
        ops = key_ops_for(kty, policy["x509_props"]["key_usage"])
        self.keys.put_version(tx, vault, name, version, kty, private, ops, dict(validity), None)
        tx.put(KEY, record_key(vault, name), {"name": key_head.body["name"] if key_head else name, "current": version,
                                              "managed": True}, expect=key_head.version if key_head else 0)
        content_type = policy["secret_props"]["contentType"]
        exported = private if policy["key_props"]["exportable"] else None
        value = x509.secret_value(content_type, exported, chain if preserve else ordered, preserve_order=bool(preserve))
        self.secrets.put_version(tx, vault, name, version, value, content_type,
                                 {**validity, "created": stamp, "updated": stamp}, f"{base}/keys/{name}/{version}")
        ver: dict[str, Any] = {"version": version, "cer": base64.b64encode(cer).decode(), "x5t": x509.thumbprint(cer),
                               "attributes": {**validity, "created": stamp, "updated": stamp}, "tags": tags}
        if preserve is not None:
            ver["preserveCertOrder"] = preserve
        tx.put(VERSION, f"{record_key(vault, name)}/{version}", ver, expect=0)
        head = tx.get(CERT, record_key(vault, name))
        body = {"name": head.body["name"] if head else name, "current": version, "policy": policy}
        tx.put(CERT, record_key(vault, name), body, expect=head.version if head else 0)
        return ver

    def stamp_policy(self, policy: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        stamp = objects.now()
        created = (old or {}).get("attributes", {}).get("created", stamp)
        policy["attributes"] = {**policy["attributes"], "created": created, "updated": stamp}
        return policy

    def key_for(self, vault: VaultInfo, name: str, head: Record | None, policy: dict[str, Any]) -> keycrypto.PrivateKey:
        """A new key, or the current one when the policy says reuse_key and it still fits the policy."""
        props = policy["key_props"]
        spec = certpolicy.key_spec(props)
        if props["reuse_key"] and head is not None and head.body["current"] is not None:
            _, ver = self.keys.current(vault, name)
            old = self.keys.private_key(vault, name, ver.body)
            if keycrypto.spec_from_key(spec.kty, old) == spec:
                return old
        return keycrypto.generate(spec)

    # ---- create, import, update -------------------------------------------------------------------------
    def create(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        attributes = objects.attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        preserve = preserve_in(body, req.api_version)
        existing = self.store.get(CERT, record_key(req.vault, name))
        if body.get("policy") is None and existing is None:
            raise BadParameter(message="The certificate policy ('policy') is required to create the first version "
                               "of a certificate.")
        if body.get("policy") is not None:
            policy = certpolicy.policy_in(body["policy"], platform=self.platform(req))
        else:
            assert existing is not None
            policy = {**existing.body["policy"]}
        certpolicy.check_issuable(policy)
        issuer = policy["issuer"]["name"]
        if issuer not in (certpolicy.SELF, certpolicy.UNKNOWN) and not issuer_exists(self.store, req.vault, issuer):
            raise BadParameter(message=f"The certificate issuer '{issuer}' was not found in this key vault; set "
                                   "it first, or use the Self or Unknown issuer.")
        enabled = bool(attributes.get("enabled", policy["attributes"]["enabled"]))
        private = self.key_for(req.vault, name, existing, policy)
        subject = certpolicy.subject_of(policy)
        csr = base64.b64encode(x509.csr(private, subject)).decode()
        version, request_id = objects.new_version(), uuid.uuid4().hex
        operation: dict[str, Any] = {"issuer": policy["issuer"], "csr": csr, "cancellation_requested": False,
                                     "request_id": request_id, "version": version, "tags": tags,
                                     "attributes": {"enabled": enabled, "created": objects.now(),
                                                    "updated": objects.now()}}
        if preserve is not None:
            operation["preserveCertOrder"] = preserve
        with self.store.transaction() as tx:
            head = self.claim_name(tx, req.vault, name)
            old_pending = tx.get(PENDING, record_key(req.vault, name))
            if old_pending is not None and old_pending.body["status"] == "inProgress":
                raise ObjectConflict(message=f"Certificate {name} has a certificate operation in progress; cancel or "
                                     "delete it before creating a new version.")
            policy = self.stamp_policy(policy, head.body["policy"] if head else None)
            problem = certpolicy.cannot_issue(policy) if issuer == certpolicy.SELF else None
            if issuer == certpolicy.SELF and problem is None:
                cert = x509.self_signed(private, subject, clock.utcnow())
                self.issue(tx, req.vault, req.base, name, version, private, [cert], policy, enabled, tags, preserve)
                operation.update(status="completed", target=f"{req.base}/certificates/{head.body['name'] if head else name}")
            else:
                operation.update(self._hold(req.vault, name, version, private, issuer, problem))
                body_head = {"name": head.body["name"] if head else name,
                             "current": head.body["current"] if head else None, "policy": policy}
                tx.put(CERT, record_key(req.vault, name), body_head, expect=head.version if head else 0)
            tx.put(PENDING, record_key(req.vault, name), operation,
                   expect=old_pending.version if old_pending else 0)
        answer = {"id": f"{req.base}/certificates/{name}/pending", "issuer": policy["issuer"], "csr": csr,
                  "cancellation_requested": False, "status": "inProgress",
                  "status_details": IN_PROGRESS if issuer != certpolicy.UNKNOWN else AWAITING_MERGE,
                  "request_id": request_id}
        preserve_out(answer, operation, req.api_version)
        return 202, answer

    def _hold(self, vault: VaultInfo, name: str, version: str, private: keycrypto.PrivateKey,
              issuer: str, problem: str | None = None) -> dict[str, Any]:
        """The pending operation of a certificate that is not issued at once: the key waits, sealed, for a merge
        (issuer Unknown); a named issuer's certificate authority is not reachable from vaultlink; and a
        self-signed certificate whose policy names nothing to issue it for (`problem`) ends failed."""
        sealed = self.protector.encrypt(vault.instance, keycrypto.dump_private(private), pending_context(name, version))
        if problem is not None:
            return {"status": "failed", "status_details": problem, "private": sealed,
                    "error": {"code": "BadParameter", "message": problem}}
        if issuer == certpolicy.UNKNOWN:
            return {"status": "inProgress", "status_details": AWAITING_MERGE, "private": sealed}
        return {"status": "failed", "status_details": f"The certificate authority of issuer '{issuer}' could not be "
                "reached.", "private": sealed,
                "error": {"code": "CertificateAuthorityUnreachable",
                          "message": f"vaultlink emulates no public certificate authority, so the issuer '{issuer}' "
                                     "cannot issue; use the Self issuer, or the Unknown issuer and merge a "
                                     "certificate signed elsewhere."}}

    def import_certificate(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        imported = x509.load_import(body.get("value"), body.get("pwd"))
        policy = certpolicy.from_import(imported, body.get("policy"), platform=self.platform(req))
        attributes = objects.attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        enabled = bool(attributes.get("enabled", policy["attributes"]["enabled"]))
        preserve = preserve_in(body, req.api_version)
        with self.store.transaction() as tx:
            head = self.claim_name(tx, req.vault, name)
            policy = self.stamp_policy(policy, head.body["policy"] if head else None)
            version = objects.new_version()
            ver = self.issue(tx, req.vault, req.base, name, version, imported.key, imported.given, policy, enabled,
                             tags, preserve)
            shown = tx.get(CERT, record_key(req.vault, name))
            assert shown is not None
        return 200, self.bundle(req, shown.body["name"], shown.body, ver)

    def update(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        version = req.params.get("version", "").lower()
        raw = body.get("attributes")
        if raw is not None and not isinstance(raw, dict):
            raise BadParameter(message="The 'attributes' property must be an object.")
        with self.store.transaction() as tx:
            head = self.head(tx, req.vault, name)
            version = version or head.body["current"] or ""
            rec = tx.get(VERSION, f"{head.key}/{version}")
            if rec is None:
                raise CertificateNotFound(name=f"{name}/{version}" if req.params.get("version") else name)
            ver = dict(rec.body)
            if "tags" in body:
                ver["tags"] = objects.tags_in(body["tags"])
            changes: dict[str, Any] = {}
            if raw is not None and raw.get("enabled") is not None:
                changes["enabled"] = objects.attributes_in({"enabled": raw["enabled"]})["enabled"]
            ver["attributes"] = {**ver["attributes"], **changes, "updated": objects.now()}
            tx.put(VERSION, rec.key, ver, expect=rec.version)
            if changes:  # the key and secret follow the certificate
                self.secrets.set_attributes(tx, req.vault, name, version, changes)
                self._key_attributes(tx, req.vault, name, version, changes)
            if body.get("policy") is not None:
                policy = self.stamp_policy(certpolicy.merge(head.body["policy"], body["policy"],
                                                                   platform=self.platform(req)), head.body["policy"])
                head_body = {**head.body, "policy": policy}
                tx.put(CERT, head.key, head_body, expect=head.version)
            else:
                head_body = head.body
        return 200, self.bundle(req, head_body["name"], head_body, ver)

    def _key_attributes(self, tx: Transaction, vault: VaultInfo, name: str, version: str, changes: dict[str, Any]) -> None:
        rec = tx.get(KEY_VERSION, f"{record_key(vault, name)}/{version}")
        if rec is not None:
            tx.put(KEY_VERSION, rec.key, {**rec.body, "attributes": {**rec.body["attributes"], **changes}},
                   expect=rec.version)

    # ---- policy -----------------------------------------------------------------------------------------
    def get_policy(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        head = self.head(self.store, req.vault, name)
        return 200, self.policy_out(req, head.body["name"], head.body)

    def update_policy(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        patch = req.json()
        with self.store.transaction() as tx:
            head = self.head(tx, req.vault, name)
            policy = self.stamp_policy(certpolicy.merge(head.body["policy"], patch, platform=self.platform(req)), head.body["policy"])
            body = {**head.body, "policy": policy}
            tx.put(CERT, head.key, body, expect=head.version)
        return 200, self.policy_out(req, body["name"], body)


def pending_context(name: str, version: str) -> str:
    return f"certificate-pending:{name.lower()}/{version}"

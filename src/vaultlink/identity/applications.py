"""Application registrations and their credentials, beside the service principals of directory.py.

In Entra an application (the registration, with its own object id) and its service principal (the identity in
a tenant, whose object id role assignments name and tokens carry as `oid`) are two objects. An application is
kept under kind "application" by its appId; its service principal is directory.py's "app" record with the same
appId. A password credential lives on either and signs the app in while it is valid; the secret itself is
shown once, when it is added, and kept only as a hash.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from vaultlink.core.clock import clock
from vaultlink.identity.directory import APP, APPLICATION, hash_secret, new_secret, parse_time
from vaultlink.store import Reader, Record, Store, Transaction

CREDENTIAL_YEARS = 2
"""Graph's default lifetime of a password credential added without an end date."""


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def legacy_key_id(secret_hash: str) -> str:
    """The keyId a secret made before credentials had ids is listed under (stable, so it can be removed)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, secret_hash))


def password_credentials(body: dict[str, Any]) -> list[dict[str, Any]]:
    """An object's password credentials as Graph shows them (never the secret)."""
    out = [{"customKeyIdentifier": None, "displayName": None, "endDateTime": None, "hint": None,
            "keyId": legacy_key_id(h), "secretText": None, "startDateTime": None}
           for h in body.get("secretHashes", [])]
    for c in body.get("passwordCredentials", []):
        out.append({k: c.get(k) for k in ("customKeyIdentifier", "displayName", "endDateTime", "hint", "keyId",
                                          "startDateTime")} | {"secretText": None})
    return out


def add_password(tx: Transaction, kind: str, rec: Record, given: dict[str, Any]) -> dict[str, Any]:
    """Adds a generated secret to an application or service principal; the answer holds the secret once."""
    now = clock.utcnow()
    start = parse_time(given.get("startDateTime"), now)
    end = parse_time(given.get("endDateTime"), start + timedelta(days=365 * CREDENTIAL_YEARS))
    secret = new_secret()
    credential = {
        "customKeyIdentifier": None,
        "displayName": given.get("displayName") if isinstance(given.get("displayName"), str) else None,
        "endDateTime": _iso(end),
        "hint": secret[:3],
        "keyId": str(uuid.uuid4()),
        "startDateTime": _iso(start),
        "secretHash": hash_secret(secret),
    }
    body = {**rec.body, "passwordCredentials": [*rec.body.get("passwordCredentials", []), credential]}
    tx.put(kind, rec.key, body, expect=rec.version)
    shown = {k: v for k, v in credential.items() if k != "secretHash"}
    return {**shown, "secretText": secret}


def remove_password(tx: Transaction, kind: str, rec: Record, key_id: str) -> bool:
    body = dict(rec.body)
    kept = [c for c in body.get("passwordCredentials", []) if c["keyId"].lower() != key_id.lower()]
    hashes = [h for h in body.get("secretHashes", []) if legacy_key_id(h) != key_id.lower()]
    if len(kept) == len(body.get("passwordCredentials", [])) and len(hashes) == len(body.get("secretHashes", [])):
        return False
    body["passwordCredentials"], body["secretHashes"] = kept, hashes
    tx.put(kind, rec.key, body, expect=rec.version)
    return True


class Applications:
    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self, tenant_id: str) -> list[Record]:
        return [r for r in self.store.list(APPLICATION) if r.body["tenantId"].lower() == tenant_id.lower()]

    def by_object_id(self, reader: Reader, tenant_id: str, object_id: str) -> Record | None:
        for rec in reader.list(APPLICATION):
            if rec.body["id"].lower() == object_id.lower() and rec.body["tenantId"].lower() == tenant_id.lower():
                return rec
        return None

    def create(self, tenant_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        app_id = str(uuid.uuid4())
        body = {
            **fields,
            "id": str(uuid.uuid4()),
            "appId": app_id,
            "tenantId": tenant_id,
            "createdDateTime": _iso(clock.utcnow()),
            "passwordCredentials": [],
        }
        with self.store.transaction() as tx:
            tx.put(APPLICATION, app_id, body, expect=0)
        return body

    def service_principal_for(self, reader: Reader, app_id: str) -> Record | None:
        return reader.get(APP, app_id.lower())

    def create_service_principal(self, tx: Transaction, application: dict[str, Any]) -> dict[str, Any]:
        """The application's identity in its tenant (signs in with the application's secrets or its own)."""
        body = {
            "appId": application["appId"],
            "objectId": str(uuid.uuid4()),
            "tenantId": application["tenantId"],
            "displayName": application["displayName"],
            "servicePrincipalType": "Application",
            "secretHashes": [],
            "passwordCredentials": [],
        }
        tx.put(APP, application["appId"].lower(), body, expect=0)
        return body

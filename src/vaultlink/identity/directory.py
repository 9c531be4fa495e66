"""The directory: tenants, subscriptions, service principals, users and managed identities.

Secrets and passwords are kept only as salted scrypt hashes. Lookups are by what Entra keys them by: the
application (client) id for apps and managed identities, the user principal name for users.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vaultlink.core.clock import clock
from vaultlink.store import Store, Transaction

TENANT, SUBSCRIPTION, APP, USER = "tenant", "subscription", "app", "user"
APPLICATION = "application"
"""Application registrations (applications.py), by appId; "app" records are their service principals."""


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**12, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt)).split("$")[2], digest)


def new_secret() -> str:
    """A client secret in Entra's alphabet. Never starting with '-': az would read `-p -x...` as a flag."""
    while True:
        secret = secrets.token_urlsafe(30)
        if secret[0].isalnum():
            return secret


def parse_time(value: Any, default: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Invalid value specified for property 'endDateTime' of resource 'PasswordCredential': "
                         f"'{value}' is not a date and time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def secret_matches(body: dict[str, Any], secret: str) -> bool:
    """Whether `secret` is one of the object's credentials that is valid now."""
    if any(check_secret(secret, h) for h in body.get("secretHashes", [])):
        return True
    now = clock.utcnow()
    for c in body.get("passwordCredentials", []):
        start = parse_time(c.get("startDateTime"), now)
        end = parse_time(c.get("endDateTime"), now + timedelta(days=1))
        if start <= now < end and check_secret(secret, c["secretHash"]):
            return True
    return False



@dataclass(frozen=True)
class Principal:
    """A service principal, managed identity or user, as the token endpoint sees it."""

    tenant_id: str
    object_id: str
    app_id: str
    kind: str  # "app" (service principal or managed identity) or "user"
    display_name: str
    upn: str | None = None


class Directory:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- tenants and subscriptions ------------------------------------------------------------------------
    def tenant(self, tenant_id: str) -> dict[str, Any] | None:
        rec = self.store.get(TENANT, tenant_id.lower())
        return rec.body if rec else None

    def tenant_by_domain(self, domain: str) -> dict[str, Any] | None:
        for rec in self.store.list(TENANT):
            if rec.body["defaultDomain"].lower() == domain.lower():
                return rec.body
        return None

    def resolve_tenant(self, name: str) -> dict[str, Any] | None:
        """A tenant named by id or by its domain, as login URLs name it."""
        return self.tenant(name) or self.tenant_by_domain(name)

    def tenants(self) -> list[dict[str, Any]]:
        return [r.body for r in self.store.list(TENANT)]

    def create_tenant(self, display_name: str, domain: str | None = None, tx: Transaction | None = None) -> dict[str, Any]:
        tid = str(uuid.uuid4())
        body = {
            "tenantId": tid,
            "displayName": display_name,
            "defaultDomain": (domain or f"{_slug(display_name)}.onmicrosoft.com").lower(),
        }
        self._put(TENANT, tid, body, tx)
        return body

    def subscription(self, subscription_id: str) -> dict[str, Any] | None:
        rec = self.store.get(SUBSCRIPTION, subscription_id.lower())
        return rec.body if rec else None

    def subscriptions(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        subs = [r.body for r in self.store.list(SUBSCRIPTION)]
        return [s for s in subs if tenant_id is None or s["tenantId"].lower() == tenant_id.lower()]

    def create_subscription(self, tenant_id: str, display_name: str, tx: Transaction | None = None) -> dict[str, Any]:
        sid = str(uuid.uuid4())
        body = {"subscriptionId": sid, "tenantId": tenant_id, "displayName": display_name, "state": "Enabled"}
        self._put(SUBSCRIPTION, sid, body, tx)
        return body

    # ---- principals ---------------------------------------------------------------------------------------
    def create_service_principal(
        self, tenant_id: str, display_name: str, *, managed: bool = False, tx: Transaction | None = None
    ) -> tuple[dict[str, Any], str]:
        """Returns the record and the secret, which is shown once and stored only as a hash."""
        secret = new_secret()
        app_id = str(uuid.uuid4())
        body: dict[str, Any] = {
            "appId": app_id,
            "objectId": str(uuid.uuid4()),
            "tenantId": tenant_id,
            "displayName": display_name,
            "servicePrincipalType": "ManagedIdentity" if managed else "Application",
            "secretHashes": [hash_secret(secret)],
        }
        self._put(APP, app_id, body, tx)
        return body, secret

    def create_user(
        self, tenant_id: str, upn: str, display_name: str, password: str | None = None, tx: Transaction | None = None
    ) -> tuple[dict[str, Any], str]:
        password = password or new_secret()
        body = {
            "userPrincipalName": upn,
            "objectId": str(uuid.uuid4()),
            "tenantId": tenant_id,
            "displayName": display_name,
            "passwordHash": hash_secret(password),
        }
        self._put(USER, upn.lower(), body, tx)
        return body, password

    def app(self, app_id: str) -> dict[str, Any] | None:
        rec = self.store.get(APP, app_id.lower())
        return rec.body if rec else None

    def apps(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.store.list(APP) if tenant_id is None or r.body["tenantId"] == tenant_id]

    def user(self, upn: str) -> dict[str, Any] | None:
        rec = self.store.get(USER, upn.lower())
        return rec.body if rec else None

    def users(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.store.list(USER) if tenant_id is None or r.body["tenantId"] == tenant_id]

    def principal_by_object_id(self, object_id: str) -> dict[str, Any] | None:
        """An app, managed identity or user by its object id (principals are few; a scan is fine)."""
        for body in [*self.apps(), *self.users()]:
            if body["objectId"].lower() == object_id.lower():
                return body
        return None

    def authenticate_app(self, app_id: str, secret: str) -> Principal | None:
        """A service principal signs in with its own valid secrets or its application's."""
        app = self.app(app_id)
        if app is None:
            return None
        registration = self.store.get(APPLICATION, app_id.lower())
        if not (secret_matches(app, secret) or (registration is not None and secret_matches(registration.body, secret))):
            return None
        return app_principal(app)

    def authenticate_user(self, upn: str, password: str) -> Principal | None:
        user = self.user(upn)
        if user is None or not check_secret(password, user["passwordHash"]):
            return None
        return user_principal(user)

    def _put(self, kind: str, key: str, body: dict[str, Any], tx: Transaction | None) -> None:
        if tx is not None:
            tx.put(kind, key.lower(), body, expect=0)
            return
        with self.store.transaction() as own:
            own.put(kind, key.lower(), body, expect=0)


def app_principal(app: dict[str, Any]) -> Principal:
    return Principal(app["tenantId"], app["objectId"], app["appId"], "app", app["displayName"])


def user_principal(user: dict[str, Any]) -> Principal:
    return Principal(
        user["tenantId"], user["objectId"], CLI_CLIENT_ID, "user", user["displayName"], user["userPrincipalName"]
    )


CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
"""The az CLI's public client id; a user's token names the client that asked for it."""


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum()) or "tenant"

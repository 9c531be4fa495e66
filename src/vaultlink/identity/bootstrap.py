"""First start, and every start after it: the root key, the token-signing key, and the default identity.

The root key is a file of its own (never in the store); everything else secret is sealed under it in the
store, so several vaultlink processes sharing one PostgreSQL store (and the same root key file) share one
signing key and one default tenant. The first start creates a default tenant with a subscription, a service
principal, a user and a managed identity, each Owner of the subscription; their secrets are sealed in the store and copied to
credentials.json (mode 0600) in each data directory, where `vaultlink env` reads them.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vaultlink.core.files import CREDENTIALS, root_key_path, write_private
from vaultlink.identity.directory import Directory
from vaultlink.identity.rbac import Authorizer
from vaultlink.identity.tokens import SigningKey
from vaultlink.store import Store, StoreConflict
from vaultlink.store.sealing import SealBroken, Sealer

SETTING = "setting"
CANARY = b"vaultlink root key check"


class WrongRootKey(Exception):
    """The store was sealed under another root key."""


def ensure_root_key(data_dir: Path) -> bytes:
    path = root_key_path(data_dir)
    if path.exists():
        return path.read_bytes()
    key = os.urandom(32)
    write_private(path, key)
    return key


def open_sealer(store: Store, data_dir: Path) -> Sealer:
    """The sealer for this store, after checking the root key is the one the store was sealed with."""
    sealer = Sealer(ensure_root_key(data_dir))
    canary = _setting(store, "root-key-check", lambda: {"sealed": sealer.seal(CANARY, "root-key-check")})
    try:
        sealer.unseal(canary["sealed"], "root-key-check")
    except SealBroken:
        raise WrongRootKey(
            f"the store {store.url} was sealed under another root key than {root_key_path(data_dir)}; start with "
            "VAULTLINK_ROOT_KEY_FILE naming the root key of the vaultlink that first used this store"
        ) from None
    return sealer


def signing_key(store: Store, sealer: Sealer, name: str = "token-signing-key") -> SigningKey:
    """A signing key of vaultlink's own, made once and kept sealed in the store under `name`: the token-signing
    key, the attestation providers' key, and the key that signs released keys."""
    def create() -> dict[str, Any]:
        return {"sealed": sealer.seal(SigningKey.generate().to_pem(), name)}

    body = _setting(store, name, create)
    return SigningKey.from_pem(sealer.unseal(body["sealed"], name))


def lazy_signing_key(store: Store, sealer: Sealer, name: str) -> Callable[[], SigningKey]:
    """`signing_key`, made or unsealed when first asked for (most runs never attest or release a key)."""
    return functools.cache(lambda: signing_key(store, sealer, name))


def release_signer(store: Store, sealer: Sealer) -> Callable[[dict[str, Any]], str]:
    """Signs what a key release hands out, with the signing certificate in the header (x5c), as Key Vault's
    release results carry theirs, so a receiver can check where the key came from."""
    key = lazy_signing_key(store, sealer, "key-release-signing-key")
    certificate = functools.cache(lambda: base64.b64encode(key().certificate("vaultlink key release")).decode())

    def sign(payload: dict[str, Any]) -> str:
        return key().sign(payload, x5c=[certificate()])

    return sign


def ensure_default_identity(store: Store, sealer: Sealer, data_dir: Path) -> dict[str, Any]:
    def create() -> dict[str, Any]:
        return {"sealed": sealer.seal(json.dumps(_create_identity(store)).encode(), "default-identity")}

    body = _setting(store, "default-identity", create)
    creds: dict[str, Any] = json.loads(sealer.unseal(body["sealed"], "default-identity"))
    write_private(data_dir / CREDENTIALS, json.dumps(creds, indent=2).encode())
    return creds


def _create_identity(store: Store) -> dict[str, Any]:
    directory = Directory(store)
    with store.transaction() as tx:
        tenant = directory.create_tenant("vaultlink", "vaultlink.onmicrosoft.com", tx=tx)
        tid = tenant["tenantId"]
        sub = directory.create_subscription(tid, "vaultlink subscription", tx=tx)
        sp, sp_secret = directory.create_service_principal(tid, "vaultlink-admin", tx=tx)
        user, password = directory.create_user(tid, "admin@vaultlink.onmicrosoft.com", "vaultlink admin", tx=tx)
        mi, mi_header = directory.create_service_principal(tid, "vaultlink-identity", managed=True, tx=tx)
        scope = f"/subscriptions/{sub['subscriptionId']}"
        authorizer = Authorizer(store)
        for principal, kind in ((sp, "ServicePrincipal"), (user, "User"), (mi, "ServicePrincipal")):
            authorizer.assign(scope=scope, role_id="Owner", principal_id=principal["objectId"], principal_type=kind, tx=tx)
    return {
        "tenantId": tid,
        "tenantDomain": tenant["defaultDomain"],
        "subscriptionId": sub["subscriptionId"],
        "servicePrincipal": {"appId": sp["appId"], "objectId": sp["objectId"], "secret": sp_secret},
        "user": {"userPrincipalName": user["userPrincipalName"], "objectId": user["objectId"], "password": password},
        "managedIdentity": {"clientId": mi["appId"], "objectId": mi["objectId"], "identityHeader": mi_header},
    }


def _setting(store: Store, name: str, create: Any) -> dict[str, Any]:
    """A setting, created once; when two processes race to create it, the first one's stays."""
    existing = store.get(SETTING, name)
    if existing is not None:
        return existing.body
    body: dict[str, Any] = create()
    try:
        with store.transaction() as tx:
            tx.put(SETTING, name, body, expect=0)
        return body
    except StoreConflict:
        winner = store.get(SETTING, name)
        assert winner is not None
        return winner.body


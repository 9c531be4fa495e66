"""First start: a default tenant with a subscription, a service principal (Owner), a user and a managed
identity. Their secrets are written once to credentials.json (mode 0600) in the data directory, where
`vaultlink env` reads them; the store keeps only hashes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vaultlink.identity.directory import Directory
from vaultlink.store import Store

CREDENTIALS = "credentials.json"


def load_credentials(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / CREDENTIALS
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ensure_default_identity(store: Store, data_dir: Path) -> dict[str, Any]:
    existing = load_credentials(data_dir)
    if existing is not None:
        return existing
    directory = Directory(store)
    with store.transaction() as tx:
        tenant = directory.create_tenant("vaultlink", "vaultlink.onmicrosoft.com", tx=tx)
        tid = tenant["tenantId"]
        sub = directory.create_subscription(tid, "vaultlink subscription", tx=tx)
        sp, sp_secret = directory.create_service_principal(tid, "vaultlink-admin", tx=tx)
        user, password = directory.create_user(tid, "admin@vaultlink.onmicrosoft.com", "vaultlink admin", tx=tx)
        mi, mi_header = directory.create_service_principal(tid, "vaultlink-identity", managed=True, tx=tx)
    creds = {
        "tenantId": tid,
        "tenantDomain": tenant["defaultDomain"],
        "subscriptionId": sub["subscriptionId"],
        "servicePrincipal": {"appId": sp["appId"], "objectId": sp["objectId"], "secret": sp_secret},
        "user": {"userPrincipalName": user["userPrincipalName"], "objectId": user["objectId"], "password": password},
        "managedIdentity": {"clientId": mi["appId"], "objectId": mi["objectId"], "identityHeader": mi_header},
    }
    write_private(data_dir / CREDENTIALS, json.dumps(creds, indent=2).encode())
    return creds


def write_private(path: Path, data: bytes) -> None:
    """Writes a file only its owner can read, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def ensure_root_key(data_dir: Path) -> bytes:
    """The key that wraps every vault's data key; kept in its own file, never in the store."""
    path = Path(os.environ.get("VAULTLINK_ROOT_KEY_FILE", data_dir / "root.key"))
    if path.exists():
        return path.read_bytes()
    key = os.urandom(32)
    write_private(path, key)
    return key

"""Making vaults for data-plane tests, through the real management SDK."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from azure.identity import ClientSecretCredential
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running

ALL_SECRET_PERMISSIONS = ["get", "list", "set", "delete", "backup", "restore", "recover", "purge"]


def owner_credential(running: Running) -> ClientSecretCredential:
    c = running.credentials
    return ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"])


def make_vault(running: Running, *, rbac: bool = False, policies: list[dict[str, Any]] | None = None,
               group: str = "rg-data", **properties: Any) -> str:
    c = running.credentials
    cred = owner_credential(running)
    ResourceManagementClient(cred, c["subscriptionId"]).resource_groups.create_or_update(group, {"location": "eastus"})
    name = f"kv{uuid.uuid4().hex[:12]}"
    if policies is None and not rbac:
        policies = [{"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
                     "permissions": {"secrets": ALL_SECRET_PERMISSIONS, "keys": ["all"], "certificates": ["all"]}}]
    props = {"tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"},
             "enableRbacAuthorization": rbac, "accessPolicies": policies or [], **properties}
    KeyVaultManagementClient(cred, c["subscriptionId"]).vaults.begin_create_or_update(
        group, name, {"location": "eastus", "properties": props}).result()
    return name


def vault_url(name: str) -> str:
    return f"https://{name}.vault.azure.net"


def stored_bytes(running: Running) -> bytes:
    """Everything the server's store holds, as bytes: the SQLite file and its WAL, or every PostgreSQL row."""
    url = str(running.state["store"])
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT kind, key, body::text FROM records").fetchall()
        return "\n".join(" ".join(str(c) for c in row) for row in rows).encode()
    db = running.data_dir / "vaultlink.db"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA wal_checkpoint")
    except sqlite3.OperationalError:
        pass
    conn.close()
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())

"""Vault names and soft delete.

Vault names are global: one record per name (kind "vaultname", key = the lower-cased name) says who holds it,
an active vault or a soft-deleted one, so uniqueness across every subscription and tenant is one read and
one write in the caller's transaction. The data plane finds a vault by host through the same record, and
keeps the vault's objects under its `instance`: one id from creation to purge, through soft delete and
recovery.

A deleted vault is kept under kind "deletedvault", keyed by subscription/location/name (outside every resource
group, so it is neither listed nor removed with one), together with the vault body it was, for recovery. Its
name stays taken until it is purged, or until its scheduled purge date passes (then it is gone, as Azure's
own purge would have made it).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from vaultlink.arm import privatelink
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.keyvault import errors as kv
from vaultlink.arm.providers.keyvault import schemas
from vaultlink.arm.providers.keyvault.model import RETENTION_DEFAULT
from vaultlink.arm.services import Services
from vaultlink.core import regions
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction

NAME, DELETED = "vaultname", "deletedvault"
ACTIVE, SOFT_DELETED = "Active", "Deleted"
DAY = 86400.0



def deleted_key(subscription: str, location: str, name: str) -> str:
    return f"{subscription}/{regions.normalize(location)}/{name}".lower()


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expired(deleted: Record) -> bool:
    return float(deleted.body["purgeAt"]) <= clock.now()


def holder(reader: Reader, name: str) -> tuple[Record, Record | None] | None:
    """Who holds a name: its index record and, for a soft-deleted vault, the deleted-vault record. None when
    the name is free (a deleted vault past its scheduled purge date no longer holds it)."""
    rec = reader.get(NAME, name.lower())
    return None if rec is None else _holding(reader, rec)


def _holding(reader: Reader, rec: Record) -> tuple[Record, Record | None] | None:
    if rec.body["state"] == ACTIVE:
        return rec, None
    deleted = reader.get(DELETED, rec.body["deletedKey"])
    if deleted is None or expired(deleted):
        return None
    return rec, deleted


def claim(tx: Transaction, name: str, vault: ResourceId, location: str) -> None:
    """Takes a name for a new vault, or refuses: ConflictError when this subscription holds it soft-deleted,
    VaultAlreadyExists when anyone else holds it.

    The name record is read once and every write is conditional on what was read: the record is created only if
    absent, and what is left of an expired one is removed only at the version seen. A process that takes the
    name meanwhile turns this transaction's write into a StoreConflict (the caller runs the operation again, and
    then sees the name taken); a second read could see that process's record and take it from it."""
    rec = tx.get(NAME, name.lower())
    held = None if rec is None else _holding(tx, rec)
    if held is not None:
        index, deleted = held
        same_sub = index.body["subscriptionId"].lower() == vault.subscription.lower()
        if deleted is not None and same_sub:
            props = deleted.body["deletedVault"]["properties"]
            raise kv.ConflictError(name=name, deleted=props["deletionDate"], purge=props["scheduledPurgeDate"])
        raise kv.VaultAlreadyExists(name=name)
    if rec is not None:
        _forget(tx, rec)
    tx.put(NAME, name.lower(), {"name": name, "state": ACTIVE, "vaultId": str(vault), "instance": str(uuid.uuid4()),
                                "subscriptionId": vault.subscription, "location": location}, expect=0)


def _forget(tx: Transaction, rec: Record) -> None:
    """Drops what is left of a name whose soft-deleted vault has passed its purge date (or is gone), as read."""
    if rec.body["state"] == SOFT_DELETED:
        tx.delete(DELETED, rec.body["deletedKey"])
    tx.delete(NAME, rec.key, expect=rec.version)


def soft_delete(tx: Transaction, vault: ResourceId, body: dict[str, Any]) -> dict[str, Any]:
    """The vault becomes a deleted vault: its connections are dropped (their endpoints left Disconnected) and
    its name stays taken. The caller removes the vault's resource record."""
    now = clock.now()
    days = int(body["properties"].get("softDeleteRetentionInDays", RETENTION_DEFAULT))
    wire = schemas.deleted_vault(body, vault.subscription, timestamp(now), timestamp(now + days * DAY))
    key = deleted_key(vault.subscription, body["location"], body["name"])
    tx.put(DELETED, key, {"deletedVault": wire, "vault": body, "purgeAt": now + days * DAY})
    tx.put(NAME, body["name"].lower(), {"name": body["name"], "state": SOFT_DELETED, "vaultId": str(vault),
                                        "instance": _instance(tx, body["name"]), "subscriptionId": vault.subscription,
                                        "location": body["location"], "deletedKey": key})
    privatelink.target_deleted(tx, vault)
    return wire


def group_deleted(tx: Transaction, vault: ResourceId, body: dict[str, Any]) -> None:
    """The deletion hook: a vault deleted with its resource group is soft-deleted like any other."""
    soft_delete(tx, vault, body)


def recover(tx: Transaction, vault: ResourceId, location: str) -> dict[str, Any]:
    """Takes a soft-deleted vault of this subscription and location back; returns the vault body it had."""
    key = deleted_key(vault.subscription, location, vault.name)
    rec = tx.get(DELETED, key)
    if rec is None or expired(rec):
        raise kv.SoftDeletedVaultDoesNotExist(name=vault.name, location=location, subscription=vault.subscription)
    tx.delete(DELETED, key, expect=rec.version)
    old: dict[str, Any] = rec.body["vault"]
    tx.put(NAME, vault.name.lower(), {"name": old["name"], "state": ACTIVE, "vaultId": str(vault),
                                      "instance": _instance(tx, vault.name), "subscriptionId": vault.subscription,
                                      "location": old["location"]})
    return old


def _instance(tx: Transaction, name: str) -> str:
    """The vault instance a name's record stands for: it survives soft delete and recovery, so the data plane
    keeps a recovered vault's objects, and a vault created after a purge gets a new one (and none of them)."""
    rec = tx.get(NAME, name.lower())
    return str(rec.body.get("instance") or rec.body["vaultId"].lower()) if rec else str(uuid.uuid4())


class DeletedVaults:
    """The deletedVaults routes: list, get, purge."""

    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.operations = services.operations

    def list(self, call: Call) -> Reply:
        sub = call.params["subscriptionId"]
        live = [r.body["deletedVault"] for r in self.store.list(DELETED, f"{sub}/".lower()) if not expired(r)]
        return Reply(200, {"value": live})

    def _find(self, reader: Reader, call: Call) -> Record:
        sub, location, name = call.params["subscriptionId"], call.params["location"], call.params["vaultName"]
        rec = reader.get(DELETED, deleted_key(sub, location, name))
        if rec is None or expired(rec):
            raise kv.DeletedVaultNotFound(name=name, location=location)
        return rec

    def get(self, call: Call) -> Reply:
        return Reply(200, self._find(self.store, call).body["deletedVault"])

    def purge(self, call: Call) -> Reply:
        with self.store.transaction() as tx:
            rec = self._find(tx, call)
            wire = rec.body["deletedVault"]
            if wire["properties"]["purgeProtectionEnabled"]:
                raise kv.DeletedVaultPurgeNotAllowed(name=wire["name"], purge=wire["properties"]["scheduledPurgeDate"])
            tx.delete(DELETED, rec.key, expect=rec.version)
            index = tx.get(NAME, wire["name"].lower())
            if index is not None and index.body.get("deletedKey") == rec.key:
                tx.delete(NAME, index.key, expect=index.version)
        return self.operations.finish(call, Reply(200), namespace="Microsoft.KeyVault",
                                      location=wire["properties"]["location"], result_status=200)

"""Global vault names and soft delete (arm/providers/keyvault/deleted.py) over a real SQLite store, with the
clock shifted past retention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vaultlink.arm.providers.keyvault import deleted
from vaultlink.arm.providers.keyvault.errors import (
    ConflictError,
    SoftDeletedVaultDoesNotExist,
    VaultAlreadyExists,
)
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.store import Store, StoreConflict, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'kv.db'}")
    yield s
    s.close()


@pytest.fixture
def shifted() -> Iterator[None]:
    offset = clock.now() - time.time()
    yield
    clock.shift(offset - (clock.now() - time.time()))  # back to where the clock was


def vault(sub: str, name: str, days: int = 7, protected: bool = False) -> tuple[ResourceId, dict[str, Any]]:
    rid = ResourceId(sub, "rg", "Microsoft.KeyVault", ("vaults",), (name,))
    props: dict[str, Any] = {"softDeleteRetentionInDays": days}
    if protected:
        props["enablePurgeProtection"] = True
    return rid, {"id": str(rid), "name": name, "location": "eastus", "tags": {}, "properties": props}


def test_a_name_is_held_by_one_vault(store: Store) -> None:
    rid, _ = vault("sub-a", "Shared")
    with store.transaction() as tx:
        deleted.claim(tx, "Shared", rid, "eastus")
    other, _ = vault("sub-b", "shared")
    with pytest.raises(VaultAlreadyExists), store.transaction() as tx:
        deleted.claim(tx, "shared", other, "eastus")
    held = deleted.holder(store, "SHARED")
    assert held is not None and held[0].body["vaultId"] == str(rid) and held[1] is None


def test_soft_deleted_names_conflict_then_expire(store: Store, shifted: None) -> None:
    rid, body = vault("sub-a", "gone", days=7)
    with store.transaction() as tx:
        deleted.claim(tx, "gone", rid, "eastus")
        wire = deleted.soft_delete(tx, rid, body)
    assert wire["properties"]["vaultId"] == str(rid) and wire["properties"]["purgeProtectionEnabled"] is False
    with pytest.raises(ConflictError), store.transaction() as tx:
        deleted.claim(tx, "gone", rid, "eastus")  # same subscription: recover or purge it
    with pytest.raises(VaultAlreadyExists), store.transaction() as tx:
        deleted.claim(tx, "gone", vault("sub-b", "gone")[0], "eastus")

    clock.shift(7 * 86400 + 1)  # past the scheduled purge date: gone, as Azure's own purge would leave it
    assert deleted.holder(store, "gone") is None
    with store.transaction() as tx:
        deleted.claim(tx, "gone", vault("sub-b", "gone")[0], "eastus")
    assert store.get(deleted.DELETED, deleted.deleted_key("sub-a", "eastus", "gone")) is None


def test_recover_needs_a_live_deleted_vault(store: Store, shifted: None) -> None:
    rid, body = vault("sub-a", "back", days=7)
    with store.transaction() as tx:
        deleted.claim(tx, "back", rid, "eastus")
        deleted.soft_delete(tx, rid, body)
    with pytest.raises(SoftDeletedVaultDoesNotExist), store.transaction() as tx:
        deleted.recover(tx, rid, "westus")  # deleted vaults are found by location
    with store.transaction() as tx:
        assert deleted.recover(tx, rid, "East US")["name"] == "back"
    held = deleted.holder(store, "back")
    assert held is not None and held[0].body["state"] == deleted.ACTIVE
    with store.transaction() as tx:
        deleted.soft_delete(tx, rid, body)
    clock.shift(8 * 86400)
    with pytest.raises(SoftDeletedVaultDoesNotExist), store.transaction() as tx:
        deleted.recover(tx, rid, "eastus")


def test_the_instance_survives_soft_delete_and_recovery_but_not_a_purge(store: Store, shifted: None) -> None:
    rid, body = vault("sub-a", "kept", days=7)

    def instance() -> str:
        rec = store.get(deleted.NAME, "kept")
        assert rec is not None
        return str(rec.body["instance"])

    with store.transaction() as tx:
        deleted.claim(tx, "kept", rid, "eastus")
    first = instance()
    with store.transaction() as tx:
        deleted.soft_delete(tx, rid, body)
    assert instance() == first
    with store.transaction() as tx:
        deleted.recover(tx, rid, "eastus")
    assert instance() == first
    with store.transaction() as tx:
        deleted.soft_delete(tx, rid, body)
    clock.shift(7 * 86400 + 1)
    with store.transaction() as tx:
        deleted.claim(tx, "kept", rid, "eastus")  # the same id, a new vault
    assert instance() != first


class _BeforeTheOtherCommit:
    """A transaction whose first read of the name saw it free, as a transaction does under READ COMMITTED when
    another node's claim commits just after that read; every later read sees the other node's record."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx
        self._read = False

    def get(self, kind: str, key: str) -> Any:
        if kind == deleted.NAME and not self._read:
            self._read = True
            return None
        return self._tx.get(kind, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


def test_a_claim_committed_by_another_node_meanwhile_is_never_taken_from_it(store: Store) -> None:
    """The name is read once and written only if still absent: the loser's write conflicts (and its operation runs
    again, then sees the name taken), instead of a second read finding the other node's record and removing it."""
    theirs, _ = vault("sub-a", "kv-raced")
    with store.transaction() as tx:
        deleted.claim(tx, "kv-raced", theirs, "eastus")
    mine, _ = vault("sub-b", "kv-raced")
    with pytest.raises(StoreConflict), store.transaction() as tx:
        deleted.claim(_BeforeTheOtherCommit(tx), "kv-raced", mine, "eastus")  # type: ignore[arg-type]
    held = store.get(deleted.NAME, "kv-raced")
    assert held is not None and held.body["vaultId"] == str(theirs)
    with pytest.raises(VaultAlreadyExists), store.transaction() as tx:  # the retry's answer
        deleted.claim(tx, "kv-raced", mine, "eastus")

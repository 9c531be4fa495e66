"""The versioned-object collection that secrets, keys and certificates share.

Each kind of object is kept as three kinds of record, keyed `{vault instance}/{name}`: the head (its name and
current version, and whatever else the object keeps beside them), one record per version (`{key}/{version}`),
and the deleted head (moved there by delete, with its deletedDate and scheduledPurgeDate, and back by recover).
This module owns what follows from that shape alone: the listings and their paging, the versions of one
object, the deleted objects within their retention, soft delete, recovery, and purge. Each room adds what is
its own (the bundles it renders, the values it seals, what else its purge removes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vaultlink.store import Reader, Record, Store, Transaction
from vaultlink.vault import objects
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.request import Request

DAY = 86400

Item = Callable[[Record], dict[str, Any] | None]
"""A listed record (a head or a deleted head) as the listing shows it; None leaves it out."""


@dataclass(frozen=True)
class Collection:
    store: Store
    head: str
    """The record kinds: `kv-secret`, `kv-secret-version`, `kv-secret-deleted` and their key and certificate twins."""
    version: str
    deleted: str
    segment: str
    """The collection's path segment: `secrets`, `keys`, `certificates` (and `deleted{segment}`)."""

    @staticmethod
    def key(vault: VaultInfo, name: str) -> str:
        return f"{vault.instance}/{name.lower()}"

    # ---- reads ------------------------------------------------------------------------------------------
    def current(self, src: Reader, vault: VaultInfo, name: str) -> tuple[Record, Record] | None:
        """The head and its current version; None when there is no such object."""
        head = src.get(self.head, self.key(vault, name))
        if head is None:
            return None
        ver = src.get(self.version, f"{head.key}/{head.body['current']}")
        assert ver is not None
        return head, ver

    def version_of(self, src: Reader, vault: VaultInfo, name: str, version: str) -> tuple[Record, Record] | None:
        head = src.get(self.head, self.key(vault, name))
        ver = src.get(self.version, f"{head.key}/{version.lower()}") if head else None
        return None if head is None or ver is None else (head, ver)

    def listing(self, req: Request, item: Item) -> dict[str, Any]:
        """The vault's objects, a page at a time (GET /{segment})."""
        return self._page(req, self.head, f"/{self.segment}", item)

    def versions(self, req: Request, name: str, item: Callable[[Record, Record], dict[str, Any]]) -> dict[str, Any]:
        """One object's versions, a page at a time (GET /{segment}/{name}/versions); `item` shows (head, version).

        A name that has no object answers an empty page, as Azure does: listing versions is a listing, and an
        empty listing is no error.
        """
        head = self.store.get(self.head, self.key(req.vault, name))
        if head is None:
            return {"value": [], "nextLink": None}
        page = objects.page_of(req.query)
        recs = self.store.list(self.version, f"{head.key}/", limit=page.size, after=page.after)
        last = recs[-1].key if recs else None
        link = objects.next_link(req.base, f"/{self.segment}/{head.body['name']}/versions", req.api_version, page, last,
                                 len(recs) == page.size)
        return {"value": [item(head, r) for r in recs], "nextLink": link}

    def current_version(self, head: Record) -> Record | None:
        return self.store.get(self.version, f"{head.key}/{head.body['current']}")

    # ---- deleted objects --------------------------------------------------------------------------------
    def deleted_record(self, src: Reader, vault: VaultInfo, name: str) -> dict[str, Any] | None:
        rec = src.get(self.deleted, self.key(vault, name))
        if rec is None or _expired(rec.body):
            return None  # past its retention, a deleted object is as good as purged
        return rec.body

    def deleted_listing(self, req: Request, item: Item) -> dict[str, Any]:
        """The deleted objects within their retention, a page at a time (GET /deleted{segment})."""
        return self._page(req, self.deleted, f"/deleted{self.segment}", item)

    def deletion(self, body: dict[str, Any], name: str, req: Request) -> dict[str, Any]:
        """What a deleted object's answer adds to its bundle."""
        return {"recoveryId": f"{req.base}/deleted{self.segment}/{name}", "deletedDate": body["deletedDate"],
                "scheduledPurgeDate": body["scheduledPurgeDate"]}

    def _page(self, req: Request, kind: str, path: str, item: Item) -> dict[str, Any]:
        page = objects.page_of(req.query)
        recs = self.store.list(kind, f"{req.vault.instance}/", limit=page.size, after=page.after)
        value = []
        for rec in recs:
            if kind == self.deleted and _expired(rec.body):
                continue
            shown = item(rec)
            if shown is not None:
                if kind == self.deleted:
                    shown.update(self.deletion(rec.body, rec.body["name"], req))
                value.append(shown)
        last = recs[-1].key if recs else None
        return {"value": value, "nextLink": objects.next_link(req.base, path, req.api_version, page, last,
                                                              len(recs) == page.size)}

    # ---- soft delete, recovery, purge -------------------------------------------------------------------
    def soft_delete(self, tx: Transaction, vault: VaultInfo, name: str, stamp: int | None = None) -> dict[str, Any] | None:
        """Moves the head to the deleted objects, kept for the vault's retention; None when there is no head."""
        head = tx.get(self.head, self.key(vault, name))
        if head is None:
            return None
        stamp = objects.now() if stamp is None else stamp
        deleted = {**head.body, "deletedDate": stamp, "scheduledPurgeDate": stamp + vault.soft_delete_days * DAY}
        tx.delete(self.head, head.key)
        tx.put(self.deleted, head.key, deleted)
        return deleted

    def recover(self, tx: Transaction, vault: VaultInfo, name: str, fields: Iterable[str]) -> dict[str, Any] | None:
        """Moves a deleted head back, keeping `fields` of it; None when there is none."""
        rec = tx.get(self.deleted, self.key(vault, name))
        if rec is None:
            return None
        head = {k: rec.body[k] for k in fields if k in rec.body}
        tx.delete(self.deleted, rec.key)
        tx.put(self.head, rec.key, head, expect=0)
        return head

    def purge(self, tx: Transaction, vault: VaultInfo, name: str) -> None:
        """Removes the object for good: its head, its deleted head and every version."""
        key = self.key(vault, name)
        tx.delete(self.head, key)
        tx.delete(self.deleted, key)
        tx.delete_prefix(self.version, f"{key}/")


def _expired(deleted: dict[str, Any]) -> bool:
    return bool(deleted["scheduledPurgeDate"] <= objects.now())

"""The control plane's records as the network model sees them: every resource record projected by
network/wire.py (the one projection of ARM's wire shape into the model's values), assembled into a Topology.

`Snapshots` keeps the current snapshot. A write through this process's ARM to a resource whose projection stands
alone (a record set, a virtual network link, a vault: PATCHABLE) patches it: the one record is read again and
one entry of a persistent map replaced, so the cost does not grow with the number of resources. Any other write,
and any write by another process sharing the store rebuilds the snapshot from the store on its next use. Another
process's write is heard at once where the store announces commits (PostgreSQL: `heard`, from the store's
`watch`), and otherwise seen through the generation record within MAX_AGE seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence

from vaultlink.arm import sites
from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.core.persistent import PersistentMap
from vaultlink.network.topology import Topology
from vaultlink.network.wire import (
    PATCHABLE,
    RECORD_SET,
    VAULT,
    Parts,
    kind_of,
    record_set,
    vault,
    zone_link,
)
from vaultlink.store import EVERYTHING, Change, Store
from vaultlink.store.base import iterate

MAX_AGE = 2.0
GENERATION = ("setting", "topology-generation")


def build(store: Store) -> Topology:
    parts = Parts()
    for rec in iterate(store, RESOURCE):
        rid = ResourceId.try_parse(rec.key)
        if rid is not None:
            parts.add(rid, rec.body)
    publics = {r.key: str(r.body.get("publicAddress") or "") for r in iterate(store, sidecar.MACHINE)} if parts.vms else {}
    return parts.topology(publics, sites=[r.body for r in iterate(store, sites.SITE)])


def patch(topology: Topology, store: Store, path: str) -> Topology | None:
    """The snapshot after a write to `path`, when the written resource's projection stands alone (PATCHABLE)
    and the change is one this snapshot can take; None when it must be rebuilt."""
    rid = ResourceId.try_parse(path)
    if rid is None or kind_of(rid) not in PATCHABLE:
        return None
    kind = kind_of(rid)
    rec = store.get(RESOURCE, rid.key)
    if kind == VAULT:
        if rec is None or "properties" not in rec.body:
            return None
        value = vault(rid, rec.body)
        current = topology.vaults.get(value.name)
        if (current is not None and current.id != value.id) or not isinstance(topology.vaults, PersistentMap):
            return None
        new = dataclasses.replace(topology, vaults=topology.vaults.set(value.name, value))
        if current is not None and current.region == value.region:
            _keep_cached(topology, new, "vault_regions")
        _keep_cached(topology, new, "_endpoints_by_vault")
        return new
    zone_key = rid.parent.key if rid.parent is not None else ""
    index = next((i for i, z in enumerate(topology.zones) if z.id == zone_key), None)
    if index is None:
        return None
    zone = topology.zones[index]
    if kind == RECORD_SET:
        if not isinstance(zone.records, PersistentMap):
            return None
        if rec is None:
            records = zone.records.without((rid.name.lower(), rid.types[-1].upper()))
        else:
            name, records_value = record_set(rid, rec.body)
            records = zone.records.set(name, records_value)
        changed = dataclasses.replace(zone, records=records)
    else:  # a link written (its delete rebuilds: the zone may lose what it auto-registered)
        link = zone_link(rid, rec.body) if rec is not None and "properties" in rec.body else None
        if link is None:
            return None
        links = {existing.id: existing for existing in zone.links}
        if link.registers or (rid.key in links and links[rid.key].registers):
            return None  # auto-registration wrote or removed the network's machines' records with it
        links[rid.key] = link
        changed = dataclasses.replace(zone, links=tuple(sorted(links.values(), key=lambda k: k.id)))
    new = dataclasses.replace(topology, zones=topology.zones[:index] + (changed,) + topology.zones[index + 1:])
    for cached in ("vault_regions", "_endpoints_by_vault"):
        _keep_cached(topology, new, cached)
    return new


def _keep_cached(old: Topology, new: Topology, name: str) -> None:
    """A derived index of the old snapshot that the patch did not touch is the new one's too."""
    if name in old.__dict__:
        new.__dict__[name] = old.__dict__[name]


class Snapshots:
    """The current topology. Every write through ARM (in any process sharing the store) bumps a generation
    record; a write here patches the snapshot where it can, and anything else makes the next use rebuild it
    (checked at most every MAX_AGE seconds for other processes' writes, at once for this process's own)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._current: Topology | None = None
        self._generation = -1
        self._checked = 0.0
        self.listeners: list[Callable[[], None]] = []
        self.last_write: str | None = None
        """The path of this process's latest write; None when the latest change came from elsewhere."""
        self.patched = 0
        """How many writes patched the snapshot instead of rebuilding it (for tests and benchmarks)."""

    def changed(self, path: str = "") -> None:
        """A write happened here (to `path`): tell the other processes, and patch or drop the snapshot."""
        self.last_write = path.lower()
        with self.store.transaction() as tx:
            rec = tx.get(*GENERATION)
            before = rec.version if rec else 0
            after = tx.put(*GENERATION, {"changed": time.time(), "after": before}).version
        with self._lock:
            current = self._current if before == self._generation else None  # nobody else wrote in between
            patched = patch(current, self.store, path) if current is not None else None
            self._current = patched
            self._generation = after
            self.patched += patched is not None
        self._checked = time.monotonic()
        for listener in self.listeners:
            listener()

    def follow(self, loop: asyncio.AbstractEventLoop) -> None:
        """Writes committed by another process on the same store reach this snapshot, and through its listeners
        the DNS answers, the resolvers and edge admission, as soon as the store announces them; the listeners
        run on `loop`, as they do after a write here."""

        def heard(changes: Sequence[Change]) -> None:
            try:
                loop.call_soon_threadsafe(self.heard, changes)
            except RuntimeError:  # the loop has closed: the server is stopping
                pass

        self.store.watch(heard)

    def heard(self, changes: Sequence[Change]) -> bool:
        """Another process committed `changes`: when they include a topology write (every ARM write bumps the
        generation record), the snapshot is dropped and the listeners told. True when it was."""
        kind, key = GENERATION
        if not any(k == EVERYTHING or (k == kind and (c is None or c == key)) for k, c in changes):
            return False
        return self._notify_if_moved()

    def _stored_generation(self) -> int:
        rec = self.store.get(*GENERATION)
        return rec.version if rec else 0

    def _notify_if_moved(self) -> bool:
        generation = self._stored_generation()
        self.last_write = None if generation != self._generation else self.last_write
        self._checked = time.monotonic()
        if generation == self._generation and self._current is not None:
            return False
        with self._lock:
            self._current = None
            self._generation = generation
        for listener in self.listeners:
            listener()
        return True

    def __call__(self) -> Topology:
        if time.monotonic() - self._checked >= MAX_AGE:
            self._notify_if_moved()
        current = self._current
        if current is not None:
            return current
        with self._lock:
            if self._current is None:
                self._current = build(self.store)
            return self._current

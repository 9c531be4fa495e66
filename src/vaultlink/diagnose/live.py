"""The troubleshooter over live state: the topology snapshot a running server keeps (the network model the DNS
server and the vault admit with), the resources' wire bodies read from the store as the checks ask, and the role
assignments, checked from a location.

A server answers it at `GET /vaultlink/diagnose/{vault}?from=internet|vm:NAME[&caller=OBJECT_ID]` on the edge's
own address; the caller defaults to the default service principal, which `vaultlink env` hands out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vaultlink.diagnose.checks import UnknownLocation, UnknownVault, location_of, run_checks
from vaultlink.diagnose.report import Report
from vaultlink.diagnose.snapshot import Snapshot
from vaultlink.identity.rbac import Authorizer
from vaultlink.network.topology import Topology
from vaultlink.store import Store


class StoreSource:
    """Wire bodies read from the store by key, when a check asks: the checks read a few resources, so the live
    diagnosis costs the same with ten resources as with ten thousand."""

    def __init__(self, store: Store, kind: str) -> None:
        self.store = store
        self.kind = kind
        """The record kind the control plane keeps its resources under."""

    def body(self, key: str) -> Mapping[str, Any] | None:
        rec = self.store.get(self.kind, key)
        return rec.body if rec is not None and isinstance(rec.body.get("id"), str) else None

    def children(self, key: str, collection: str) -> list[Mapping[str, Any]]:
        prefix = f"{key}/{collection}/"
        return [r.body for r in self.store.list(self.kind, prefix) if "/" not in r.key[len(prefix):]]


class LiveDiagnosis:
    def __init__(self, source: StoreSource, authorizer: Authorizer, topology: Callable[[], Topology],
                 default_caller: str) -> None:
        self.source = source
        self.authorizer = authorizer
        self.topology = topology
        self.default_caller = default_caller

    def snapshot(self) -> Snapshot:
        """The server's current topology (the same projection of the same records), with the store as its source."""
        return Snapshot(self.topology(), self.source, tuple(self.authorizer.assignments()))

    def report(self, vault: str, where: str = "internet", caller: str | None = None) -> Report:
        snapshot = self.snapshot()
        return run_checks(snapshot, vault, location_of(snapshot, where), caller=caller or self.default_caller)

    def __call__(self, vault: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """(status, body) for the HTTP answer: the report's JSON, or Azure's error envelope."""
        try:
            return 200, self.report(vault, query.get("from") or "internet", query.get("caller")).to_json()
        except UnknownVault as e:
            return 404, {"error": {"code": "VaultNotFound", "message": str(e)}}
        except UnknownLocation as e:
            return 400, {"error": {"code": "InvalidLocation", "message": str(e)}}

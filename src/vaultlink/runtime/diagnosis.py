"""The troubleshooter over live state: every resource the control plane stores, in its wire shape, with the
role assignments and the machines' public addresses, made into a diagnose Snapshot and checked from a location.

Served at `GET /vaultlink/diagnose/{vault}?from=internet|vm:NAME[&caller=OBJECT_ID]` on the edge's own address
(hosts.status_app); the caller defaults to the default service principal, which `vaultlink env` hands out.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.resources import RESOURCE
from vaultlink.diagnose.checks import UnknownLocation, UnknownVault, location_of, run_checks
from vaultlink.diagnose.report import Report
from vaultlink.diagnose.snapshot import Snapshot, snapshot_of
from vaultlink.identity.rbac import Authorizer
from vaultlink.store import Store
from vaultlink.store.base import iterate


def live_snapshot(store: Store, authorizer: Authorizer) -> Snapshot:
    resources = [rec.body for rec in iterate(store, RESOURCE) if isinstance(rec.body.get("id"), str)]
    publics = {rec.key: str(rec.body.get("publicAddress") or "") for rec in iterate(store, sidecar.MACHINE)}
    return snapshot_of(resources, role_assignments=authorizer.assignments(), public_addresses=publics)


class LiveDiagnosis:
    def __init__(self, store: Store, authorizer: Authorizer, default_caller: str) -> None:
        self.store = store
        self.authorizer = authorizer
        self.default_caller = default_caller

    def report(self, vault: str, where: str = "internet", caller: str | None = None) -> Report:
        snapshot = live_snapshot(self.store, self.authorizer)
        return run_checks(snapshot, vault, location_of(snapshot, where), caller=caller or self.default_caller)

    def __call__(self, vault: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """(status, body) for the HTTP answer: the report's JSON, or Azure's error envelope."""
        try:
            return 200, self.report(vault, query.get("from") or "internet", query.get("caller")).to_json()
        except UnknownVault as e:
            return 404, {"error": {"code": "VaultNotFound", "message": str(e)}}
        except UnknownLocation as e:
            return 400, {"error": {"code": "InvalidLocation", "message": str(e)}}

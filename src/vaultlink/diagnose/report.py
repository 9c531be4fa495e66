"""The troubleshooter's values: a check's Result (verdict, evidence, fix), and the Report of every check from
one location with what the client would see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not applicable"
    UNKNOWN = "cannot decide"
    """The snapshot lacks what the check needs (e.g. role assignments not exported)."""


@dataclass(frozen=True)
class Evidence:
    """One compared value: the resource it came from, the property, what the check wanted and what it found."""

    resource: str
    property: str
    found: str
    expected: str = ""


@dataclass(frozen=True)
class Fix:
    """The change that makes the check pass: az commands with the real names, and where in the portal."""

    commands: tuple[str, ...]
    portal: str


@dataclass(frozen=True)
class Result:
    check: str
    """A stable name: connection, zone, link, record, address, zonegroup, firewall, permission, onpremises."""
    title: str
    verdict: Verdict
    summary: str
    """One line of evidence, for the table."""
    explanation: str = ""
    evidence: tuple[Evidence, ...] = ()
    fix: Fix | None = None

    @property
    def failed(self) -> bool:
        return self.verdict == Verdict.FAIL


@dataclass(frozen=True)
class ClientView:
    """What a client at the location meets when it reads a secret of the vault."""

    host: str
    resolver: str
    rcode: str
    addresses: tuple[str, ...]
    aliases: tuple[str, ...]
    landing: str
    """public, private-endpoint, nowhere, or unresolved."""
    landing_reason: str
    status: int | None
    """The HTTP status; None when no connection is made (no address, or a timeout)."""
    error: str | None
    """Azure's error code (ForbiddenByConnection, ForbiddenByFirewall, ForbiddenByRbac, Forbidden), or the
    client-side failure (a name resolution error, a timeout)."""


@dataclass(frozen=True)
class Report:
    vault: str
    location: str
    results: tuple[Result, ...]
    client: ClientView
    caller: str | None = None
    notes: tuple[str, ...] = field(default=())
    vault_id: str = ""

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.results)

    @property
    def first_failure(self) -> Result | None:
        return next((r for r in self.results if r.failed), None)

    def result(self, check: str) -> Result:
        return next(r for r in self.results if r.check == check)

    def to_json(self) -> dict[str, Any]:
        first = self.first_failure
        return {
            "vault": self.vault, "vaultId": self.vault_id, "from": self.location, "caller": self.caller, "failed": self.failed,
            "firstFailure": first.check if first is not None else None,
            "checks": [{**asdict(r), "verdict": str(r.verdict)} for r in self.results],
            "client": asdict(self.client), "notes": list(self.notes),
        }


def report_from_json(body: dict[str, Any]) -> Report:
    """A Report back from `to_json()` (what the server answers `vaultlink diagnose`)."""
    results = []
    for c in body["checks"]:
        fix = Fix(tuple(c["fix"]["commands"]), c["fix"]["portal"]) if c.get("fix") else None
        results.append(Result(c["check"], c["title"], Verdict(c["verdict"]), c["summary"], c.get("explanation", ""),
                              tuple(Evidence(**e) for e in c.get("evidence") or []), fix))
    client = body["client"]
    view = ClientView(**{**client, "addresses": tuple(client["addresses"]), "aliases": tuple(client["aliases"])})
    return Report(body["vault"], body["from"], tuple(results), view, body.get("caller"), tuple(body.get("notes") or []),
                  body.get("vaultId", ""))

"""The cause of one recorded refusal: the decision log's entry for a request (diagnose/decisions.py) replayed
against the checks run now from the same place, for the same caller. `vaultlink why` leads with it.

A network refusal is explained by the first failing check on the way in (the connection, the zone, its link,
the record, its address, then the public rules); an authorization refusal by the role or permission the
decision found missing. When every check passes now, the state changed since the request: the recorded reason
is all there is.
"""

from __future__ import annotations

import shlex
from typing import Any

from vaultlink.diagnose.report import Report, Result

NETWORK_CHECKS = ("connection", "zone", "link", "record", "address", "firewall")


def replay_location(decision: dict[str, Any]) -> str:
    """Where the checks run from for this decision: the machine it came from, or the internet."""
    machine = decision.get("machine")
    return f"vm:{machine}" if machine else "internet"


def refused(decision: dict[str, Any]) -> bool:
    authorization = decision.get("authorization")
    return not decision["admission"]["allowed"] or (authorization is not None and not authorization["allowed"])


def cause(decision: dict[str, Any], report: Report) -> list[str]:
    """The lines that lead `vaultlink why` for a refused request: the cause in one sentence, then the fix."""
    admission = decision["admission"]
    if not admission["allowed"]:
        found = next((r for r in report.results if r.check in NETWORK_CHECKS and r.failed), None)
        if found is None:
            return [(f"cause: {admission['refusal']}: {admission['reason']} (the checks pass now: the state changed "
                    "since this request)")]
        return [(f"cause: {_sentence(found.explanation or found.summary)} ({admission['refusal']}; check "
                f"'{found.check}')"), *_fix(found)]
    authorization = decision["authorization"]
    model = "RBAC" if authorization["model"] == "rbac" else "the access policies"
    lines = [(f"cause: {model} refused {authorization['action']} at {authorization['scope']}: {authorization['reason']} "
             f"(check 'permission')")]
    oid = decision.get("callerObjectId") or report.caller or ""
    missing = authorization.get("missing")
    if missing and authorization["model"] == "rbac":
        lines.append(f"  fix: az role assignment create --role {shlex.quote(missing)} --assignee-object-id "
                     f"{shlex.quote(oid)} --scope {shlex.quote(report.vault_id)}")
    elif missing:
        collection, _, name = str(missing).partition(" ")
        flag = {"secrets": "--secret-permissions", "keys": "--key-permissions",
                "certificates": "--certificate-permissions"}.get(collection, "--secret-permissions")
        lines.append(f"  fix: az keyvault set-policy -n {shlex.quote(report.vault)} --object-id {shlex.quote(oid)} "
                     f"{flag} {shlex.quote(name)}")
    return lines


def _sentence(text: str) -> str:
    return text[:1].lower() + text[1:].rstrip(".") if text else text


def _fix(result: Result) -> list[str]:
    if result.fix is None:
        return []
    return [f"  fix: {command}" for command in result.fix.commands] + [f"  portal: {result.fix.portal}"]

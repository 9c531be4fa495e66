"""`vaultlink why`'s lead: a recorded refusal replayed against the checks names the check that explains it, with
its fix; an authorization refusal names the role or permission; a refusal the checks no longer see says the
state changed since."""

from __future__ import annotations

from typing import Any

from tests.unit.diagnose import wire

from vaultlink.diagnose.checks import location_of, run_checks
from vaultlink.diagnose.replay import cause, refused, replay_location
from vaultlink.diagnose.report import Report, report_from_json
from vaultlink.diagnose.snapshot import snapshot_of


def checked(resources: list[dict[str, Any]], where: str = "vm:vm1") -> Report:
    snap = snapshot_of(resources, role_assignments=[wire.assignment()])
    return run_checks(snap, "fabrikam", location_of(snap, where), caller=wire.CALLER)


def network_refusal(reason: str = "public network access disabled") -> dict[str, Any]:
    return {"vault": "fabrikam", "machine": wire.VM.lower(), "callerObjectId": wire.CALLER,
            "admission": {"allowed": False, "refusal": "ForbiddenByConnection", "reason": reason,
                          "rule": "publicNetworkAccess", "client_address": "203.0.113.100"},
            "authorization": None}


def test_a_rejected_connection_leads_with_the_connection_and_its_approval() -> None:
    lines = cause(network_refusal(), checked(wire.seed(endpoint=wire.endpoint(status="Rejected"))))
    assert lines[0].startswith("cause: the private endpoint connection pe1.1f3c of pe1 is Rejected (Rejected by the "
                               "owner), not Approved, so fabrikam.vault.azure.net has no privatelink alias")
    assert lines[0].endswith("(ForbiddenByConnection; check 'connection')")
    assert lines[1] == ("  fix: az keyvault private-endpoint-connection approve -g rg1 --vault-name fabrikam -n pe1.1f3c "
                        "--description 'Approved by the vault owner'")


def test_an_unlinked_zone_leads_with_the_link() -> None:
    lines = cause(network_refusal(), checked(wire.seed(zone=wire.zone(links=()))))
    assert lines[0].endswith("check 'link')") and "is not linked to any network" in lines[0]


def test_a_refusal_the_checks_no_longer_see_says_the_state_changed() -> None:
    lines = cause(network_refusal("was refused then"), checked(wire.seed()))
    assert lines == [("cause: ForbiddenByConnection: was refused then (the checks pass now: the state changed since "
                     "this request)")]


def test_an_rbac_refusal_names_the_missing_role_and_the_assignment_that_grants_it() -> None:
    decision = {**network_refusal(), "admission": {"allowed": True},
                "authorization": {"allowed": False, "model": "rbac", "action": "Microsoft.KeyVault/vaults/secrets/setSecret/action",
                                  "scope": wire.VAULT, "reason": "no role assignment grants this action at this scope",
                                  "missing": "Key Vault Secrets Officer"}}
    assert refused(decision)
    lines = cause(decision, checked(wire.seed()))
    assert lines[0].endswith("(check 'permission')")
    assert lines[1] == (f"  fix: az role assignment create --role 'Key Vault Secrets Officer' --assignee-object-id "
                        f"{wire.CALLER} --scope {wire.VAULT}")


def test_replay_runs_from_where_the_request_came_from() -> None:
    assert replay_location(network_refusal()) == f"vm:{wire.VM.lower()}"
    assert replay_location({**network_refusal(), "machine": None}) == "internet"
    assert not refused({"admission": {"allowed": True}, "authorization": {"allowed": True}})


def test_a_report_survives_its_json() -> None:
    report = checked(wire.seed(zone=wire.zone(records={"fabrikm": "10.1.0.4"})))
    again = report_from_json(report.to_json())
    assert again == report

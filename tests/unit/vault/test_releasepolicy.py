"""The release policy grammar, evaluated against an attestation token's claims."""

from __future__ import annotations

import json

import pytest

from vaultlink.vault.keys import releasepolicy

ISSUER = "https://shared.eus.attest.azure.net"
CLAIMS = {"iss": ISSUER, "sdk-test": True, "x-ms-ver": "1.0", "x-ms-sevsnpvm-bootloader-svn": 3,
          "x-ms-isolation-tee": {"x-ms-attestation-type": "sevsnpvm", "x-ms-compliance-status": "azure-compliant-cvm"},
          "x-ms-runtime": {"client-payload": {"nonce": "abc"}, "features": ["vtpm", "secureboot"]}}


def policy(*conditions: object, top: str = "anyOf", inner: str = "allOf", authority: str = ISSUER + "/") -> object:
    return {"version": "1.0.0", top: [{"authority": authority, inner: list(conditions)}]}


@pytest.mark.parametrize(("condition", "met"), [
    ({"claim": "sdk-test", "equals": True}, True),
    ({"claim": "sdk-test", "equals": "true"}, True),  # as Microsoft's .NET test writes it
    ({"claim": "sdk-test", "equals": False}, False),
    ({"claim": "x-ms-isolation-tee.x-ms-attestation-type", "equals": "sevsnpvm"}, True),
    ({"claim": "x-ms-isolation-tee.x-ms-attestation-type", "equals": "sgx"}, False),
    ({"claim": "x-ms-sevsnpvm-bootloader-svn", "equals": 3}, True),
    ({"claim": "x-ms-runtime.features", "contains": "vtpm"}, True),
    ({"claim": "x-ms-runtime.features", "contains": "tdx"}, False),
    ({"claim": "x-ms-isolation-tee.x-ms-compliance-status", "contains": "compliant"}, True),
    ({"claim": "absent", "equals": True}, False),
    ({"claim": "sdk-test", "condition": "equals", "value": True}, True),  # the older grammar
    ({"claim": "sdk-test"}, False),  # no comparison: nothing is met
])
def test_conditions(condition: dict[str, object], met: bool) -> None:
    assert releasepolicy.satisfied(policy(condition), CLAIMS) is met


def test_all_of_and_any_of_nest() -> None:
    yes, no = {"claim": "sdk-test", "equals": True}, {"claim": "sdk-test", "equals": False}
    assert releasepolicy.satisfied(policy(yes, yes), CLAIMS)
    assert not releasepolicy.satisfied(policy(yes, no), CLAIMS)
    assert releasepolicy.satisfied(policy(yes, no, inner="anyOf"), CLAIMS)
    assert releasepolicy.satisfied(policy({"anyOf": [no, {"allOf": [yes, yes]}]}), CLAIMS)
    assert not releasepolicy.satisfied(policy({"anyOf": []}), CLAIMS)


def test_only_the_blocks_of_the_token_issuer_count() -> None:
    yes = {"claim": "sdk-test", "equals": True}
    assert releasepolicy.satisfied(policy(yes, authority=ISSUER.upper()), CLAIMS)  # trailing slash, case
    assert not releasepolicy.satisfied(policy(yes, authority="https://other.weu.attest.azure.net/"), CLAIMS)
    both = {"version": "1.0.0", "anyOf": [{"authority": "https://other.weu.attest.azure.net", "allOf": [yes]},
                                          {"authority": ISSUER, "allOf": [yes]}]}
    assert releasepolicy.satisfied(both, CLAIMS)
    assert not releasepolicy.satisfied({**both, "allOf": both["anyOf"], "anyOf": None}, CLAIMS)


@pytest.mark.parametrize("unreadable", [None, [], "x", {"version": "1.0.0"}, {"anyOf": [{"allOf": []}]},
                                        {"anyOf": ["not a block"]}])
def test_an_unreadable_policy_releases_nothing(unreadable: object) -> None:
    assert not releasepolicy.satisfied(unreadable, CLAIMS)
    assert releasepolicy.parse(b"{not json") is None
    assert releasepolicy.parse(json.dumps({"a": 1}).encode()) == {"a": 1}

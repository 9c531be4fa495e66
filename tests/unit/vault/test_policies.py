"""Certificate policies (vault/certpolicy.py), key rotation policies (vault/keyrotation.py) and the throttle
(vault/throttle.py): defaults, rules and refusals, with no server."""

from __future__ import annotations

import json

import pytest

from vaultlink.vault.certificates import policy as certpolicy
from vaultlink.vault.errors import BadParameter, Throttled
from vaultlink.vault.keys import rotation as keyrotation
from vaultlink.vault.throttle import Throttle, request_type


def test_certificate_policy_defaults_are_azures() -> None:
    policy = certpolicy.policy_in({"x509_props": {"subject": "CN=x"}, "issuer": {"name": "self"}})
    assert policy == {
        "key_props": {"exportable": True, "kty": "RSA", "key_size": 2048, "reuse_key": False},
        "secret_props": {"contentType": "application/x-pkcs12"},
        "x509_props": {"subject": "CN=x", "sans": {}, "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                       "key_usage": ["digitalSignature", "keyEncipherment"], "validity_months": 12,
                       "basic_constraints": {"ca": False}},
        "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}],
        "issuer": {"name": "Self"},
        "attributes": {"enabled": True},
    }
    unknown = certpolicy.policy_in({"x509_props": {"sans": {"dns_names": ["a.b"]}}, "key_props": {"kty": "EC"}})
    assert unknown["issuer"] == {"name": "Unknown"} and unknown["key_props"]["crv"] == "P-256"
    assert unknown["x509_props"]["key_usage"] == ["digitalSignature"]
    assert unknown["lifetime_actions"][0]["action"] == {"action_type": "EmailContacts"}


@pytest.mark.parametrize(("raw", "message"), [
    ({}, "subject or at least one subject alternative name"),
    ({"x509_props": {"subject": "CN=x", "validity_months": 0}}, "validity_months '0'"),
    ({"x509_props": {"subject": "CN=x"}, "secret_props": {"contentType": "text/plain"}}, "content type"),
    ({"x509_props": {"subject": "CN=x", "key_usage": ["sign"]}}, "key usage 'sign'"),
    ({"x509_props": {"subject": "CN=x", "sans": {"dns_names": "a.b"}}}, "sans.dns_names"),
    ({"x509_props": {"subject": "CN=x"}, "key_props": {"exportable": "yes"}}, "key_props.exportable"),
    ({"x509_props": {"subject": "CN=x", "validity_months": 2}, "lifetime_actions": [
        {"trigger": {"days_before_expiry": 55}, "action": {"action_type": "AutoRenew"}}]}, "between 1 and 54"),
    ({"x509_props": {"subject": "CN=x"}, "lifetime_actions": [
        {"trigger": {"lifetime_percentage": 50, "days_before_expiry": 5}, "action": {"action_type": "AutoRenew"}}]},
     "exactly one of"),
    ({"x509_props": {"subject": "CN=x"}, "lifetime_actions": [{"trigger": {"lifetime_percentage": 50},
                                                               "action": {"action_type": "Renew"}}]}, "'Renew'"),
    ("policy", "must be an object"),
])
def test_certificate_policy_refusals(raw: object, message: str) -> None:
    with pytest.raises(BadParameter, match=message):
        certpolicy.policy_in(raw)


def test_certificate_policy_merge() -> None:
    stored = certpolicy.policy_in({"x509_props": {"subject": "CN=x", "sans": {"dns_names": ["x"]}},
                                   "key_props": {"key_size": 4096}, "issuer": {"name": "Self"}})
    merged = certpolicy.merge(stored, {"x509_props": {"validity_months": 24, "subject": None},
                                       "key_props": {"kty": "EC"}, "secret_props": {"contentType": "application/x-pem-file"}})
    assert merged["x509_props"]["subject"] == "CN=x" and merged["x509_props"]["validity_months"] == 24
    assert merged["key_props"] == {"exportable": True, "kty": "EC", "crv": "P-256", "reuse_key": False}
    assert merged["secret_props"]["contentType"] == "application/x-pem-file"
    assert merged["x509_props"]["sans"] == {"dns_names": ["x"]}


def test_durations() -> None:
    assert keyrotation.duration_seconds("P90D", "x") == 90 * 86400
    assert keyrotation.duration_seconds("P1Y2M", "x") == (365 + 60) * 86400
    assert keyrotation.duration_seconds("PT48H", "x") == 48 * 3600
    assert keyrotation.duration_seconds("P1W", "x") == 7 * 86400
    for bad in ("P", "90D", "P1.5D", "PT", 90):
        with pytest.raises(BadParameter):
            keyrotation.duration_seconds(bad, "expiryTime")


def test_rotation_policy_rules() -> None:
    stored = keyrotation.policy_in({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"},
                                                         "action": {"type": "rotate"}}],
                                    "attributes": {"expiryTime": "P60D"}})
    assert stored == {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}},
                                          keyrotation.NOTIFY_DEFAULT], "attributes": {"expiryTime": "P60D"}}
    assert keyrotation.policy_in({})["lifetimeActions"] == [keyrotation.NOTIFY_DEFAULT]
    rotate = {"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}
    for body, message in [({"lifetimeActions": [rotate, rotate]}, "only one 'Rotate'"),
                          ({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1D"}, "action": {"type": "Rotate"}}]},
                           "at least 7 days"),
                          ({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P90D"}, "action": {"type": "Rotate"}}],
                            "attributes": {"expiryTime": "P60D"}}, "shorter than the expiryTime"),
                          ({"lifetimeActions": [{"trigger": {}, "action": {"type": "Notify"}}]}, "exactly one"),
                          ({"lifetimeActions": {"a": 1}}, "must be a list")]:
        with pytest.raises(BadParameter, match=message):
            keyrotation.policy_in(body)


def test_throttle_window_per_vault_and_type() -> None:
    t = [0.0]
    throttle = Throttle(limits={"key-create": 2}, now=lambda: t[0])
    throttle.admit("vault-a", "key-create")
    throttle.admit("vault-a", "key-create")
    throttle.admit("vault-b", "key-create")
    throttle.admit("vault-a", "other")
    for _ in range(5):  # refusals do not count toward the limit
        t[0] += 1
        with pytest.raises(Throttled) as err:
            throttle.admit("VAULT-A", "key-create")
    assert err.value.status == 429 and err.value.envelope() == {"error": {"code": "Throttled", "message": (
        "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")}}
    t[0] = 10.0  # the first two leave the 10-second window together
    throttle.admit("vault-a", "key-create")
    throttle.admit("vault-a", "key-create")
    with pytest.raises(Throttled):
        throttle.admit("vault-a", "key-create")


def test_request_types() -> None:
    assert request_type("key-create", json.dumps({"kty": "RSA-HSM"}).encode()) == "hsm-key-create"
    assert request_type("key-create", b'{"kty": "EC"}') == "key-create"
    assert request_type("key-create", b"not json") == "key-create"
    assert request_type("secret-create", b"") == "secret-create"

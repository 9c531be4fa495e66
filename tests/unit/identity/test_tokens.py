"""The access-token verifier's claim checks, and which resources the token endpoint owns."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.core import errors
from vaultlink.core.clock import clock
from vaultlink.identity import audiences
from vaultlink.identity.tokens import MAX_LIFETIME, SigningKey, TokenIssuer, TokenVerifier

KEY = SigningKey.generate()
TENANT = "11111111-2222-3333-4444-555555555555"


def bearer(**changes: Any) -> str:
    now = int(clock.now())
    claims = {"aud": "https://vault.azure.net", "iss": f"https://sts.windows.net/{TENANT}/", "tid": TENANT,
              "iat": now, "nbf": now - 300, "exp": now + 3600, "oid": "o", "appid": "a"}
    claims.update(changes)
    return "Bearer " + KEY.sign({k: v for k, v in claims.items() if v is not None})


def test_a_token_of_the_issuers_verifies() -> None:
    token, _ = TokenIssuer(KEY).access_token(tenant_id=TENANT, object_id="o", app_id="a",
                                             audience="https://vault.azure.net", kind="app")
    assert TokenVerifier(KEY).verify("Bearer " + token, audiences.VAULT).tenant_id == TENANT


@pytest.mark.parametrize("changes", [
    {"exp": "9999999999"}, {"exp": 1e308}, {"exp": True}, {"exp": 2**62}, {"exp": 4102444800.5},
    {"nbf": "0"}, {"iat": False}, {"iat": None}, {"nbf": None},
    {"iat": 1_000, "nbf": 1_000, "exp": 1_000 + MAX_LIFETIME + 1},  # (and long expired: either refuses)
    {"exp": int(clock.now()) + MAX_LIFETIME + 3600},
    {"nbf": int(clock.now()) + 3600, "exp": int(clock.now()) + 7200},
    {"tid": 5}, {"aud": ["https://vault.azure.net"]},
])
def test_claims_of_the_wrong_type_or_range_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(errors.AuthenticationFailed):
        TokenVerifier(KEY).verify(bearer(**changes), audiences.VAULT)


def test_a_day_is_the_longest_lifetime() -> None:
    now = int(clock.now())
    assert TokenVerifier(KEY).verify(bearer(iat=now, nbf=now, exp=now + MAX_LIFETIME), audiences.VAULT)


@pytest.mark.parametrize(("resource", "owned"), [
    ("https://vault.azure.net", "https://vault.azure.net"),
    ("https://vault.azure.net/", "https://vault.azure.net/"),
    ("HTTPS://VAULT.AZURE.NET", "https://vault.azure.net"),
    ("https://vault.azure.net/user_impersonation", "https://vault.azure.net"),
    ("https://management.core.windows.net/", "https://management.core.windows.net/"),
    ("00000003-0000-0000-c000-000000000000", "00000003-0000-0000-c000-000000000000"),
    ("https://vault.azure.net.evil.com", None),
    ("https://vault.azure.net/evil", None),
    ("https://evil.com/https://vault.azure.net", None),
    ("", None),
])
def test_the_resources_vaultlink_owns(resource: str, owned: str | None) -> None:
    assert audiences.owned(resource) == owned

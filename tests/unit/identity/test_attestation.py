"""The attestation providers' tokens: what `verify` takes and what it refuses (the endpoints are the client
tests' to show, through the edge)."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.core.clock import clock
from vaultlink.identity.attestation import TOKEN_LIFETIME, Attestation, AttestationRefused, is_provider
from vaultlink.identity.tokens import SigningKey

KEY = SigningKey.generate()
PROVIDER = "https://mine.eus.attest.azure.net"


@pytest.fixture
def attestation() -> Attestation:
    return Attestation(lambda: KEY)


def token(key: SigningKey = KEY, **claims: Any) -> str:
    now = int(clock.now())
    return key.sign({"iss": PROVIDER, "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME, "sdk-test": True,
                     **claims})


def test_a_providers_token_verifies(attestation: Attestation) -> None:
    claims = attestation.verify(token(custom={"a": 1}))
    assert claims["iss"] == PROVIDER and claims["custom"] == {"a": 1} and claims["sdk-test"] is True


@pytest.mark.parametrize("issuer", ["https://shared.eus.attest.azure.net", "https://x.attest.azure.net/"])
def test_providers(issuer: str) -> None:
    assert is_provider(issuer)


@pytest.mark.parametrize("issuer", ["http://x.attest.azure.net", "https://attest.azure.net", "https://x.example",
                                    "https://x.attest.azure.net/path", "https://evilattest.azure.net"])
def test_not_providers(issuer: str) -> None:
    assert not is_provider(issuer)


def test_refusals(attestation: Attestation) -> None:
    with pytest.raises(AttestationRefused, match="signed by an attestation provider"):
        attestation.verify(token(SigningKey.generate()))
    with pytest.raises(AttestationRefused, match="not a JWT"):
        attestation.verify("not.a.token")
    with pytest.raises(AttestationRefused, match="not an attestation provider"):
        attestation.verify(token(iss="https://sts.windows.net/tenant/"))  # vaultlink's key, not a provider's issuer
    with pytest.raises(AttestationRefused, match="not valid yet"):
        attestation.verify(token(nbf=int(clock.now()) + 3600))


def test_an_expired_token_is_refused(attestation: Attestation) -> None:
    issued = token()
    clock.shift(TOKEN_LIFETIME + 60)
    try:
        with pytest.raises(AttestationRefused, match="expired"):
            attestation.verify(issued)
    finally:
        clock.shift(-(TOKEN_LIFETIME + 60))


@pytest.mark.parametrize("claims", [{"exp": "9999999999"}, {"exp": 1e308}, {"exp": True}, {"exp": 2**62},
                                    {"nbf": "0"}, {"nbf": 0.5}])
def test_dates_must_be_whole_seconds(attestation: Attestation, claims: dict[str, Any]) -> None:
    with pytest.raises(AttestationRefused):
        attestation.verify(token(**claims))

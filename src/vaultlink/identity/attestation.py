"""Microsoft Azure Attestation as far as Key Vault's key release needs it, at `*.attest.azure.net`.

An attestation provider publishes its OpenID metadata and the keys that sign its tokens, and hands out
attestation tokens: JWTs whose claims describe a trusted execution environment and carry, in `x-ms-runtime`,
the keys that environment holds. A key's release policy names the provider (its `authority`) and the claims
it must see; Key Vault verifies the token against that provider's keys and wraps the key under a runtime key.

vaultlink has no enclave to attest, so every provider here answers the test-token endpoint the SDK samples
call (`GET /generate-test-token`, claim `sdk-test: true`), and `POST /generate-test-token` takes the claims
to add (a caller's own `x-ms-runtime` keys among them, so it can unwrap what is released to it). All
providers sign with one key that vaultlink owns, sealed in the store like the token-signing key, so a token
outlives a restart. `verify` is what the data plane asks.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vaultlink.core import jsontext
from vaultlink.core.clock import clock
from vaultlink.identity.tokens import SigningKey, b64url, numeric_date

SUFFIX = ".attest.azure.net"
TOKEN_LIFETIME = 8 * 3600
"""An attestation token is good for eight hours, as the service's are."""
RESERVED = ("iss", "iat", "nbf", "exp", "jti")
"""Claims the provider sets itself; a test-token request cannot choose them."""


class AttestationRefused(ValueError):
    """A token that is not an attestation token of these providers, or no longer valid; the message says why."""


def is_provider(issuer: str) -> bool:
    host = issuer.removeprefix("https://").rstrip("/")
    return issuer.startswith("https://") and host.endswith(SUFFIX) and len(host) > len(SUFFIX) and "/" not in host


class Attestation:
    def __init__(self, key: Callable[[], SigningKey]) -> None:
        """`key` hands out the providers' signing key; it is asked only when a provider is first used, so a
        vaultlink that never attests never makes one."""
        self._key = key
        self._certificate: bytes | None = None

    @property
    def key(self) -> SigningKey:
        return self._key()

    def certificate(self) -> bytes:
        if self._certificate is None:
            self._certificate = self.key.certificate("vaultlink attestation signing")
        return self._certificate

    # ---- what the data plane asks -------------------------------------------------------------------------
    def verify(self, token: str) -> dict[str, Any]:
        """The claims of an attestation token signed by these providers, unexpired; else AttestationRefused."""
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(token, self.key.public_key, algorithms=["RS256"],
                                                options={"verify_exp": False, "verify_nbf": False,
                                                         "verify_aud": False, "require": ["iss", "exp"]})
        except jwt.PyJWTError as e:
            raise AttestationRefused(f"the token is not a JWT signed by an attestation provider ({e})") from None
        if header.get("kid") != self.key.kid:
            raise AttestationRefused("the token names a signing key no attestation provider publishes")
        if not isinstance(claims["iss"], str) or not is_provider(claims["iss"]):
            raise AttestationRefused(f"the token's issuer {claims['iss']!r} is not an attestation provider")
        now = clock.now()
        exp, nbf = numeric_date(claims["exp"]), claims.get("nbf")
        if exp is None or (nbf is not None and numeric_date(nbf) is None):
            raise AttestationRefused("the token's exp and nbf must be whole seconds since the epoch")
        if exp <= now:
            raise AttestationRefused("the token has expired")
        if nbf is not None and nbf > now + 300:
            raise AttestationRefused("the token is not valid yet")
        return claims

    # ---- the provider's endpoints -------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.openid_configuration),
            Route("/certs", self.certs),
            Route("/generate-test-token", self.test_token, methods=["GET", "POST"]),
        ], exception_handlers={404: _not_found, 405: _not_allowed})

    async def openid_configuration(self, request: Request) -> Response:
        base = _base(request)
        return JSONResponse({
            "issuer": base, "jwks_uri": f"{base}/certs", "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token", "none"], "revocation_endpoint": f"{base}/revoke",
            "claims_supported": ["iss", "iat", "nbf", "exp", "jti", "x-ms-ver", "x-ms-runtime", "sdk-test"],
        })

    async def certs(self, request: Request) -> Response:
        jwk = {**self.key.jwks()["keys"][0], "alg": "RS256", "x5c": [base64.b64encode(self.certificate()).decode()]}
        return JSONResponse({"keys": [jwk]})

    async def test_token(self, request: Request) -> Response:
        """GET: the claims the SDK samples expect, with a runtime key of the provider's making. POST: the JSON
        object's claims as well (an `x-ms-runtime` given replaces that runtime key)."""
        extra: dict[str, Any] = {}
        if request.method == "POST":
            body = await request.body()
            try:
                extra = jsontext.loads(body) if body.strip() else {}
            except ValueError:
                return _error(400, "InvalidRequest", "The request body is not valid JSON.")
            if not isinstance(extra, dict):
                return _error(400, "InvalidRequest", "The request body must be a JSON object of claims.")
            taken = [c for c in RESERVED if c in extra]
            if taken:
                return _error(400, "InvalidRequest", f"The claims {', '.join(taken)} are the provider's to set.")
        now = int(clock.now())
        claims: dict[str, Any] = {"sdk-test": True, "x-ms-ver": "1.0"}
        if "x-ms-runtime" not in extra:
            claims["x-ms-runtime"] = {"keys": [_runtime_key()]}
        claims.update(extra)
        claims.update({"iss": _base(request), "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME,
                       "jti": uuid.uuid4().hex})
        return JSONResponse({"token": self.key.sign(claims)})


def _base(request: Request) -> str:
    return f"https://{request.url.hostname}"


def _runtime_key() -> dict[str, Any]:
    """A fresh RSA public key, as an enclave's ephemeral encryption key appears in its token; its private
    half is dropped, as it never leaves an enclave."""
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    return {"kid": "TpmEphemeralEncryptionKey", "kty": "RSA", "key_ops": ["encrypt"],
            "n": b64url(numbers.n.to_bytes(256, "big")), "e": b64url(numbers.e.to_bytes(3, "big"))}


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(404, "NotFound", f"The attestation endpoint '{request.url.path}' does not exist.")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on '{request.url.path}'.")

"""Signing, minting and verifying access tokens.

Tokens are RS256 JWTs in the shape Entra ID issues for v1 resources (ARM, Key Vault): `iss` is
https://sts.windows.net/{tid}/, `aud` the resource. The signing key is kept sealed in the store, so a token
issued before a restart (MSAL caches tokens on disk), or by another vaultlink process sharing the store,
still verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vaultlink.core import errors
from vaultlink.core.clock import clock

TOKEN_LIFETIME = 3600
MAX_LIFETIME = 24 * 3600
"""The longest an access token may live (exp - iat): Entra's configurable token lifetime policy allows
access tokens of at most one day, so no token Entra issues is valid longer."""
CLOCK_SKEW = 300
"""Seconds a token's nbf or iat may lie ahead of our clock (the skew Entra's own validators allow)."""
LATEST_DATE = 253402300800
"""9999-12-31T23:59:59Z + 1 s: a NumericDate past it cannot be a real time."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issuer_for(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def resource_from_scope(scope: str) -> str:
    """'https://management.core.windows.net//.default' -> 'https://management.core.windows.net/'."""
    first = scope.split()[0] if scope.split() else ""
    for item in scope.split():
        if item.endswith("/.default"):
            first = item
            break
    return first.removesuffix("/.default")


@dataclass(frozen=True)
class Caller:
    """Who a verified token speaks for."""

    tenant_id: str
    object_id: str
    app_id: str
    kind: str  # "app" or "user"
    name: str = ""
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        """The Caller line of Key Vault's 403 messages."""
        return f"appid={self.app_id};oid={self.object_id};iss={issuer_for(self.tenant_id)}"


class SigningKey:
    """The RSA key that signs every token, kept in the data directory with mode 0600."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key
        der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = b64url(hashlib.sha1(der).digest())
        self.public_key = private_key.public_key()

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        # The key is vaultlink's own, unsealed from the store (AES-GCM, so unaltered): checking the RSA key's
        # consistency again costs ~40 ms of every start and proves nothing new.
        loaded = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise TypeError("the token-signing key is not an RSA key")
        return cls(loaded)

    def to_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def jwks(self) -> dict[str, Any]:
        numbers = self.public_key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": b64url(n), "e": b64url(e)}]}

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        """An RS256 JWT of `claims`; `headers` adds to its header (x5c, for one)."""
        return jwt.encode(claims, self._key, algorithm="RS256",
                          headers={"kid": self.kid, "x5t": self.kid, "typ": "JWT", **headers})

    def certificate(self, common_name: str) -> bytes:
        """A self-signed DER certificate of the key, for where a verifier wants one (x5c) rather than a JWK."""
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = clock.utcnow()
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.public_key)
                .serial_number(int.from_bytes(hashlib.sha1(self.kid.encode()).digest()[:8], "big"))
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .sign(self._key, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.DER)


class TokenIssuer:
    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def access_token(
        self,
        *,
        tenant_id: str,
        object_id: str,
        app_id: str,
        audience: str,
        kind: str,
        name: str = "",
        upn: str | None = None,
        lifetime: int = TOKEN_LIFETIME,
    ) -> tuple[str, int]:
        now = int(clock.now())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": issuer_for(tenant_id),
            "iat": now,
            "nbf": now - 300,
            "exp": now + lifetime,
            "appid": app_id,
            "appidacr": "1",
            "idtyp": kind,
            "oid": object_id,
            "sub": object_id,
            "tid": tenant_id,
            "uti": b64url(uuid.uuid4().bytes),
            "ver": "1.0",
        }
        if name:
            claims["name"] = name
        if upn:
            claims["upn"] = upn
            claims["unique_name"] = upn
        return self.key.sign(claims), lifetime

    def id_token(self, *, tenant_id: str, object_id: str, client_id: str, upn: str, name: str, nonce: str | None) -> str:
        now = int(clock.now())
        claims: dict[str, Any] = {
            "aud": client_id,
            "iss": f"https://login.microsoftonline.com/{tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "name": name,
            "oid": object_id,
            "preferred_username": upn,
            "sub": object_id,
            "tid": tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self.key.sign(claims)


def client_info(object_id: str, tenant_id: str) -> str:
    return b64url(json.dumps({"uid": object_id, "utid": tenant_id}).encode())


class TokenVerifier:
    """Checks signature, expiry, audience and issuer; raises the ARM 401 errors, returns a Caller.

    A token that verified once is remembered until it expires: clients send the same token for an hour, and
    the RSA check is most of a request's cost otherwise.
    """

    CACHE_LIMIT = 10_000

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self._verified: dict[tuple[str, tuple[str, ...]], Caller] = {}

    def verify(self, authorization: str | None, audiences: tuple[str, ...]) -> Caller:
        if authorization:
            known = self._verified.get((authorization, audiences))
            if known is not None and known.claims["exp"] > clock.now():
                return known
        caller = self._verify(authorization, audiences)
        if len(self._verified) >= self.CACHE_LIMIT:
            self._verified.clear()
        self._verified[(authorization or "", audiences)] = caller
        return caller

    def _verify(self, authorization: str | None, audiences: tuple[str, ...]) -> Caller:
        if not authorization:
            raise errors.AuthenticationFailed()
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.AuthenticationFailed("Authentication failed. The 'Authorization' header is provided in an invalid format.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(),
                self.key.public_key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
                         "verify_iss": False, "require": ["exp", "nbf", "iat", "iss", "aud", "tid"]},
            )
        except jwt.PyJWTError:
            raise errors.InvalidAuthenticationToken() from None
        now = clock.now()
        exp, nbf, iat = (_timestamp(claims, name) for name in ("exp", "nbf", "iat"))
        if exp <= now:
            raise errors.ExpiredAuthenticationToken(expired=_utc(exp), now=_utc(now))
        if nbf > now + CLOCK_SKEW or iat > now + CLOCK_SKEW or not nbf <= exp or not iat < exp:
            raise errors.InvalidAuthenticationToken()
        if exp - iat > MAX_LIFETIME:
            raise errors.InvalidAuthenticationToken()
        if not isinstance(claims["aud"], str) or not isinstance(claims["iss"], str) or not isinstance(claims["tid"], str):
            raise errors.InvalidAuthenticationToken()
        if claims["aud"] not in audiences:
            allowed = ",".join(f"'{a}'" for a in audiences)
            raise errors.InvalidAuthenticationTokenAudience(audience=claims["aud"], allowed=allowed)
        tid = str(claims["tid"])
        if claims["iss"] != issuer_for(tid):
            raise errors.InvalidAuthenticationToken()
        return Caller(
            tenant_id=tid,
            object_id=str(claims.get("oid", "")),
            app_id=str(claims.get("appid", "")),
            kind=str(claims.get("idtyp", "app")),
            name=str(claims.get("upn") or claims.get("name") or ""),
            claims=claims,
        )


def numeric_date(value: Any) -> int | None:
    """A NumericDate claim (RFC 7519 section 2) as Entra writes them, a whole number of seconds; None for
    strings, booleans, fractions and numbers past any date a clock reaches (refused, not coerced)."""
    if type(value) is not int or not 0 <= value < LATEST_DATE:
        return None
    return value


def _timestamp(claims: dict[str, Any], name: str) -> int:
    value = numeric_date(claims[name])
    if value is None:
        raise errors.InvalidAuthenticationToken()
    return value


def _utc(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%m/%d/%Y %H:%M:%S")

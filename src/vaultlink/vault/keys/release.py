"""Key release (POST /keys/{name}/{version}/release, since 7.3): an exportable key, handed to the trusted
execution environment an attestation token describes, when the token meets the key's release policy.

The token is verified against the attestation providers' keys (`verify`), the policy evaluated against its
claims, and the key's private half (PKCS#8) wrapped for the environment's RSA key from `x-ms-runtime`:
an ephemeral AES-256 key wrapped with RSA-OAEP (SHA-1 for CKM_RSA_AES_KEY_WRAP, SHA-256 and SHA-384 for
RSA_AES_KEY_WRAP_256 and _384), followed by the key under AES key wrap with padding (RFC 5649), as the
PKCS#11 mechanism of that name does. The answer is a JWS signed by vaultlink, whose payload holds the request
and the key bundle with the wrapped key as `key_hsm`.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from vaultlink.vault import objects
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto
from vaultlink.vault.keys import releasepolicy
from vaultlink.vault.keys.errors import KeyDisabled, KeyReleaseRefused
from vaultlink.vault.keys.service import Keys
from vaultlink.vault.request import Request

WRAPS: dict[str, type[hashes.HashAlgorithm]] = {
    "CKM_RSA_AES_KEY_WRAP": hashes.SHA1, "RSA_AES_KEY_WRAP_256": hashes.SHA256, "RSA_AES_KEY_WRAP_384": hashes.SHA384,
}
DEFAULT_WRAP = "CKM_RSA_AES_KEY_WRAP"

Verify = Callable[[str], dict[str, Any]]
"""The attestation token's claims once verified; raises ValueError (or a subclass) for a token it refuses."""
Sign = Callable[[dict[str, Any]], str]
"""The release result's payload as a JWS signed by vaultlink."""


class KeyRelease:
    def __init__(self, keys: Keys, verify: Verify, sign: Sign) -> None:
        self.keys = keys
        self.verify = verify
        self.sign = sign

    def release(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        target, enc, nonce = _parameters(body)
        head, rec = self.keys.version(req.vault, name, req.params.get("version", ""))
        ver = rec.body
        if not ver["attributes"].get("exportable") or ver.get("release_policy") is None:
            raise BadParameter(message="The key is not exportable: only a key created or imported exportable, with "
                               "a release policy, can be released.")
        if not ver["attributes"].get("enabled", True):
            raise KeyDisabled(operation="release")
        claims = self._claims(target)
        policy = releasepolicy.parse(keycrypto.from_b64url(ver["release_policy"]["data"], "release_policy.data"))
        if not releasepolicy.satisfied(policy, claims):
            raise KeyReleaseRefused()
        wrapping = runtime_key(claims)
        private = self.keys.private_key(req.vault, name, ver)
        bundle = self.keys.bundle(req, head.body["name"], head.body, ver)
        bundle["key"]["key_hsm"] = key_hsm(wrapping, enc, keycrypto.dump_private(private))
        request: dict[str, Any] = {"api-version": req.api_version, "enc": enc, "kid": bundle["key"]["kid"]}
        if nonce is not None:
            request["nonce"] = nonce
        return 200, {"value": self.sign({"request": request, "response": {"key": bundle}})}

    def _claims(self, target: str) -> dict[str, Any]:
        try:
            return self.verify(target)
        except ValueError:  # Azure says no more than this about a token it cannot verify
            raise KeyReleaseRefused() from None


def _parameters(body: dict[str, Any]) -> tuple[str, str, str | None]:
    target, enc, nonce = body.get("target"), body.get("enc") or DEFAULT_WRAP, body.get("nonce")
    if not isinstance(target, str) or not target.strip():
        raise BadParameter(message="The request must have a 'target' property: the attestation token of the "
                           "environment the key is released to.")
    if not isinstance(enc, str) or enc not in WRAPS:
        raise BadParameter(message=f"The key export encryption algorithm '{enc}' is not supported; use one of "
                           f"{', '.join(WRAPS)}.")
    if nonce is not None and not isinstance(nonce, str):
        raise BadParameter(message="The 'nonce' property must be a string.")
    return target.strip(), str(enc), nonce


def runtime_key(claims: dict[str, Any]) -> dict[str, Any]:
    """The environment's RSA key the release is wrapped for: the first in `x-ms-runtime.keys` (or under
    `x-ms-isolation-tee`, where confidential VMs put it)."""
    for path in ("x-ms-runtime.keys", "x-ms-isolation-tee.x-ms-runtime.keys"):
        keys = releasepolicy.claim_value(claims, path)
        for jwk in keys if isinstance(keys, list) else []:
            if isinstance(jwk, dict) and str(jwk.get("kty", "")).startswith("RSA") and jwk.get("n") and jwk.get("e"):
                return jwk
    raise BadParameter(message="The attestation token holds no RSA key in x-ms-runtime.keys to release the key to.")


def key_hsm(wrapping: dict[str, Any], enc: str, material: bytes) -> str:
    """The wrapped key as Key Vault hands it out: base64url JSON naming the wrapping key, with the ciphertext."""
    e = int.from_bytes(keycrypto.from_b64url(wrapping["e"], "e"), "big")
    n = int.from_bytes(keycrypto.from_b64url(wrapping["n"], "n"), "big")
    aes = os.urandom(32)
    digest = WRAPS[enc]()
    try:
        public = rsa.RSAPublicNumbers(e, n).public_key()
        wrapped = public.encrypt(aes, padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None))
    except (ValueError, TypeError):  # not an RSA key, or one too small to wrap an AES-256 key under `enc`
        raise BadParameter(message=f"The attestation token's runtime key is not an RSA public key that {enc} can "
                           "wrap a key for.") from None
    ciphertext = wrapped + aes_key_wrap_with_padding(aes, material)
    document = {"schema_version": "1.0", "header": {"kid": wrapping.get("kid", ""), "alg": "dir", "enc": enc},
                "ciphertext": keycrypto.b64url(ciphertext), "generator": "vaultlink key release"}
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

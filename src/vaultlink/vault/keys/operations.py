"""The cryptographic operations on a key version: encrypt, decrypt, sign, verify, wrapKey and unwrapKey.

Each checks, in Azure's order, that the key is enabled, inside its nbf/exp window (an expired key still
decrypts, unwraps and verifies what it made before), and that the operation is among its key_ops; then runs
the algorithm from keycrypto. The answer names the exact version used.
"""

from __future__ import annotations

from typing import Any

from vaultlink.vault import objects
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto
from vaultlink.vault.keys.errors import KeyDisabled, KeyExpired, KeyNotYetValid, KeyOperationForbidden
from vaultlink.vault.keys.service import Keys
from vaultlink.vault.request import Request

_STILL_ALLOWED_AFTER_EXPIRY = ("decrypt", "unwrapKey", "verify")


class KeyOperations:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def _prepare(self, req: Request, operation: str) -> tuple[str, dict[str, Any], keycrypto.PrivateKey, dict[str, Any]]:
        name = objects.check_name(req.params["name"])
        body = req.json()
        head, ver = self.keys.version(req.vault, name, req.params.get("version", ""))
        attributes = ver.body["attributes"]
        if not attributes.get("enabled", True):
            raise KeyDisabled(operation=operation)
        now = objects.now()
        if attributes.get("nbf") is not None and now < attributes["nbf"]:
            raise KeyNotYetValid(operation=operation)
        if (attributes.get("exp") is not None and now >= attributes["exp"]
                and operation not in _STILL_ALLOWED_AFTER_EXPIRY):
            raise KeyExpired(operation=operation)
        if operation not in ver.body["key_ops"]:
            raise KeyOperationForbidden(operation=operation)
        kid = f"{req.base}/keys/{head.body['name']}/{ver.body['version']}"
        return kid, ver.body, self.keys.private_key(req.vault, name, ver.body), body

    @staticmethod
    def _value(body: dict[str, Any], field: str = "value") -> bytes:
        if body.get(field) is None:
            raise BadParameter(message=f"The request must have a '{field}' property (base64url).")
        return keycrypto.from_b64url(body[field], field)

    def _cipher(self, req: Request, operation: str) -> tuple[int, Any]:
        kid, ver, private, body = self._prepare(req, operation)
        value = self._value(body)
        if operation in ("encrypt", "wrapKey"):
            out = keycrypto.encrypt(private, ver["kty"], body.get("alg"), value)
        else:
            out = keycrypto.decrypt(private, ver["kty"], body.get("alg"), value)
        return 200, {"kid": kid, "value": keycrypto.b64url(out)}

    def encrypt(self, req: Request) -> tuple[int, Any]:
        return self._cipher(req, "encrypt")

    def decrypt(self, req: Request) -> tuple[int, Any]:
        return self._cipher(req, "decrypt")

    def wrap_key(self, req: Request) -> tuple[int, Any]:
        return self._cipher(req, "wrapKey")

    def unwrap_key(self, req: Request) -> tuple[int, Any]:
        return self._cipher(req, "unwrapKey")

    def sign(self, req: Request) -> tuple[int, Any]:
        kid, ver, private, body = self._prepare(req, "sign")
        signature = keycrypto.sign(private, ver["kty"], body.get("alg"), self._value(body))
        return 200, {"kid": kid, "value": keycrypto.b64url(signature)}

    def verify(self, req: Request) -> tuple[int, Any]:
        _, ver, private, body = self._prepare(req, "verify")
        digest, signature = self._value(body, "digest"), self._value(body)
        return 200, {"value": keycrypto.verify(private, ver["kty"], body.get("alg"), digest, signature)}

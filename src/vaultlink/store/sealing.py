"""Sealed values: what the store keeps of anything secret.

AES-256-GCM under a key that never enters the store (the root key lives in its own file). The associated
data binds a sealed value to where it belongs, so a ciphertext copied to another record does not open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12


class SealBroken(Exception):
    """A sealed value did not open: the wrong key, or a value moved or altered."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a sealing key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(NONCE)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, context.encode())).decode()

    def unseal(self, sealed: str, context: str) -> bytes:
        try:
            raw = base64.b64decode(sealed)
            return self._aead.decrypt(raw[:NONCE], raw[NONCE:], context.encode())
        except (InvalidTag, ValueError):
            raise SealBroken(f"the sealed value for '{context}' does not open with this key") from None

"""Encryption at rest for the data plane.

Every vault has its own 256-bit data key, made on first use and kept in the store sealed under the root key
(which never enters the store). Secret values and private key material are encrypted with AES-GCM under the
vault's key, bound (as associated data) to the object and version they belong to, so a ciphertext moved to
another record does not open.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vaultlink.store import Store, StoreConflict
from vaultlink.store.sealing import Sealer

DATA_KEY = "kv-datakey"


class Protector:
    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer
        self._keys: dict[str, AESGCM] = {}

    def _key(self, instance: str) -> AESGCM:
        cached = self._keys.get(instance)
        if cached is not None:
            return cached
        rec = self.store.get(DATA_KEY, instance)
        if rec is None:
            try:
                with self.store.transaction() as tx:
                    raw = os.urandom(32)
                    tx.put(DATA_KEY, instance, {"sealed": self.sealer.seal(raw, f"{DATA_KEY}:{instance}")}, expect=0)
            except StoreConflict:  # another process made it first: use theirs
                rec = self.store.get(DATA_KEY, instance)
        if rec is not None:
            raw = self.sealer.unseal(rec.body["sealed"], f"{DATA_KEY}:{instance}")
        key = AESGCM(raw)
        self._keys[instance] = key
        return key

    def encrypt(self, instance: str, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._key(instance).encrypt(nonce, plaintext, context.encode())).decode()

    def decrypt(self, instance: str, sealed: str, context: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._key(instance).decrypt(raw[:12], raw[12:], context.encode())

    def forget(self, instance: str) -> None:
        """Drops the vault's key (its objects were purged with the vault)."""
        self._keys.pop(instance, None)
        with self.store.transaction() as tx:
            tx.delete(DATA_KEY, instance)

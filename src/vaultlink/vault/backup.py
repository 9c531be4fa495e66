"""Backup blobs of secrets, keys and certificates: the object's records as JSON, sealed under vaultlink's root
key, base64url. A blob opens only for the kind it holds and in a vault of the subscription it came from (Azure
also asks for the same geography; vaultlink has one)."""

from __future__ import annotations

import base64
import json
from typing import Any

from vaultlink.store.sealing import SealBroken, Sealer
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.model import VaultInfo

CONTEXT = "kv-backup"


def seal(sealer: Sealer, kind: str, vault: VaultInfo, payload: dict[str, Any]) -> dict[str, str]:
    """The answer of a backup operation: {"value": the blob}."""
    body = {"kind": kind, **payload, "subscription": vault.subscription_id.lower(), "geography": vault.location}
    blob = sealer.seal(json.dumps(body).encode(), CONTEXT)
    return {"value": base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")}


def open_blob(sealer: Sealer, raw: Any, kind: str, vault: VaultInfo) -> dict[str, Any]:
    """The payload of a backup blob of that kind for this vault, or Azure's BadParameter for anything else."""
    if not isinstance(raw, str) or not raw:
        raise BadParameter(message="The request must have a 'value' property holding a backup blob.")
    try:
        sealed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        payload: dict[str, Any] = json.loads(sealer.unseal(sealed, CONTEXT))
    except (ValueError, UnicodeDecodeError, SealBroken):
        raise BadParameter(message="The backup blob is not valid: it is damaged, or it was not made by this "
                           "Key Vault service.") from None
    if payload.get("kind") != kind:
        raise BadParameter(message=f"The backup blob does not hold a {kind}.")
    if payload["subscription"] != vault.subscription_id.lower():
        raise BadParameter(message="A backup can only be restored to a vault in the same subscription and "
                           "geography as the vault it was taken from.")
    return payload

"""Errors of keys and their operations, in Key Vault's envelope (vault/errors.py has the shared ones)."""

from __future__ import annotations

from vaultlink.core import errors
from vaultlink.vault.errors import Forbidden


class KeyNotFound(errors.NotFound):
    """A key with (name/id) {name} was not found in this key vault. If you recently deleted this key you may be
    able to recover it using the correct recovery command. For help resolving this issue, please see
    https://go.microsoft.com/fwlink/?linkid=2125182"""


class DeletedKeyNotFound(KeyNotFound):
    """Deleted Key not found: {name}"""

    code = "KeyNotFound"


class KeyOperationForbidden(Forbidden):
    """Operation {operation} is not permitted on this key."""

    inner_code = "KeyOperationForbidden"


class KeyDisabled(Forbidden):
    """Operation {operation} is not allowed on a disabled key."""

    inner_code = "KeyDisabled"


class KeyNotYetValid(Forbidden):
    """Operation {operation} is not allowed on a key before its activation ('nbf') time."""

    inner_code = "KeyNotYetValid"


class KeyExpired(Forbidden):
    """Operation {operation} is not allowed on an expired key."""

    inner_code = "KeyExpired"


class KeyManagedByKeyVault(Forbidden):
    """Operation "{operation}" is not allowed as this object's lifetime is managed by Key Vault."""

    inner_code = "KeyManagedByKeyVault"


class KeyReleaseRefused(Forbidden):
    """Target environment attestation statement cannot be verified."""

    inner_code = "AccessDenied"

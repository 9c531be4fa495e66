"""Errors of secrets, in Key Vault's envelope (vault/errors.py has the shared ones)."""

from __future__ import annotations

from vaultlink.core import errors
from vaultlink.vault.errors import Forbidden


class SecretDisabled(Forbidden):
    """Operation get is not allowed on a disabled secret."""

    inner_code = "SecretDisabled"


class SecretNotFound(errors.NotFound):
    """A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you
    may be able to recover it using the correct recovery command. For help resolving this issue, please see
    https://go.microsoft.com/fwlink/?linkid=2125182"""


class DeletedSecretNotFound(SecretNotFound):
    """Deleted Secret not found"""

    code = "SecretNotFound"


class SecretManagedByKeyVault(Forbidden):
    """Operation "{operation}" is not allowed as this object's lifetime is managed by Key Vault."""

    inner_code = "SecretManagedByKeyVault"

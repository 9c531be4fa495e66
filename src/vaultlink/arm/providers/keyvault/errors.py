"""The errors Microsoft.KeyVault's resource provider answers with.

Messages are Azure's where they were seen on the wire (VaultNameNotValid, VaultAlreadyExists, ConflictError,
the purge-protection and irreversible-property refusals); the others are written in the same voice and say
which value was refused.
"""

from __future__ import annotations

from vaultlink.core import errors


class VaultNameNotValid(errors.BadRequest):
    """The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The
    name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this
    link for more information: https://go.microsoft.com/fwlink/?linkid=2147742"""


class VaultAlreadyExists(errors.Conflict):
    """The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the
    name is already taken. If you are sure that the vault name was not taken then it is possible that a vault
    with the same name was recently deleted but not purged after being placed in a recoverable state. If the
    vault is in a recoverable state then the vault will need to be purged before reusing the name. For more
    information about VaultAlreadyExists, soft delete and purging a vault follow this link
    https://go.microsoft.com/fwlink/?linkid=2147740."""


class ConflictError(errors.Conflict):
    """Exist soft deleted vault with the same name. The vault '{name}' was deleted on {deleted} and can be
    recovered (createMode 'recover') or purged until {purge}."""


class SoftDeletedVaultDoesNotExist(errors.BadRequest):
    """A soft deleted vault named '{name}' does not exist in location '{location}' of subscription
    '{subscription}', so it cannot be recovered. Create the vault with createMode 'default' instead."""


class SkuNotSupported(errors.BadRequest):
    """The SKU {sku} is not supported. A vault's sku must have family 'A' and name 'standard' or 'premium'."""


class KeyVaultBadRequest(errors.BadRequest):
    """{message}"""

    code = "BadRequest"


class InvalidResourceLocation(errors.Conflict):
    """The resource '{name}' already exists in location '{existing}' in resource group '{group}'. A resource
    with the same name cannot be created in location '{location}'. Please select a new resource name."""


class DeletedVaultPurgeNotAllowed(errors.AzureError):
    """Operation 'DeletedVaultPurge' is not allowed. The vault '{name}' has purge protection enabled, so Key
    Vault purges it only when its retention period ends, on {purge}."""

    status = 405
    code = "MethodNotAllowed"


class DeletedVaultNotFound(errors.NotFound):
    """The Resource 'Microsoft.KeyVault/deletedVaults/{name}' under resource group '<null>' was not found. No
    soft deleted vault named '{name}' is in location '{location}'."""

    code = "ResourceNotFound"


class ProviderNotRegisteredForEndpoint(errors.AzureError):
    """Microsoft.KeyVault provider must be registered on subscription containing private endpoint: {endpoint}"""

    status = 403
    code = "AuthorizationFailed"

"""Data-plane errors: Key Vault's envelope is {"error": {"code", "message"[, "innererror": {"code"}]}}."""

from __future__ import annotations

from vaultlink.core import errors


class BadParameter(errors.BadRequest):
    """{message}"""

    code = "BadParameter"


class Unauthorized(errors.AzureError):
    """{message}"""

    status = 401
    code = "Unauthorized"


class Forbidden(errors.AzureError):
    """{message}"""

    status = 403
    code = "Forbidden"


class AccessDenied(Forbidden):
    """The user, group or application '{caller}' does not have {object} {permission} permission on key vault
    '{vault};location={location}'. For help resolving this issue, please see
    https://go.microsoft.com/fwlink/?linkid=2125287"""

    inner_code = "AccessDenied"


class ForbiddenByRbac(Forbidden):
    """Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role
    definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction:
    '{action}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason:
    'DeniedWithNoValidRBAC' \r\nVault: {vault};location={location}\r\n"""

    inner_code = "ForbiddenByRbac"

    def __init__(self, **fields: str) -> None:
        # the docstring's folded whitespace must not eat the \r\n Azure puts between lines
        message = (
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role "
            "definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: "
            "'{action}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\n"
            "DecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {vault};location={location}\r\n"
        ).format(**fields)
        super().__init__(message, **fields)


class ForbiddenByConnection(Forbidden):
    """{message}"""

    inner_code = "ForbiddenByConnection"

    @classmethod
    def public_access_disabled(cls, caller: str, vault: str, location: str) -> ForbiddenByConnection:
        return cls(message="Public network access is disabled and request is not from a trusted service nor via an "
                   f"approved private link.\r\nCaller: {caller}\r\nVault: {vault};location={location}")

    @classmethod
    def not_approved(cls, reason: str, caller: str, vault: str, location: str) -> ForbiddenByConnection:
        return cls(message=f"Connection is not an approved private link and caller was denied: {reason}.\r\n"
                   f"Caller: {caller}\r\nVault: {vault};location={location}")


class ForbiddenByFirewall(Forbidden):
    """{message}"""

    inner_code = "ForbiddenByFirewall"

    @classmethod
    def client_address(cls, address: str, caller: str, vault: str, location: str) -> ForbiddenByFirewall:
        return cls(message="Client address is not authorized and caller is not a trusted service.\r\nClient address: "
                   f"{address}\r\nCaller: {caller}\r\nVault: {vault};location={location}")


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


class ObjectConflict(errors.Conflict):
    """{message}"""

    code = "Conflict"


class PurgeProtected(Forbidden):
    """Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service
    will automatically purge it after the retention period has passed."""

    inner_code = "PurgeProtectionEnabled"


# ---- keys -------------------------------------------------------------------------------------------------

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


class SecretManagedByKeyVault(Forbidden):
    """Operation "{operation}" is not allowed as this object's lifetime is managed by Key Vault."""

    inner_code = "SecretManagedByKeyVault"


# ---- certificates -----------------------------------------------------------------------------------------

class CertificateNotFound(errors.NotFound):
    """A certificate with (name/id) {name} was not found in this key vault. If you recently deleted this
    certificate you may be able to recover it using the correct recovery command. For help resolving this issue,
    please see https://go.microsoft.com/fwlink/?linkid=2125182"""


class DeletedCertificateNotFound(CertificateNotFound):
    """Deleted Certificate not found: {name}"""

    code = "CertificateNotFound"


class PendingCertificateNotFound(errors.NotFound):
    """Pending certificate not found: {name}"""


class ContactsNotFound(errors.NotFound):
    """Contacts not found"""


class CertificateIssuerNotFound(errors.NotFound):
    """Issuer not found: {name}"""


# ---- throttling -------------------------------------------------------------------------------------------

class Throttled(errors.AzureError):
    """Request was not processed because too many requests were received. Reason: {reason}"""

    status = 429

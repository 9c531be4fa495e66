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


class SecretDisabled(Forbidden):
    """Operation get is not allowed on a disabled secret."""

    inner_code = "SecretDisabled"


class ObjectNotFound(errors.NotFound):
    """{message}"""

    code = "NotFound"


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

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


class ObjectConflict(errors.Conflict):
    """{message}"""

    code = "Conflict"


class PurgeProtected(Forbidden):
    """Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service
    will automatically purge it after the retention period has passed."""

    inner_code = "PurgeProtectionEnabled"


# ---- throttling -------------------------------------------------------------------------------------------

class Throttled(errors.AzureError):
    """Request was not processed because too many requests were received. Reason: {reason}"""

    status = 429

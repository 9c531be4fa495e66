"""Who may do what in a vault: the bearer challenge, token checks, and the two permission models.

A request without a token gets the 401 challenge the SDKs expect; a token must be signed by vaultlink, be
for https://vault.azure.net, unexpired, and from the vault's tenant (AKV10032 otherwise). Then either Azure
RBAC (the vault's enableRbacAuthorization: data actions from role assignments, at vault or object scope) or
the vault's access policies (per-permission lists) decide, as a Decision with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultlink.core import errors
from vaultlink.identity import audiences
from vaultlink.identity.rbac import Authorizer, narrowest_role
from vaultlink.identity.tokens import Caller, TokenVerifier, issuer_for
from vaultlink.vault.errors import AccessDenied, Forbidden, ForbiddenByRbac, Unauthorized
from vaultlink.vault.model import VaultInfo

AUDIENCES = audiences.VAULT


IMPLIED_BY = {p: "manageissuers" for p in ("getissuers", "listissuers", "setissuers", "deleteissuers")}
"""Access-policy permissions that a broader one grants too."""


def challenge_header(tenant_id: str) -> str:
    return f'Bearer authorization="https://login.microsoftonline.com/{tenant_id}", resource="https://vault.azure.net"'


RBAC, ACCESS_POLICY = "rbac", "accessPolicy"


@dataclass(frozen=True)
class Authorization:
    """The authorization half of a data-plane decision."""

    allowed: bool
    model: str
    """RBAC or ACCESS_POLICY: the vault's permission model."""
    action: str
    """The RBAC data action, or the access-policy permission ("secrets get")."""
    scope: str
    reason: str
    missing: str | None = None
    """When refused: the built-in role (RBAC) or the permission (access policy) the caller lacks."""


@dataclass(frozen=True)
class Permission:
    """What an operation needs: the access-policy permission and the RBAC data action."""

    collection: str  # "secrets", "keys", "certificates"
    name: str  # "get", "set", "list", ...
    data_action: str


class Gate:
    def __init__(self, verifier: TokenVerifier, authorizer: Authorizer) -> None:
        self.verifier = verifier
        self.authorizer = authorizer

    def authenticate(self, authorization: str | None, vault: VaultInfo) -> Caller:
        if not authorization:
            raise Unauthorized(message="Request is missing a Bearer or PoP token.")
        caller = self._verify(authorization)
        if caller.tenant_id.lower() != vault.tenant_id.lower():
            raise Unauthorized(
                message=f"AKV10032: Invalid issuer. Expected one of {issuer_for(vault.tenant_id)}, found "
                f"{issuer_for(caller.tenant_id)}."
            )
        return caller

    def _verify(self, authorization: str) -> Caller:
        try:
            return self.verifier.verify(authorization, AUDIENCES)
        except errors.InvalidAuthenticationTokenAudience as e:
            raise Unauthorized(message=f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: "
                               f"{e.fields.get('audience')}.") from None
        except errors.ExpiredAuthenticationToken:
            raise Unauthorized(message="Token is expired.") from None
        except errors.AuthenticationFailed:
            raise Unauthorized(message="Invalid token: its signature, issuer or format is not valid.") from None

    def decide(self, vault: VaultInfo, caller: Caller, need: Permission, object_name: str | None) -> Authorization:
        """RBAC (enableRbacAuthorization) or the access policies, as a value: who asked for what, and why it
        was allowed or which role or permission was missing."""
        if vault.rbac:
            scope = vault.id + (f"/{need.collection}/{object_name}" if object_name else "")
            decision = self.authorizer.decide(caller.object_id, need.data_action, scope, data=True)
            if decision.allowed:
                return Authorization(True, RBAC, need.data_action, scope, decision.reason)
            role = narrowest_role(need.data_action, data=True)
            missing = role.name if role is not None else None
            reason = decision.reason + (f"; the narrowest built-in role that grants it is '{missing}'" if missing else "")
            return Authorization(False, RBAC, need.data_action, scope, reason, missing)
        policy = _policy_permissions(vault.access_policies, caller, vault.tenant_id, need.collection)
        permission = f"{need.collection} {need.name}"
        if need.name in policy or "all" in policy or IMPLIED_BY.get(need.name, "") in policy:
            return Authorization(True, ACCESS_POLICY, permission, vault.id, f"an access policy grants {permission}")
        return Authorization(False, ACCESS_POLICY, permission, vault.id,
                             f"no access policy of the caller grants {permission}", permission)

    @staticmethod
    def refusal(authorization: Authorization, vault: VaultInfo, caller: Caller) -> Forbidden:
        """Azure's error for a refused authorization: ForbiddenByRbac, or the access policies' Forbidden."""
        if authorization.model == RBAC:
            return ForbiddenByRbac(caller=caller.describe(), action=authorization.action,
                                   resource=authorization.scope.lower(), vault=vault.name, location=vault.location)
        collection, _, name = authorization.action.partition(" ")
        return AccessDenied(caller=caller.describe(), object=_singular(collection), permission=name, vault=vault.name,
                            location=vault.location)


def _policy_permissions(policies: tuple[dict[str, Any], ...], caller: Caller, tenant_id: str, collection: str) -> set[str]:
    granted: set[str] = set()
    for p in policies:
        if str(p.get("objectId", "")).lower() != caller.object_id.lower():
            continue
        if str(p.get("tenantId", tenant_id)).lower() != tenant_id.lower():
            continue
        app = p.get("applicationId")
        if app and str(app).lower() != caller.app_id.lower():
            continue
        granted.update(str(x).lower() for x in (p.get("permissions", {}).get(collection) or []))
    return granted


def _singular(collection: str) -> str:
    return {"secrets": "secrets", "keys": "keys", "certificates": "certificates"}.get(collection, collection)

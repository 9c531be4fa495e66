"""The resources vaultlink's token endpoint mints tokens for: the services it runs, and each one's audiences.

Entra ID issues a token only for a resource principal its tenant knows; any other resource or scope is refused
with AADSTS500011 (400 invalid_resource). vaultlink's tenants know the services vaultlink serves and nothing
else, so a token for `https://vault.azure.net.evil.com` is never minted. Each verifier accepts its service's
audiences from here.
"""

from __future__ import annotations

ARM = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
VAULT = ("https://vault.azure.net", "https://vault.azure.net/", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093")
GRAPH = ("https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")

OWNED = ARM + VAULT + GRAPH

_CANONICAL = {a.lower().rstrip("/"): a for a in reversed(OWNED)}
_PERMISSIONS = ("/user_impersonation",)


def owned(resource: str) -> str | None:
    """The audience a token for `resource` carries (as a verifier expects it), or None when no service of
    vaultlink's owns it. A v2 scope's permission (`https://vault.azure.net/user_impersonation`) names its
    resource; case and a trailing slash do not matter."""
    if resource in OWNED:
        return resource
    key = resource.lower()
    for permission in _PERMISSIONS:
        key = key.removesuffix(permission)
    return _CANONICAL.get(key.rstrip("/"))

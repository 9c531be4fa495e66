from __future__ import annotations

from pathlib import Path

from vaultlink.identity import roles
from vaultlink.identity.rbac import Authorizer, action_matches, covers, role_allows
from vaultlink.store import open_store


def test_action_patterns() -> None:
    assert action_matches(("*",), "Microsoft.Network/virtualNetworks/write")
    assert action_matches(("*/read",), "Microsoft.Network/virtualNetworks/read")
    assert not action_matches(("*/read",), "Microsoft.Network/virtualNetworks/write")
    assert action_matches(("Microsoft.Authorization/*/Write",), "microsoft.authorization/roleAssignments/write")


def test_contributor_cannot_assign_roles_and_owner_can() -> None:
    contributor, owner = roles.find("Contributor"), roles.find("Owner")
    assert contributor and owner
    assert role_allows(contributor, "Microsoft.KeyVault/vaults/write", data=False)
    assert not role_allows(contributor, "Microsoft.Authorization/roleAssignments/write", data=False)
    assert role_allows(owner, "Microsoft.Authorization/roleAssignments/write", data=False)
    assert not role_allows(owner, "Microsoft.KeyVault/vaults/secrets/getSecret/action", data=True)


def test_scopes_cover_what_is_below_them_only() -> None:
    assert covers("/subscriptions/s", "/subscriptions/s/resourceGroups/rg")
    assert covers("/subscriptions/S/resourceGroups/RG", "/subscriptions/s/resourcegroups/rg")
    assert not covers("/subscriptions/s/resourceGroups/rg", "/subscriptions/s/resourceGroups/rg2")
    assert not covers("/subscriptions/s/resourceGroups/rg", "/subscriptions/s")


def test_decisions_carry_their_reason(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    authz = Authorizer(store)
    authz.assign(scope="/subscriptions/s/resourceGroups/rg", role_id="Key Vault Secrets User", principal_id="p1",
                 principal_type="User")
    allowed = authz.decide("p1", "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                           "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x", data=True)
    assert allowed.allowed and "Key Vault Secrets User" in allowed.reason and allowed.assignment
    refused = authz.decide("p1", "Microsoft.KeyVault/vaults/secrets/setSecret/action",
                           "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", data=True)
    assert not refused.allowed and refused.assignment is None
    store.close()


def test_generated_secrets_never_look_like_a_flag() -> None:
    from vaultlink.identity.directory import new_secret

    assert all(new_secret()[0].isalnum() for _ in range(2000))

"""The built-in role definitions vaultlink knows, with Azure's ids, actions and data actions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoleDefinition:
    id: str
    name: str
    description: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = field(default=())


_KV_READS = (
    "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read",
)

BUILT_IN: tuple[RoleDefinition, ...] = (
    RoleDefinition("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
                   "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
                   actions=("*",)),
    RoleDefinition("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
                   "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
                   actions=("*",),
                   not_actions=("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                                "Microsoft.Authorization/elevateAccess/Action")),
    RoleDefinition("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, but does not allow you to make any changes.",
                   actions=("*/read",)),
    RoleDefinition("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator", "Lets you manage user access to Azure resources.",
                   actions=("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*")),
    RoleDefinition("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor",
                   "Lets you manage networks, but not access to them.",
                   actions=("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/*",
                            "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                            "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*")),
    RoleDefinition("f25e0fa2-a7c8-4377-a976-54943a77a395", "Key Vault Contributor",
                   "Lets you manage key vaults, but not access to them.",
                   actions=("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.KeyVault/*",
                            "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                            "Microsoft.Support/*"),
                   not_actions=("Microsoft.KeyVault/locations/deletedVaults/purge/action", "Microsoft.KeyVault/hsmPools/*",
                                "Microsoft.KeyVault/managedHsms/*")),
    RoleDefinition("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator",
                   "Perform all data plane operations on a key vault and all objects in it, including certificates, "
                   "keys, and secrets. Cannot manage key vault resources or manage role assignments.",
                   actions=_KV_READS, data_actions=("Microsoft.KeyVault/vaults/*",)),
    RoleDefinition("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer",
                   "Perform any action on the secrets of a key vault, except manage permissions.",
                   actions=_KV_READS, data_actions=("Microsoft.KeyVault/vaults/secrets/*",)),
    RoleDefinition("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User", "Read secret contents.",
                   data_actions=("Microsoft.KeyVault/vaults/secrets/getSecret/action",
                                 "Microsoft.KeyVault/vaults/secrets/readMetadata/action")),
    RoleDefinition("21090545-7ca7-4776-b22c-e363652d74d2", "Key Vault Reader",
                   "Read metadata of key vaults and its certificates, keys, and secrets.",
                   actions=_KV_READS,
                   data_actions=("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action")),
    RoleDefinition("a4417e6f-fecd-4de8-b567-7b0420556985", "Key Vault Certificates Officer",
                   "Perform any action on the certificates of a key vault, except manage permissions.",
                   actions=_KV_READS,
                   data_actions=("Microsoft.KeyVault/vaults/certificatecas/*", "Microsoft.KeyVault/vaults/certificates/*",
                                 "Microsoft.KeyVault/vaults/certificatecontacts/write")),
    RoleDefinition("db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", "Key Vault Certificate User",
                   "Read entire certificate contents including secret and key portion.",
                   data_actions=("Microsoft.KeyVault/vaults/certificates/read",
                                 "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                                 "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                                 "Microsoft.KeyVault/vaults/keys/read")),
    RoleDefinition("14b46e9e-c2b7-41b4-b07b-48a6ebf60603", "Key Vault Crypto Officer",
                   "Perform any action on the keys of a key vault, except manage permissions.",
                   actions=_KV_READS,
                   data_actions=("Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*")),
    RoleDefinition("12338af0-0e69-4776-bea7-57ae8d297424", "Key Vault Crypto User",
                   "Perform cryptographic operations using keys.",
                   data_actions=tuple(f"Microsoft.KeyVault/vaults/keys/{a}" for a in (
                       "read", "update/action", "backup/action", "encrypt/action", "decrypt/action", "wrap/action",
                       "unwrap/action", "sign/action", "verify/action"))),
    RoleDefinition("e147488a-f6f5-4113-8e2d-b22465e65bf6", "Key Vault Crypto Service Encryption User",
                   "Read metadata of keys and perform wrap/unwrap operations.",
                   data_actions=("Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action",
                                 "Microsoft.KeyVault/vaults/keys/unwrap/action")),
    RoleDefinition("8b54135c-b56d-4d72-a534-26097cfdc8d8", "Key Vault Data Access Administrator",
                   "Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault "
                   "Administrator, Certificates Officer, Crypto Officer, Crypto Service Encryption User, Crypto User, "
                   "Reader, Secrets Officer, or Secrets User roles.",
                   actions=("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
                            "Microsoft.Authorization/*/read", "Microsoft.Resources/deployments/*",
                            "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.KeyVault/vaults/*/read")),
)

BY_ID = {r.id: r for r in BUILT_IN}
BY_NAME = {r.name.lower(): r for r in BUILT_IN}


def find(ref: str) -> RoleDefinition | None:
    """A role named by id, by full roleDefinitionId path, or by name."""
    tail = ref.rstrip("/").rsplit("/", 1)[-1].lower()
    return BY_ID.get(tail) or BY_NAME.get(ref.lower())

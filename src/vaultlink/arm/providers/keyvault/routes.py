"""Routes of Microsoft.KeyVault: vaults, access policies, deleted vaults, the name check, private link
resources and private endpoint connections. Each names the RBAC action the pipeline checks."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.keyvault import deleted
from vaultlink.arm.providers.keyvault.connections import PrivateEndpointConnections
from vaultlink.arm.providers.keyvault.deleted import DeletedVaults
from vaultlink.arm.providers.keyvault.managedhsms import ManagedHsms
from vaultlink.arm.providers.keyvault.model import NAMESPACE, VAULT_TYPE
from vaultlink.arm.providers.keyvault.service import Vaults
from vaultlink.arm.services import Services

SUB = "/subscriptions/{subscriptionId}"
PROVIDER = SUB + "/providers/Microsoft.KeyVault"
VAULTS = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults"
VAULT = VAULTS + "/{vaultName}"
PEC = VAULT + "/privateEndpointConnections/{connectionName}"
DELETED = PROVIDER + "/locations/{location}/deletedVaults/{vaultName}"


def routes(services: Services) -> list[Route]:
    vaults, gone, links = Vaults(services), DeletedVaults(services), PrivateEndpointConnections(services)
    hsms = ManagedHsms(services)
    services.hooks.on(VAULT_TYPE, deleted.group_deleted)
    K = NAMESPACE
    READ, WRITE = "Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/write"
    PEC_READ = "Microsoft.KeyVault/vaults/privateEndpointConnections/read"
    return [
        Route("PUT", VAULT, vaults.put, K, "vaults", action=WRITE),
        Route("PATCH", VAULT, vaults.patch, K, "vaults", action=WRITE),
        Route("GET", VAULT, vaults.get, K, "vaults", action=READ),
        Route("DELETE", VAULT, vaults.delete, K, "vaults", action="Microsoft.KeyVault/vaults/delete"),
        Route("GET", VAULTS, vaults.list_by_group, K, "vaults", action=READ),
        Route("GET", PROVIDER + "/vaults", vaults.list_by_subscription, K, "vaults", action=READ),
        Route("PUT", VAULT + "/accessPolicies/{operationKind}", vaults.update_access_policy, K, "vaults/accessPolicies",
              action="Microsoft.KeyVault/vaults/accessPolicies/write"),
        Route("POST", PROVIDER + "/checkNameAvailability", vaults.check_name_availability, K, "checkNameAvailability",
              action="Microsoft.KeyVault/checkNameAvailability/read"),
        Route("GET", PROVIDER + "/deletedVaults", gone.list, K, "deletedVaults",
              action="Microsoft.KeyVault/deletedVaults/read"),
        Route("GET", DELETED, gone.get, K, "locations/deletedVaults",
              action="Microsoft.KeyVault/locations/deletedVaults/read"),
        Route("POST", DELETED + "/purge", gone.purge, K, "locations/deletedVaults",
              action="Microsoft.KeyVault/locations/deletedVaults/purge/action"),
        Route("GET", VAULT + "/privateLinkResources", links.private_link_resources, K, "vaults/privateLinkResources",
              action="Microsoft.KeyVault/vaults/privateLinkResources/read"),
        Route("GET", VAULT + "/privateEndpointConnections", links.list, K, "vaults/privateEndpointConnections",
              action=PEC_READ),
        Route("GET", PEC, links.get, K, "vaults/privateEndpointConnections", action=PEC_READ),
        Route("PUT", PEC, links.put, K, "vaults/privateEndpointConnections",
              action="Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action"),
        Route("DELETE", PEC, links.delete, K, "vaults/privateEndpointConnections",
              action="Microsoft.KeyVault/vaults/privateEndpointConnections/delete"),
        Route("GET", PROVIDER + "/managedHSMs", hsms.list_by_subscription, K, "managedHSMs",
              action="Microsoft.KeyVault/managedHSMs/read"),
        Route("GET", SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/managedHSMs",
              hsms.list_by_group, K, "managedHSMs", action="Microsoft.KeyVault/managedHSMs/read"),
        Route("GET", PROVIDER + "/deletedManagedHSMs", hsms.list_deleted, K, "deletedManagedHSMs",
              action="Microsoft.KeyVault/deletedManagedHSMs/read"),
    ]

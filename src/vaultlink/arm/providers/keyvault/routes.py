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
        Route("Vaults_CreateOrUpdate", "PUT", VAULT, vaults.put, K, "vaults", action=WRITE),
        Route("Vaults_Update", "PATCH", VAULT, vaults.patch, K, "vaults", action=WRITE),
        Route("Vaults_Get", "GET", VAULT, vaults.get, K, "vaults", action=READ),
        Route("Vaults_Delete", "DELETE", VAULT, vaults.delete, K, "vaults", action="Microsoft.KeyVault/vaults/delete"),
        Route("Vaults_ListByResourceGroup", "GET", VAULTS, vaults.list_by_group, K, "vaults", action=READ),
        Route("Vaults_ListBySubscription", "GET", PROVIDER + "/vaults", vaults.list_by_subscription, K, "vaults", action=READ),
        Route("Vaults_UpdateAccessPolicy", "PUT", VAULT + "/accessPolicies/{operationKind}", vaults.update_access_policy, K, "vaults/accessPolicies",
              action="Microsoft.KeyVault/vaults/accessPolicies/write"),
        Route("Vaults_CheckNameAvailability", "POST", PROVIDER + "/checkNameAvailability", vaults.check_name_availability, K, "checkNameAvailability",
              action="Microsoft.KeyVault/checkNameAvailability/read"),
        Route("Vaults_ListDeleted", "GET", PROVIDER + "/deletedVaults", gone.list, K, "deletedVaults",
              action="Microsoft.KeyVault/deletedVaults/read"),
        Route("Vaults_GetDeleted", "GET", DELETED, gone.get, K, "locations/deletedVaults",
              action="Microsoft.KeyVault/locations/deletedVaults/read"),
        Route("Vaults_PurgeDeleted", "POST", DELETED + "/purge", gone.purge, K, "locations/deletedVaults",
              action="Microsoft.KeyVault/locations/deletedVaults/purge/action"),
        Route("PrivateLinkResources_ListByVault", "GET", VAULT + "/privateLinkResources", links.private_link_resources, K, "vaults/privateLinkResources",
              action="Microsoft.KeyVault/vaults/privateLinkResources/read"),
        Route("PrivateEndpointConnections_ListByResource", "GET", VAULT + "/privateEndpointConnections", links.list, K, "vaults/privateEndpointConnections",
              action=PEC_READ),
        Route("PrivateEndpointConnections_Get", "GET", PEC, links.get, K, "vaults/privateEndpointConnections", action=PEC_READ),
        Route("PrivateEndpointConnections_Put", "PUT", PEC, links.put, K, "vaults/privateEndpointConnections",
              action="Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action"),
        Route("PrivateEndpointConnections_Delete", "DELETE", PEC, links.delete, K, "vaults/privateEndpointConnections",
              action="Microsoft.KeyVault/vaults/privateEndpointConnections/delete"),
        Route("ManagedHsms_ListBySubscription", "GET", PROVIDER + "/managedHSMs", hsms.list_by_subscription, K, "managedHSMs",
              action="Microsoft.KeyVault/managedHSMs/read"),
        Route("ManagedHsms_ListByResourceGroup", "GET", SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/managedHSMs",
              hsms.list_by_group, K, "managedHSMs", action="Microsoft.KeyVault/managedHSMs/read"),
        Route("ManagedHsms_ListDeleted", "GET", PROVIDER + "/deletedManagedHSMs", hsms.list_deleted, K, "deletedManagedHSMs",
              action="Microsoft.KeyVault/deletedManagedHSMs/read"),
    ]

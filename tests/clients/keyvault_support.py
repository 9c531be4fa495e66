"""What the Key Vault control-plane tests share: a subscription of their own (so registering Microsoft.KeyVault
on first use does not leak into other tests), SDK clients for it, a second tenant for the global-name tests,
and raw requests for bodies the SDK will not send."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests
from azure.mgmt.keyvault import KeyVaultManagementClient
from tests.clients.principal_support import Principal, cli
from tests.vaultlink_process import Running

ARM = "https://management.azure.com"
KV_API = "2025-05-01"


def unique(prefix: str = "kv") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class World(Principal):
    """One tenant's view: a subscription, a principal that owns it, its SDK clients and a resource group."""

    group: str

    @property
    def kv(self) -> KeyVaultManagementClient:
        return KeyVaultManagementClient(self.credential, self.subscription_id)  # type: ignore[arg-type]

    def vault_body(self, location: str = "eastus", **properties: Any) -> dict[str, Any]:
        props: dict[str, Any] = {"tenantId": self.tenant_id, "sku": {"family": "A", "name": "standard"},
                                 "accessPolicies": []}
        props.update(properties)
        return {"location": location, "properties": props}

    def create_vault(self, name: str, group: str | None = None, **properties: Any) -> Any:
        return self.kv.vaults.begin_create_or_update(group or self.group, name, self.vault_body(**properties)).result()

    def session(self) -> requests.Session:
        s = requests.Session()
        s.proxies = {"https": self.running.proxy}
        s.verify = self.running.ca
        token = self.credential.get_token("https://management.core.windows.net//.default").token
        s.headers["Authorization"] = f"Bearer {token}"
        return s

    def url(self, path: str, api_version: str = KV_API) -> str:
        sep = "&" if "?" in path else "?"
        return f"{ARM}/subscriptions/{self.subscription_id}{path}{sep}api-version={api_version}"

    def vault_url(self, name: str, suffix: str = "", group: str | None = None, api_version: str = KV_API) -> str:
        return self.url(f"/resourceGroups/{group or self.group}/providers/Microsoft.KeyVault/vaults/{name}{suffix}",
                        api_version)


def own_subscription(running: Running, owner: World | None = None) -> World:
    """A new subscription in the default tenant, owned by a new service principal (or by `owner`'s), so the
    default principal's view of its subscriptions stays as other tests expect it."""
    tenant = running.credentials["tenantId"]
    sub = cli(running, "subscription-create", unique("kv-tests"), "--tenant", tenant)["subscriptionId"]
    sp = {"appId": owner.app_id, "objectId": owner.object_id, "secret": owner.secret} if owner \
        else cli(running, "sp-create", unique("kv-owner"), "--tenant", tenant)
    cli(running, "role-assign", "--assignee", sp["appId"], "--role", "Owner", "--scope", f"/subscriptions/{sub}")
    world = World(running, tenant, sub, sp["appId"], sp["objectId"], sp["secret"], unique("rg"))
    world.rm.resource_groups.create_or_update(world.group, {"location": "eastus"})
    return world


def other_tenant(running: Running) -> World:
    """A second directory with its own subscription and service principal."""
    made = cli(running, "tenant-create", unique("fabrikam"), "--subscription-name", "fabrikam-sub")
    tenant, sub = made["tenant"]["tenantId"], made["subscription"]["subscriptionId"]
    sp = cli(running, "sp-create", "fabrikam-deployer", "--tenant", tenant)
    cli(running, "role-assign", "--assignee", sp["appId"], "--role", "Owner", "--scope", f"/subscriptions/{sub}")
    world = World(running, tenant, sub, sp["appId"], sp["objectId"], sp["secret"], unique("rg"))
    world.rm.resource_groups.create_or_update(world.group, {"location": "westeurope"})
    return world

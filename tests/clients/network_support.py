"""What the Microsoft.Network client tests share: a subscription of their own (so limits and registrations do
not leak between test files), the real NetworkManagementClient, raw requests through the proxy for bodies the
SDK will not send, and the private-link targets and zones endpoints need (made by raw REST, asserting each
answer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from tests.clients.principal_support import Principal, cli
from tests.vaultlink_process import Running

ARM = "https://management.azure.com"
NETWORK_API = "2024-07-01"
KEYVAULT_API = "2025-05-01"
PRIVATEDNS_API = "2024-06-01"
VAULT_ZONE = "privatelink.vaultcore.azure.net"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Net(Principal):
    """One principal's view of one subscription."""


    @classmethod
    def default(cls, running: Running) -> Net:
        """The default service principal's view of the default subscription (what `vaultlink env` hands out)."""
        c = running.credentials
        sp = c["servicePrincipal"]
        return cls(running, c["tenantId"], c["subscriptionId"], sp["appId"], sp["objectId"], sp["secret"])

    @property
    def client(self) -> NetworkManagementClient:
        return NetworkManagementClient(self.credential, self.subscription_id)  # type: ignore[arg-type]

    def as_principal(self, app_id: str, object_id: str, secret: str) -> Net:
        return Net(self.running, self.tenant_id, self.subscription_id, app_id, object_id, secret)

    def group(self, location: str = "eastus") -> str:
        name = unique("rg-net-")
        self.rm.resource_groups.create_or_update(name, {"location": location})
        return name

    def session(self) -> requests.Session:
        s = requests.Session()
        s.proxies = {"https": self.running.proxy, "http": self.running.proxy}
        s.verify = self.running.ca
        s.headers["Authorization"] = "Bearer " + self.credential.get_token(
            "https://management.core.windows.net//.default").token
        return s

    def url(self, path: str, api: str = NETWORK_API, **query: str) -> str:
        qs = "&".join([f"api-version={api}", *(f"{k}={v}" for k, v in query.items())])
        return f"{ARM}{path}?{qs}" if path.startswith("/subscriptions/") else \
            f"{ARM}/subscriptions/{self.subscription_id}{path}?{qs}"

    def path(self, group: str, type_: str, name: str) -> str:
        return f"/resourceGroups/{group}/providers/Microsoft.Network/{type_}/{name}"

    # ---- things to connect to --------------------------------------------------------------------
    def vnet(self, group: str, name: str | None = None, *, space: str = "10.0.0.0/16",
             subnets: dict[str, str] | None = None, location: str = "eastus") -> Any:
        subnets = {"endpoints": "10.0.1.0/24"} if subnets is None else subnets
        return self.client.virtual_networks.begin_create_or_update(group, name or unique("vnet-"), {
            "location": location,
            "properties": {"addressSpace": {"addressPrefixes": [space]},
                           "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()]},
        }).result()

    def vault(self, group: str, name: str | None = None, location: str = "eastus") -> str:
        """A key vault by raw REST."""
        name = name or unique("kv")
        path = f"/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}"
        r = self.session().put(self.url(path, KEYVAULT_API), json={"location": location, "properties": {
            "tenantId": self.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "enableRbacAuthorization": True}})
        assert r.status_code in (200, 201), r.text
        vault_id: str = r.json()["id"]
        return vault_id

    def zone(self, group: str, name: str = VAULT_ZONE) -> str:
        """A private DNS zone by raw REST."""
        r = self.session().put(self.url(self.path(group, "privateDnsZones", name), PRIVATEDNS_API),
                               json={"location": "global"})
        assert r.status_code in (200, 201, 202), r.text
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{name}"

    def endpoint_body(self, subnet_id: str, target: str, *, manual: bool = False, location: str = "eastus",
                      group_ids: list[str] | None = None, **props: Any) -> dict[str, Any]:
        key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        connection = {"name": "to-target", "properties": {"privateLinkServiceId": target,
                                                          "groupIds": group_ids or ["vault"]}}
        return {"location": location, "properties": {"subnet": {"id": subnet_id}, key: [connection], **props}}

    def endpoint(self, group: str, subnet_id: str, target: str, name: str | None = None, **kw: Any) -> Any:
        return self.client.private_endpoints.begin_create_or_update(
            group, name or unique("pe-"), self.endpoint_body(subnet_id, target, **kw)).result()

    def address_of(self, endpoint: Any) -> str:
        nic = self.client.network_interfaces.get(*nic_group_and_name(endpoint))
        address: str = nic.properties.ip_configurations[0].properties.private_ip_address
        return address


def nic_group_and_name(endpoint: Any) -> tuple[str, str]:
    parts = endpoint.properties.network_interfaces[0].id.split("/")
    return parts[4], parts[-1]


def own_subscription(running: Running, owner: Net | None = None) -> Net:
    """A new subscription in the default tenant, owned by a new service principal (or by `owner`'s), so the
    default principal's view (its subscription list, its registrations) stays as other tests expect it."""
    tenant = running.credentials["tenantId"]
    sub = cli(running, "subscription-create", unique("net-tests-"), "--tenant", tenant)
    if owner is None:
        sp = cli(running, "sp-create", unique("net-owner-"), "--tenant", tenant)
        app_id, object_id, secret = sp["appId"], sp["objectId"], sp["secret"]
    else:
        app_id, object_id, secret = owner.app_id, owner.object_id, owner.secret
    cli(running, "role-assign", "--assignee", app_id, "--role", "Owner", "--scope", f"/subscriptions/{sub['subscriptionId']}")
    return Net(running, tenant, sub["subscriptionId"], app_id, object_id, secret)


def other_tenant(running: Running) -> Net:
    """A second directory, its subscription, and a service principal that owns it."""
    made = cli(running, "tenant-create", unique("fabrikam"), "--subscription-name", "fabrikam-sub")
    tenant, sub = made["tenant"]["tenantId"], made["subscription"]["subscriptionId"]
    sp = cli(running, "sp-create", unique("fabrikam-"), "--tenant", tenant)
    cli(running, "role-assign", "--assignee", sp["appId"], "--role", "Owner", "--scope", f"/subscriptions/{sub}")
    return Net(running, tenant, sub, sp["appId"], sp["objectId"], sp["secret"])


def refused(call: Any, *args: Any, **kwargs: Any) -> HttpResponseError:
    """Runs an SDK call that must fail; the error, for its status, code and message."""
    with pytest.raises(HttpResponseError) as err:
        result = call(*args, **kwargs)
        if hasattr(result, "result"):
            result.result()
    return err.value

"""What the private DNS client tests share: the real PrivateDnsManagementClient, raw requests through the proxy
for what the SDK will not send, and virtual networks made by raw REST (asserting each answer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running

ARM = "https://management.azure.com"
API = "2024-06-01"
NETWORK_API = "2024-07-01"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Dns:
    running: Running
    client: PrivateDnsManagementClient
    rm: ResourceManagementClient
    session: requests.Session
    subscription: str

    def group(self, prefix: str = "rg-dns-") -> str:
        name = unique(prefix)
        self.rm.resource_groups.create_or_update(name, {"location": "eastus"})
        return name

    def url(self, path: str, api: str = API, **query: str) -> str:
        qs = "&".join([f"api-version={api}", *(f"{k}={v}" for k, v in query.items())])
        return f"{ARM}/subscriptions/{self.subscription}{path}?{qs}"

    def zone_path(self, group: str, zone: str) -> str:
        return f"/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{zone}"

    def vnet(self, group: str, name: str | None = None, prefix: str = "10.1.0.0/16") -> str:
        """A virtual network by raw REST."""
        name = name or unique("vnet-")
        path = f"/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{name}"
        r = self.session.put(self.url(path, NETWORK_API), json={
            "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]}},
        })
        assert r.status_code in (200, 201), r.text
        vnet_id: str = r.json()["id"]
        return vnet_id

    def zone(self, group: str, name: str | None = None) -> str:
        name = name or f"{unique('z')}.example.com"
        self.client.private_zones.begin_create_or_update(group, name, {"location": "global"}).result()
        return name

    def error(self, r: requests.Response) -> dict[str, Any]:
        body: dict[str, Any] = r.json()["error"]
        return body


def connect(running: Running) -> Dns:
    creds = running.credentials
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    session = requests.Session()
    session.proxies = {"https": running.proxy, "http": running.proxy}
    session.verify = running.ca
    session.headers["Authorization"] = "Bearer " + cred.get_token("https://management.core.windows.net//.default").token
    sub = creds["subscriptionId"]
    return Dns(
        running, PrivateDnsManagementClient(cred, sub),  # type: ignore[arg-type]
        ResourceManagementClient(cred, sub), session, sub,  # type: ignore[arg-type]
    )

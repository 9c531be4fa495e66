"""What `vaultlink import DIR` asks a running vaultlink for, in order, to rebuild an exported topology: plain ARM
requests (PUTs of the resource groups, networks, vault, zones, links, endpoints, zone groups and record sets,
then the connection states), computed here without any I/O and sent by the command as any client would.

Names, private addresses and record values stay as exported: an endpoint is created with its exported
network interface name and a static ipConfiguration for each address it had. The exported subscription
becomes the running vaultlink's own (its ids are rewritten, and the vault's tenant too), because a vaultlink
server signs its clients into its own subscription. What vaultlink cannot hold is left out and said:
peerings to networks outside the export, endpoints to services other than the exported vault, role
assignments of real principals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from vaultlink.core.ids import ResourceId
from vaultlink.diagnose import exported as files
from vaultlink.diagnose.exported import Exported

RESOURCES_API = "2021-04-01"
KEYVAULT_API = "2024-11-01"
NETWORK_API = "2024-07-01"
PRIVATE_DNS_API = "2024-06-01"

VAULT_PROPERTIES = ("tenantId", "sku", "accessPolicies", "enableRbacAuthorization", "enableSoftDelete",
                    "softDeleteRetentionInDays", "enabledForDeployment", "enabledForDiskEncryption",
                    "enabledForTemplateDeployment", "networkAcls", "publicNetworkAccess")
SUBNET_PROPERTIES = ("addressPrefix", "addressPrefixes", "privateEndpointNetworkPolicies",
                     "privateLinkServiceNetworkPolicies", "serviceEndpoints", "defaultOutboundAccess")
RECORD_PROPERTIES = ("ttl", "metadata", "aRecords", "aaaaRecords", "cnameRecord", "mxRecords", "ptrRecords",
                     "srvRecords", "txtRecords")


@dataclass(frozen=True)
class Request:
    method: str
    id: str
    api_version: str
    body: dict[str, Any] | None
    what: str
    """One line for the person: what this request rebuilds."""


@dataclass(frozen=True)
class ConnectionState:
    """The vault's side of an endpoint's connection, set after the endpoint exists (its name is the server's):
    a status to PUT, or `Disconnected`, which is the vault deleting its side."""

    vault_id: str
    endpoint_id: str
    status: str
    description: str


@dataclass
class Plan:
    requests: list[Request] = field(default_factory=list)
    connections: list[ConnectionState] = field(default_factory=list)
    records: list[Request] = field(default_factory=list)
    """Record sets, sent after the connection states: a zone group rewrites its record when the connection
    changes, and the exported value is what must stay."""
    left_out: list[str] = field(default_factory=list)
    mapping: str | None = None


def _remap(value: Any, old: str, new: str) -> Any:
    if old.lower() == new.lower():
        return value
    pattern = re.compile(rf"/subscriptions/{re.escape(old)}(?=/|\"|$)", re.IGNORECASE)
    return json.loads(pattern.sub(f"/subscriptions/{new}", json.dumps(value)))


def _pick(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in keys if k in props}


def _envelope(resource: dict[str, Any], properties: dict[str, Any], location: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"location": location or resource.get("location") or "global", "properties": properties}
    if resource.get("tags"):
        body["tags"] = resource["tags"]
    return body


def plan_import(export: Exported, subscription: str, tenant: str) -> Plan:
    """The requests that rebuild `export` in the subscription `subscription` of the tenant `tenant`."""
    plan = Plan()
    if export.subscription.lower() != subscription.lower():
        plan.mapping = (f"the exported subscription {export.subscription} is this vaultlink's subscription "
                        f"{subscription}; every id keeps its resource group, type and name")
    resources: list[dict[str, Any]] = _remap(export.resources, export.subscription, subscription)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        by_type.setdefault(str(resource.get("type", "")).lower(), []).append(resource)

    def of(type_: str) -> list[dict[str, Any]]:
        return by_type.get(type_.lower(), [])

    vault = resources[0]
    nics = {n["id"].lower(): n for n in of(files.NIC_TYPE)}

    groups: dict[str, str] = {}
    for resource in resources:
        rid = ResourceId.parse(resource["id"])
        if rid.resource_group and rid.resource_group.lower() not in {g.lower() for g in groups}:
            groups[rid.resource_group] = str(resource.get("location") or vault.get("location") or "eastus")
    for group, location in groups.items():
        plan.requests.append(Request("PUT", f"/subscriptions/{subscription}/resourceGroups/{group}", RESOURCES_API,
                                     {"location": location if location != "global" else vault["location"]},
                                     f"resource group {group}"))

    for vnet in of(files.VNET_TYPE):
        props = vnet["properties"]
        subnets = [{"name": s["name"], "properties": _pick(s.get("properties") or {}, SUBNET_PROPERTIES)}
                   for s in props.get("subnets") or []]
        body = _envelope(vnet, {**_pick(props, ("addressSpace", "dhcpOptions")), "subnets": subnets})
        plan.requests.append(Request("PUT", vnet["id"], NETWORK_API, body, f"virtual network {vnet['name']}"))
    vnet_ids = {v["id"].lower() for v in of(files.VNET_TYPE)}
    for vnet in of(files.VNET_TYPE):
        for peering in vnet["properties"].get("virtualNetworkPeerings") or []:
            _peering(vnet, peering, vnet_ids, plan)

    props = dict(vault["properties"])
    props["tenantId"] = tenant
    props["accessPolicies"] = [{**p, "tenantId": tenant} for p in props.get("accessPolicies") or []]
    vault_body = _envelope(vault, _pick(props, VAULT_PROPERTIES))
    if props.get("enablePurgeProtection"):
        vault_body["properties"]["enablePurgeProtection"] = True
    plan.requests.append(Request("PUT", vault["id"], KEYVAULT_API, vault_body, f"key vault {vault['name']}"))

    for zone in of(files.ZONE_TYPE):
        plan.requests.append(Request("PUT", zone["id"], PRIVATE_DNS_API, _envelope(zone, {}, "global"),
                                     f"private DNS zone {zone['name']}"))
    for link in of(files.LINK_TYPE):
        body = _envelope(link, _pick(link["properties"], ("virtualNetwork", "registrationEnabled", "resolutionPolicy")),
                         "global")
        plan.requests.append(Request("PUT", link["id"], PRIVATE_DNS_API, body, f"virtual network link {link['name']}"))

    vault_side: dict[str, dict[str, Any]] = {}
    for c in vault["properties"].get("privateEndpointConnections") or []:
        cp = c.get("properties") or {}
        endpoint_id = str((cp.get("privateEndpoint") or {}).get("id", "")).lower()
        vault_side[endpoint_id] = cp.get("privateLinkServiceConnectionState") or {}
    imported: set[str] = set()
    for endpoint in of(files.ENDPOINT_TYPE):
        request = _endpoint(endpoint, vault, nics, plan)
        if request is None:
            continue
        plan.requests.append(request)
        imported.add(endpoint["id"].lower())
        ep = endpoint["properties"]
        [connection] = [*(ep.get("privateLinkServiceConnections") or []), *(ep.get("manualPrivateLinkServiceConnections")
                                                                           or [])][:1]
        state = vault_side.get(endpoint["id"].lower())
        if state is None:  # the vault no longer lists it: deleted on the vault's side
            state = (connection.get("properties") or {}).get("privateLinkServiceConnectionState") or {}
            status = "Disconnected"
        else:
            status = str(state.get("status") or "Pending")
        plan.connections.append(ConnectionState(vault["id"], endpoint["id"], status, str(state.get("description") or "")))

    for zone_group in of(files.ZONE_GROUP_TYPE):
        endpoint_id = zone_group["id"].lower().split("/privatednszonegroups/")[0]
        if endpoint_id not in imported:
            continue
        configs = [{"name": c["name"], "properties": {"privateDnsZoneId": c["properties"]["privateDnsZoneId"]}}
                   for c in zone_group["properties"].get("privateDnsZoneConfigs") or []]
        plan.requests.append(Request("PUT", zone_group["id"], NETWORK_API,
                                     {"properties": {"privateDnsZoneConfigs": configs}},
                                     f"DNS zone group {zone_group['name']} of {endpoint_id.rsplit('/', 1)[-1]}"))

    for resource in resources:
        rtype = str(resource.get("type", ""))
        if not rtype.lower().startswith(files.RECORD_TYPE_PREFIX.lower()) or rtype.lower() == files.LINK_TYPE.lower():
            continue
        if rtype.rsplit("/", 1)[-1].upper() == "SOA":
            continue  # every zone has its own
        body = {"properties": _pick(resource["properties"], RECORD_PROPERTIES)}
        plan.records.append(Request("PUT", resource["id"], PRIVATE_DNS_API, body,
                                    f"{rtype.rsplit('/', 1)[-1]} record {resource['name']}"))
    if export.role_assignments:
        plan.left_out.append(f"{len(export.role_assignments)} role assignment(s): their principals live in the "
                             "exported tenant, not in vaultlink's")
    return plan


PEERING_FLAGS = ("allowVirtualNetworkAccess", "allowForwardedTraffic", "allowGatewayTransit")


def _peering(vnet: dict[str, Any], peering: dict[str, Any], vnet_ids: set[str], plan: Plan) -> None:
    """One side of a peering, sent once every network exists (a peering names its remote network). Both sides
    come from the export, so a pair is Connected again; a side whose remote network is not in the export (it is
    in another subscription) is left out, and so is a dependence on the remote network's gateway."""
    props = peering.get("properties") or {}
    name = str(peering.get("name") or "")
    remote = str((props.get("remoteVirtualNetwork") or {}).get("id") or "")
    if remote.lower() not in vnet_ids:
        plan.left_out.append(f"the peering {name} of {vnet['name']}: its remote network {remote or '(none)'} is "
                             "not in the export")
        return
    if props.get("useRemoteGateways"):
        plan.left_out.append(f"useRemoteGateways on the peering {name} of {vnet['name']}: the export holds no "
                             "gateways")
    body = {"properties": {"remoteVirtualNetwork": {"id": remote}, **_pick(props, PEERING_FLAGS)}}
    plan.requests.append(Request("PUT", f"{vnet['id']}/virtualNetworkPeerings/{name}", NETWORK_API, body,
                                 f"peering {name} of {vnet['name']}"))


def _endpoint(endpoint: dict[str, Any], vault: dict[str, Any], nics: dict[str, dict[str, Any]],
              plan: Plan) -> Request | None:
    props = endpoint["properties"]
    automatic = props.get("privateLinkServiceConnections") or []
    manual = props.get("manualPrivateLinkServiceConnections") or []
    connections = automatic or manual
    if not connections:
        plan.left_out.append(f"the private endpoint {endpoint['name']}: it has no connection")
        return None
    target = str((connections[0].get("properties") or {}).get("privateLinkServiceId", ""))
    if target.lower() != vault["id"].lower():
        plan.left_out.append(f"the private endpoint {endpoint['name']}: it connects to {target}, which is not in "
                             "the export")
        return None
    collection = "privateLinkServiceConnections" if automatic else "manualPrivateLinkServiceConnections"
    body_connections = [{"name": c["name"], "properties": _pick(c.get("properties") or {},
                                                                ("privateLinkServiceId", "groupIds", "requestMessage"))}
                        for c in connections]
    addresses: list[dict[str, Any]] = []
    nic_name = ""
    for ref in props.get("networkInterfaces") or []:
        nic = nics.get(str(ref.get("id", "")).lower())
        if nic is None:
            continue
        nic_name = nic["name"]
        for config in nic["properties"].get("ipConfigurations") or []:
            cp = config.get("properties") or {}
            link = cp.get("privateLinkConnectionProperties") or {}
            if cp.get("privateIPAddress"):
                addresses.append({"name": config["name"], "properties": {
                    "groupId": link.get("groupId") or "vault", "memberName": link.get("requiredMemberName") or "default",
                    "privateIPAddress": cp["privateIPAddress"]}})
    body = _envelope(endpoint, {"subnet": props["subnet"], collection: body_connections})
    if addresses:
        body["properties"]["ipConfigurations"] = addresses
    if nic_name:
        body["properties"]["customNetworkInterfaceName"] = nic_name
    if props.get("customDnsConfigs") is not None and not addresses:
        body["properties"]["customDnsConfigs"] = props["customDnsConfigs"]
    return Request("PUT", endpoint["id"], NETWORK_API, body, f"private endpoint {endpoint['name']}")

"""The network model's values from ARM resources in their REST wire shape (what `GET {id}` answers): each
resource type's projection (one table, PROJECTIONS), gathered in `Parts` and assembled into a Topology.

The control plane projects its records with it (arm/projection.py), and the troubleshooter projects resources
exported from real Azure with it (diagnose/snapshot.py): one projection, so both see the same network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultlink.core import regions
from vaultlink.core.ids import ResourceId
from vaultlink.core.persistent import PersistentMap
from vaultlink.network.records import RECORD_TYPES, record_values
from vaultlink.network.topology import (
    Connection,
    ConnectionStatus,
    Machine,
    PrivateEndpoint,
    PrivateZone,
    RecordSet,
    Subnet,
    Topology,
    Vault,
    VirtualNetwork,
    ZoneLink,
)

VNET, SUBNET = "microsoft.network/virtualnetworks", "microsoft.network/virtualnetworks/subnets"
ENDPOINT, NIC = "microsoft.network/privateendpoints", "microsoft.network/networkinterfaces"
VM, VAULT = "microsoft.compute/virtualmachines", "microsoft.keyvault/vaults"
ZONE, LINK = "microsoft.network/privatednszones", "microsoft.network/privatednszones/virtualnetworklinks"
RECORD_SET = "record set"
"""A zone's record sets have one type each (`privateDnsZones/A`, ...); they share one projection."""


def _key(text: str) -> str:
    return text.lower().rstrip("/")


def kind_of(rid: ResourceId) -> str:
    kind = rid.type.lower()
    if kind.startswith(ZONE + "/") and kind != LINK and rid.types[-1].upper() in RECORD_TYPES:
        return RECORD_SET
    return kind


# ---- each resource type's projection: (resource id, wire body) -> the model's value ------------------------

def virtual_network(rid: ResourceId, body: dict[str, Any]) -> VirtualNetwork:
    props = body["properties"] or {}
    peers = tuple(_key(p["properties"]["remoteVirtualNetwork"]["id"]) for p in props.get("virtualNetworkPeerings") or []
                  if (p.get("properties") or {}).get("remoteVirtualNetwork", {}).get("id"))
    return VirtualNetwork(rid.key, tuple((props.get("addressSpace") or {}).get("addressPrefixes") or ()),
                          tuple((props.get("dhcpOptions") or {}).get("dnsServers") or ()), peers)


def subnet(rid: ResourceId, body: dict[str, Any]) -> Subnet:
    props = body["properties"] or {}
    prefixes = tuple(props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else []))
    return Subnet(rid.key, prefixes, tuple(str(s.get("service", "")) for s in props.get("serviceEndpoints") or []))


def vault(rid: ResourceId, body: dict[str, Any]) -> Vault:
    props = body["properties"] or {}
    acls = props.get("networkAcls") or {}
    return Vault(
        name=body["name"].lower(), id=rid.key, region=regions.normalize(body.get("location", "eastus")),
        public_network_access=str(props.get("publicNetworkAccess") or "Enabled"),
        default_action=str(acls.get("defaultAction") or "Allow"), bypass=str(acls.get("bypass") or "AzureServices"),
        ip_rules=tuple(str(r.get("value")) for r in acls.get("ipRules") or [] if r.get("value")),
        vnet_rules=tuple(_key(r["id"]) for r in acls.get("virtualNetworkRules") or [] if r.get("id")),
    )


def zone_link(rid: ResourceId, body: dict[str, Any]) -> ZoneLink | None:
    vnet = ((body["properties"] or {}).get("virtualNetwork") or {}).get("id")
    props = body["properties"]
    return ZoneLink(_key(vnet), str(props.get("resolutionPolicy") or "Default"), rid.key,
                    bool(props.get("registrationEnabled"))) if vnet else None


def record_set(rid: ResourceId, body: dict[str, Any]) -> tuple[tuple[str, str], RecordSet]:
    props = body["properties"] or {}
    rtype = rid.types[-1].upper()
    return (rid.name.lower(), rtype), RecordSet(rtype, int(props.get("ttl") or 3600), record_values(rtype, props))


def raw(rid: ResourceId, body: dict[str, Any]) -> dict[str, Any]:
    """Endpoints, interfaces and machines are joined with each other after every record is read."""
    return body


PROJECTIONS: dict[str, Callable[[ResourceId, dict[str, Any]], Any]] = {
    VNET: virtual_network, SUBNET: subnet, VAULT: vault, ZONE: raw, LINK: zone_link, RECORD_SET: record_set,
    ENDPOINT: raw, NIC: raw, VM: raw,
}
PATCHABLE = frozenset({RECORD_SET, LINK, VAULT})
"""Kinds whose projection depends on their own record alone, so a write to one patches the snapshot (a delete
of a link or a vault takes more with it, and rebuilds)."""


@dataclass
class Parts:
    """The projected records, by kind, keyed by resource key (vaults by lower-cased name)."""

    vnets: dict[str, VirtualNetwork] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    vaults: dict[str, Vault] = field(default_factory=dict)
    zones: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, ZoneLink]] = field(default_factory=dict)
    records: dict[str, dict[tuple[str, str], RecordSet]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    nics: dict[str, dict[str, Any]] = field(default_factory=dict)
    vms: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, rid: ResourceId, body: dict[str, Any]) -> None:
        kind = kind_of(rid)
        project = PROJECTIONS.get(kind)
        if project is None or "properties" not in body:
            return
        value = project(rid, body)
        parent = rid.parent.key if rid.parent is not None else ""
        if kind == RECORD_SET:
            self.records.setdefault(parent, {})[value[0]] = value[1]
        elif kind == LINK:
            if value is not None:
                self.links.setdefault(parent, {})[rid.key] = value
        elif kind == VAULT:
            self.vaults[value.name] = value
        else:
            tables: dict[str, dict[str, Any]] = {VNET: self.vnets, SUBNET: self.subnets, ZONE: self.zones,
                                                 ENDPOINT: self.endpoints, NIC: self.nics, VM: self.vms}
            tables[kind][rid.key] = value

    def topology(self, publics: dict[str, str] | None = None) -> Topology:
        """The snapshot of everything added; `publics` gives machines' public addresses by machine key."""
        zones = {key: PrivateZone(key, body["name"].lower(), tuple(self.links.get(key, {}).values()),
                                  PersistentMap(self.records.get(key, {}))) for key, body in self.zones.items()}
        return Topology(vnets=PersistentMap(self.vnets), subnets=PersistentMap(self.subnets),
                        endpoints=_endpoints(self), machines=PersistentMap(_machines(self, publics or {})),
                        zones=tuple(zones.values()), vaults=PersistentMap(self.vaults))


def _endpoints(parts: Parts) -> tuple[PrivateEndpoint, ...]:
    out = []
    for key, body in parts.endpoints.items():
        props = body["properties"] or {}
        address = _endpoint_address(props, parts.nics)
        subnet_id = _key((props.get("subnet") or {}).get("id", ""))
        if not address or not subnet_id:
            continue
        conns = []
        for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for c in props.get(collection) or []:
                cp = c.get("properties") or {}
                target = cp.get("privateLinkServiceId")
                if target:
                    status = (cp.get("privateLinkServiceConnectionState") or {}).get("status", ConnectionStatus.PENDING)
                    conns.append(Connection(_key(target), str(status)))
        out.append(PrivateEndpoint(key, subnet_id, address, tuple(conns)))
    return tuple(out)


def _machines(parts: Parts, publics: dict[str, str]) -> dict[str, Machine]:
    machines = {}
    for key, vm in parts.vms.items():
        for ref in ((vm["properties"].get("networkProfile") or {}).get("networkInterfaces") or []):
            nic = parts.nics.get(_key(ref.get("id", "")))
            if nic is None:
                continue
            ipc = (((nic["properties"] or {}).get("ipConfigurations") or [{}])[0].get("properties") or {})
            subnet_id = _key((ipc.get("subnet") or {}).get("id", ""))
            address = ipc.get("privateIPAddress")
            if address and subnet_id:
                machines[key] = Machine(key, vm["name"], subnet_id, str(address), publics.get(key, ""))
                break
    return machines


def _endpoint_address(props: dict[str, Any], nics: dict[str, dict[str, Any]]) -> str | None:
    for ref in props.get("networkInterfaces") or []:
        nic = nics.get(_key(ref.get("id", "")))
        if nic:
            for ipc in (nic["properties"] or {}).get("ipConfigurations") or []:
                address = (ipc.get("properties") or {}).get("privateIPAddress")
                if address:
                    return str(address)
    for cfg in props.get("customDnsConfigs") or []:
        for address in cfg.get("ipAddresses") or []:
            return str(address)
    return None

"""The network model's values from ARM resources in their REST wire shape (what `GET {id}` answers): each
resource type's projection (one table, PROJECTIONS), gathered in `Parts` and assembled into a Topology.

The control plane projects its records with it (arm/projection.py), and the troubleshooter projects resources
exported from real Azure with it (diagnose/snapshot.py): one projection, so both see the same network.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vaultlink.core import regions
from vaultlink.core.ids import ResourceId
from vaultlink.core.persistent import PersistentMap
from vaultlink.network.records import RECORD_TYPES, record_values
from vaultlink.network.topology import (
    Connection,
    ConnectionStatus,
    ForwardingRule,
    InboundEndpoint,
    Machine,
    PrivateEndpoint,
    PrivateZone,
    RecordSet,
    Ruleset,
    Site,
    Subnet,
    Topology,
    Vault,
    VirtualNetwork,
    ZoneLink,
    site_view,
)

VNET, SUBNET = "microsoft.network/virtualnetworks", "microsoft.network/virtualnetworks/subnets"
ENDPOINT, NIC = "microsoft.network/privateendpoints", "microsoft.network/networkinterfaces"
VM, VAULT = "microsoft.compute/virtualmachines", "microsoft.keyvault/vaults"
ZONE, LINK = "microsoft.network/privatednszones", "microsoft.network/privatednszones/virtualnetworklinks"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
INBOUND, OUTBOUND = "microsoft.network/dnsresolvers/inboundendpoints", "microsoft.network/dnsresolvers/outboundendpoints"
RULESET = "microsoft.network/dnsforwardingrulesets"
RULE, RULESET_LINK = f"{RULESET}/forwardingrules", f"{RULESET}/virtualnetworklinks"
RESOLVER_KINDS = (INBOUND, OUTBOUND, RULESET, RULE, RULESET_LINK)
VNG, LNG = "microsoft.network/virtualnetworkgateways", "microsoft.network/localnetworkgateways"
CONNECTION = "microsoft.network/connections"
GATEWAY_KINDS = (VNG, LNG, CONNECTION)
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
    """Its peers are filled in from the peering resources once all are read (`_with_peers`)."""
    props = body["properties"] or {}
    return VirtualNetwork(rid.key, tuple((props.get("addressSpace") or {}).get("addressPrefixes") or ()),
                          tuple((props.get("dhcpOptions") or {}).get("dnsServers") or ()))


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
    ENDPOINT: raw, NIC: raw, VM: raw, PEERING: raw,
    **{kind: raw for kind in (*RESOLVER_KINDS, *GATEWAY_KINDS)},
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
    peerings: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolver: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """DNS Private Resolver's resources: kind -> key -> body."""
    gateways: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """VPN gateways, local network gateways and connections: kind -> key -> body."""

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
        elif kind in RESOLVER_KINDS:
            self.resolver.setdefault(kind, {})[rid.key] = value
        elif kind in GATEWAY_KINDS:
            self.gateways.setdefault(kind, {})[rid.key] = value
        else:
            tables: dict[str, dict[str, Any]] = {VNET: self.vnets, SUBNET: self.subnets, ZONE: self.zones,
                                                 ENDPOINT: self.endpoints, NIC: self.nics, VM: self.vms,
                                                 PEERING: self.peerings}
            tables[kind][rid.key] = value
        if kind == VNET:  # a network's GET (and az's export of it) carries its peerings inline
            for peering in (body["properties"] or {}).get("virtualNetworkPeerings") or []:
                if peering.get("id") and "properties" in peering:
                    self.peerings.setdefault(_key(peering["id"]), peering)

    def topology(self, publics: dict[str, str] | None = None,
                 sites: Iterable[Mapping[str, Any]] = ()) -> Topology:
        """The snapshot of everything added; `publics` gives machines' public addresses by machine key, `sites`
        the on-premises sites (vaultlink's own records: name, addressSpace, dnsServer, forwarders, machines)."""
        site_records = list(sites)
        machines = _machines(self, publics or {})
        for site in site_records:
            for name, address in (site.get("machines") or {}).items():
                key = site_machine_key(site["name"], name)
                machines[key] = Machine(key, name, site_view(site["name"]), str(address), str(site["publicAddress"]))
        zones = {key: PrivateZone(key, body["name"].lower(), tuple(self.links.get(key, {}).values()),
                                  PersistentMap(self.records.get(key, {}))) for key, body in self.zones.items()}
        return Topology(vnets=PersistentMap(_with_peers(self)), subnets=PersistentMap(self.subnets),
                        endpoints=_endpoints(self), machines=PersistentMap(machines),
                        zones=tuple(zones.values()), vaults=PersistentMap(self.vaults),
                        inbound_endpoints=_inbound(self), rulesets=_rulesets(self),
                        sites=PersistentMap(_sites(self, site_records)))


def site_machine_key(site: str, machine: str) -> str:
    """The key of a machine in an on-premises site, beside the resource keys of the networks' machines."""
    return f"site:{site.lower()}/{machine.lower()}"


def vnet_of_gateway(gateway: Mapping[str, Any]) -> str | None:
    """The virtual network a virtual network gateway sits in (its GatewaySubnet's network)."""
    for config in gateway["properties"].get("ipConfigurations") or []:
        subnet = ((config.get("properties") or {}).get("subnet") or {}).get("id")
        if subnet:
            return str(subnet).lower().rsplit("/subnets/", 1)[0]
    return None


def _with_peers(parts: Parts) -> dict[str, VirtualNetwork]:
    """Each network with the remote networks of its peerings that carry traffic: Connected, with
    allowVirtualNetworkAccess. The model lets traffic through only where both directions list each other."""
    peers: dict[str, list[str]] = {}
    transit: dict[tuple[str, str], bool] = {}
    using: list[tuple[str, str]] = []
    for key, body in parts.peerings.items():
        props = body["properties"] or {}
        remote = (props.get("remoteVirtualNetwork") or {}).get("id")
        local = key.rsplit("/virtualnetworkpeerings/", 1)[0]
        if remote and props.get("peeringState") == "Connected" and props.get("allowVirtualNetworkAccess", True):
            peers.setdefault(local, []).append(_key(remote))
            transit[(local, _key(remote))] = bool(props.get("allowGatewayTransit"))
            if props.get("useRemoteGateways"):
                using.append((local, _key(remote)))
    gateways: dict[str, list[str]] = {}
    for local, remote in using:  # the remote side must offer its gateway
        if transit.get((remote, local)):
            gateways.setdefault(local, []).append(remote)
    return {key: dataclasses.replace(v, peers=tuple(sorted(peers.get(key, ()))),
                                     gateway_peers=tuple(sorted(gateways.get(key, ()))))
            if key in peers else v for key, v in parts.vnets.items()}


def _sites(parts: Parts, records: list[Mapping[str, Any]]) -> dict[str, Site]:
    """Each site with its conditional forwarders and the networks its VPN connections join it to: a connection
    from a virtual network gateway to a local network gateway whose address is the site's."""
    joined: dict[str, list[str]] = {}
    for body in parts.gateways.get(CONNECTION, {}).values():
        props = body["properties"] or {}
        gateway = parts.gateways.get(VNG, {}).get(_key(str((props.get("virtualNetworkGateway1") or {}).get("id", ""))))
        local = parts.gateways.get(LNG, {}).get(_key(str((props.get("localNetworkGateway2") or {}).get("id", ""))))
        vnet = vnet_of_gateway(gateway) if gateway is not None else None
        if vnet and local is not None:
            joined.setdefault(str(local["properties"].get("gatewayIpAddress")), []).append(vnet)
    out = {}
    for site in records:
        rules = tuple(ForwardingRule(str(f["zone"]), tuple(f["targets"])) for f in site.get("forwarders") or [])
        out[site["name"].lower()] = Site(site["name"].lower(), tuple(site["addressSpace"]), str(site["dnsServer"]), rules,
                                         site.get("resolution") == "iterative",
                                         tuple(sorted(set(joined.get(str(site["publicAddress"]), [])))),
                                         str(site["publicAddress"]))
    return out


def _vnet_of(subnet: Any) -> str:
    return _key(str(subnet)).rsplit("/subnets/", 1)[0]


def _inbound(parts: Parts) -> tuple[InboundEndpoint, ...]:
    out = []
    for key, body in parts.resolver.get(INBOUND, {}).items():
        for config in (body["properties"] or {}).get("ipConfigurations") or []:
            if config.get("privateIpAddress") and (config.get("subnet") or {}).get("id"):
                out.append(InboundEndpoint(key, _vnet_of(config["subnet"]["id"]), str(config["privateIpAddress"])))
    return tuple(out)


def _rulesets(parts: Parts) -> tuple[Ruleset, ...]:
    """Each ruleset with its rules, the networks linked to it, and the network its outbound endpoint sends from."""
    outbound = parts.resolver.get(OUTBOUND, {})
    rules: dict[str, list[ForwardingRule]] = {}
    for key, body in parts.resolver.get(RULE, {}).items():
        props = body["properties"] or {}
        targets = tuple(f"{t['ipAddress']}:{t.get('port', 53)}" for t in props.get("targetDnsServers") or [])
        domain = str(props.get("domainName") or "").lower().rstrip(".")
        rules.setdefault(key.rsplit("/forwardingrules/", 1)[0], []).append(
            ForwardingRule(domain, targets, props.get("forwardingRuleState", "Enabled") == "Enabled"))
    links: dict[str, list[str]] = {}
    for key, body in parts.resolver.get(RULESET_LINK, {}).items():
        vnet = ((body["properties"] or {}).get("virtualNetwork") or {}).get("id")
        if vnet:
            links.setdefault(key.rsplit("/virtualnetworklinks/", 1)[0], []).append(_key(vnet))
    out = []
    for key, body in parts.resolver.get(RULESET, {}).items():
        refs = (body["properties"] or {}).get("dnsResolverOutboundEndpoints") or [{}]
        endpoint = outbound.get(_key(str(refs[0].get("id", ""))))
        if endpoint is None:
            continue
        vnet = _vnet_of(((endpoint["properties"] or {}).get("subnet") or {}).get("id", ""))
        out.append(Ruleset(key, vnet, tuple(rules.get(key, ())), tuple(sorted(links.get(key, ())))))
    return tuple(out)


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

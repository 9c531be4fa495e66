"""The control plane's records as the network model sees them: each resource type's projection into the model's
values (one table, PROJECTIONS), assembled into a Topology snapshot.

`Snapshots` keeps the current snapshot. A write through this process's ARM to a resource whose projection stands
alone (a record set, a virtual network link, a vault: PATCHABLE) patches it: the one record is read again and
one entry of a persistent map replaced, so the cost does not grow with the number of resources. Any other write,
and any write by another process sharing the store (seen through the generation record within MAX_AGE seconds),
rebuilds the snapshot from the store on its next use.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultlink.arm import sites
from vaultlink.arm.dnsrecords import RECORD_TYPES, record_values
from vaultlink.arm.privatelink import PENDING
from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.providers.network.gateways import vnet_of_gateway
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import regions
from vaultlink.core.ids import ResourceId
from vaultlink.core.persistent import PersistentMap
from vaultlink.network.topology import (
    Connection,
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
from vaultlink.store import Store
from vaultlink.store.base import iterate

MAX_AGE = 2.0
GENERATION = ("setting", "topology-generation")

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
    """Its peers are filled in from the peering records once all are read (`_with_peers`)."""
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
    """DNS Private Resolver's records: kind -> key -> body."""
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


def build(store: Store) -> Topology:
    parts = Parts()
    for rec in iterate(store, RESOURCE):
        rid = ResourceId.try_parse(rec.key)
        if rid is not None:
            parts.add(rid, rec.body)
    publics = {r.key: str(r.body.get("publicAddress") or "") for r in iterate(store, sidecar.MACHINE)} if parts.vms else {}
    site_records = [r.body for r in iterate(store, sites.SITE)]
    machines = _machines(parts, publics)
    for site in site_records:
        for name, address in (site.get("machines") or {}).items():
            key = sites.machine_key(site["name"], name)
            machines[key] = Machine(key, name, site_view(site["name"]), str(address), str(site["publicAddress"]))
    zones = {key: PrivateZone(key, body["name"].lower(), tuple(parts.links.get(key, {}).values()),
                              PersistentMap(parts.records.get(key, {}))) for key, body in parts.zones.items()}
    return Topology(vnets=PersistentMap(_with_peers(parts)), subnets=PersistentMap(parts.subnets),
                    endpoints=_endpoints(parts), machines=PersistentMap(machines),
                    zones=tuple(zones.values()), vaults=PersistentMap(parts.vaults),
                    inbound_endpoints=_inbound(parts), rulesets=_rulesets(parts),
                    sites=PersistentMap(_sites(parts, site_records)))


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


def _sites(parts: Parts, records: list[dict[str, Any]]) -> dict[str, Site]:
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
                    status = (cp.get("privateLinkServiceConnectionState") or {}).get("status", PENDING)
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


def patch(topology: Topology, store: Store, path: str) -> Topology | None:
    """The snapshot after a write to `path`, when the written resource's projection stands alone (PATCHABLE)
    and the change is one this snapshot can take; None when it must be rebuilt."""
    rid = ResourceId.try_parse(path)
    if rid is None or kind_of(rid) not in PATCHABLE:
        return None
    kind = kind_of(rid)
    rec = store.get(RESOURCE, rid.key)
    if kind == VAULT:
        if rec is None or "properties" not in rec.body:
            return None
        value = vault(rid, rec.body)
        current = topology.vaults.get(value.name)
        if (current is not None and current.id != value.id) or not isinstance(topology.vaults, PersistentMap):
            return None
        new = dataclasses.replace(topology, vaults=topology.vaults.set(value.name, value))
        if current is not None and current.region == value.region:
            _keep_cached(topology, new, "vault_regions")
        _keep_cached(topology, new, "_endpoints_by_vault")
        return new
    zone_key = rid.parent.key if rid.parent is not None else ""
    index = next((i for i, z in enumerate(topology.zones) if z.id == zone_key), None)
    if index is None:
        return None
    zone = topology.zones[index]
    if kind == RECORD_SET:
        if not isinstance(zone.records, PersistentMap):
            return None
        if rec is None:
            records = zone.records.without((rid.name.lower(), rid.types[-1].upper()))
        else:
            name, records_value = record_set(rid, rec.body)
            records = zone.records.set(name, records_value)
        changed = dataclasses.replace(zone, records=records)
    else:  # a link written (its delete rebuilds: the zone may lose what it auto-registered)
        link = zone_link(rid, rec.body) if rec is not None and "properties" in rec.body else None
        if link is None:
            return None
        links = {existing.id: existing for existing in zone.links}
        if link.registers or (rid.key in links and links[rid.key].registers):
            return None  # auto-registration wrote or removed the network's machines' records with it
        links[rid.key] = link
        changed = dataclasses.replace(zone, links=tuple(sorted(links.values(), key=lambda k: k.id)))
    new = dataclasses.replace(topology, zones=topology.zones[:index] + (changed,) + topology.zones[index + 1:])
    for cached in ("vault_regions", "_endpoints_by_vault"):
        _keep_cached(topology, new, cached)
    return new


def _keep_cached(old: Topology, new: Topology, name: str) -> None:
    """A derived index of the old snapshot that the patch did not touch is the new one's too."""
    if name in old.__dict__:
        new.__dict__[name] = old.__dict__[name]


class Snapshots:
    """The current topology. Every write through ARM (in any process sharing the store) bumps a generation
    record; a write here patches the snapshot where it can, and anything else makes the next use rebuild it
    (checked at most every MAX_AGE seconds for other processes' writes, at once for this process's own)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._current: Topology | None = None
        self._generation = -1
        self._checked = 0.0
        self.listeners: list[Callable[[], None]] = []
        self.last_write: str | None = None
        """The path of this process's latest write; None when the latest change came from elsewhere."""
        self.patched = 0
        """How many writes patched the snapshot instead of rebuilding it (for tests and benchmarks)."""

    def changed(self, path: str = "") -> None:
        """A write happened here (to `path`): tell the other processes, and patch or drop the snapshot."""
        self.last_write = path.lower()
        with self.store.transaction() as tx:
            rec = tx.get(*GENERATION)
            before = rec.version if rec else 0
            after = tx.put(*GENERATION, {"changed": time.time(), "after": before}).version
        with self._lock:
            current = self._current if before == self._generation else None  # nobody else wrote in between
            patched = patch(current, self.store, path) if current is not None else None
            self._current = patched
            self._generation = after
            self.patched += patched is not None
        self._checked = time.monotonic()
        for listener in self.listeners:
            listener()

    def _stored_generation(self) -> int:
        rec = self.store.get(*GENERATION)
        return rec.version if rec else 0

    def _notify_if_moved(self) -> bool:
        generation = self._stored_generation()
        self.last_write = None if generation != self._generation else self.last_write
        self._checked = time.monotonic()
        if generation == self._generation and self._current is not None:
            return False
        with self._lock:
            self._current = None
            self._generation = generation
        for listener in self.listeners:
            listener()
        return True

    def __call__(self) -> Topology:
        if time.monotonic() - self._checked >= MAX_AGE:
            self._notify_if_moved()
        current = self._current
        if current is not None:
            return current
        with self._lock:
            if self._current is None:
                self._current = build(self.store)
            return self._current

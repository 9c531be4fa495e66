"""The network model's snapshot, built from the control plane's records (their Azure wire shapes).

Rebuilt lazily: a write through this process's ARM marks it stale at once; writes by another process sharing
the store are seen within MAX_AGE seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import regions
from vaultlink.core.ids import ResourceId
from vaultlink.network.topology import (
    Connection,
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
from vaultlink.store import Store
from vaultlink.store.base import iterate

MAX_AGE = 2.0
RECORD_FIELDS = {
    "A": ("aRecords", "ipv4Address"), "AAAA": ("aaaaRecords", "ipv6Address"), "PTR": ("ptrRecords", "ptrdname"),
}


def _key(text: str) -> str:
    return text.lower().rstrip("/")


def _record_values(rtype: str, props: dict[str, Any]) -> tuple[str, ...]:
    if rtype in RECORD_FIELDS:
        field, inner = RECORD_FIELDS[rtype]
        return tuple(str(r[inner]) for r in props.get(field) or [] if inner in r)
    if rtype == "CNAME":
        c = (props.get("cnameRecord") or {}).get("cname")
        return (str(c),) if c else ()
    if rtype == "MX":
        return tuple(f"{r['preference']} {r['exchange']}" for r in props.get("mxRecords") or [])
    if rtype == "SRV":
        return tuple(f"{r['priority']} {r['weight']} {r['port']} {r['target']}" for r in props.get("srvRecords") or [])
    if rtype == "TXT":
        return tuple("".join(r.get("value") or []) for r in props.get("txtRecords") or [])
    if rtype == "SOA":
        s = props.get("soaRecord") or {}
        if not s:
            return ()
        return ((f"{s.get('host')} {s.get('email')} {s.get('serialNumber', 1)} {s.get('refreshTime', 3600)} "
                 f"{s.get('retryTime', 300)} {s.get('expireTime', 2419200)} {s.get('minimumTtl', 10)}"),)
    return ()


def build(store: Store) -> Topology:
    vnets: dict[str, VirtualNetwork] = {}
    subnets: dict[str, Subnet] = {}
    endpoints: list[tuple[str, dict[str, Any]]] = []
    nics: dict[str, dict[str, Any]] = {}
    vms: dict[str, dict[str, Any]] = {}
    zones: dict[str, dict[str, Any]] = {}
    links: dict[str, list[ZoneLink]] = {}
    records: dict[str, dict[tuple[str, str], RecordSet]] = {}
    vaults: dict[str, Vault] = {}
    for rec in iterate(store, RESOURCE):
        body = rec.body
        rid = ResourceId.try_parse(rec.key)
        if rid is None or "properties" not in body:
            continue
        props = body["properties"] or {}
        kind = rid.type.lower()
        if kind == "microsoft.network/virtualnetworks":
            peers = tuple(_key(p["properties"]["remoteVirtualNetwork"]["id"]) for p in props.get("virtualNetworkPeerings") or []
                          if (p.get("properties") or {}).get("remoteVirtualNetwork", {}).get("id"))
            vnets[rec.key] = VirtualNetwork(rec.key, tuple((props.get("addressSpace") or {}).get("addressPrefixes") or ()),
                                            tuple((props.get("dhcpOptions") or {}).get("dnsServers") or ()), peers)
        elif kind == "microsoft.network/virtualnetworks/subnets":
            prefixes = tuple(props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else []))
            services = tuple(str(s.get("service", "")) for s in props.get("serviceEndpoints") or [])
            subnets[rec.key] = Subnet(rec.key, prefixes, services)
        elif kind == "microsoft.network/privateendpoints":
            endpoints.append((rec.key, props))
        elif kind == "microsoft.network/networkinterfaces":
            nics[rec.key] = props
        elif kind == "microsoft.compute/virtualmachines":
            vms[rec.key] = body
        elif kind == "microsoft.network/privatednszones":
            zones[rec.key] = body
        elif kind == "microsoft.network/privatednszones/virtualnetworklinks":
            vnet = (props.get("virtualNetwork") or {}).get("id")
            if vnet:
                links.setdefault(rid.parent.key if rid.parent else "", []).append(
                    ZoneLink(_key(vnet), str(props.get("resolutionPolicy") or "Default")))
        elif kind.startswith("microsoft.network/privatednszones/") and rid.parent is not None:
            rtype = rid.types[-1].upper()
            records.setdefault(rid.parent.key, {})[(rid.name.lower(), rtype)] = RecordSet(
                rtype, int(props.get("ttl") or 3600), _record_values(rtype, props))
        elif kind == "microsoft.keyvault/vaults":
            acls = props.get("networkAcls") or {}
            vaults[body["name"].lower()] = Vault(
                name=body["name"].lower(), id=rec.key, region=regions.normalize(body.get("location", "eastus")),
                public_network_access=str(props.get("publicNetworkAccess") or "Enabled"),
                default_action=str(acls.get("defaultAction") or "Allow"), bypass=str(acls.get("bypass") or "AzureServices"),
                ip_rules=tuple(str(r.get("value")) for r in acls.get("ipRules") or [] if r.get("value")),
                vnet_rules=tuple(_key(r["id"]) for r in acls.get("virtualNetworkRules") or [] if r.get("id")),
            )
    pes = []
    for key, props in endpoints:
        address = _endpoint_address(props, nics)
        subnet = _key((props.get("subnet") or {}).get("id", ""))
        if not address or not subnet:
            continue
        conns = []
        for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for c in props.get(collection) or []:
                cp = c.get("properties") or {}
                target = cp.get("privateLinkServiceId")
                if target:
                    status = (cp.get("privateLinkServiceConnectionState") or {}).get("status", "Pending")
                    conns.append(Connection(_key(target), str(status)))
        pes.append(PrivateEndpoint(key, subnet, address, tuple(conns)))
    machines = {}
    publics = {r.key: str(r.body.get("publicAddress") or "") for r in iterate(store, sidecar.MACHINE)} if vms else {}
    for key, vm in vms.items():
        for ref in ((vm["properties"].get("networkProfile") or {}).get("networkInterfaces") or []):
            nic = nics.get(_key(ref.get("id", "")))
            if nic is None:
                continue
            ipc = ((nic.get("ipConfigurations") or [{}])[0].get("properties") or {})
            subnet = _key((ipc.get("subnet") or {}).get("id", ""))
            address = ipc.get("privateIPAddress")
            if address and subnet:
                machines[key] = Machine(key, vm["name"], subnet, str(address), publics.get(key, ""))
                break
    zone_values = tuple(
        PrivateZone(key, body["name"].lower(), tuple(links.get(key, ())), records.get(key, {}))
        for key, body in zones.items()
    )
    return Topology(vnets=vnets, subnets=subnets, endpoints=tuple(pes), machines=machines, zones=zone_values,
                    vaults=vaults)


def _endpoint_address(props: dict[str, Any], nics: dict[str, dict[str, Any]]) -> str | None:
    for ref in props.get("networkInterfaces") or []:
        nic = nics.get(_key(ref.get("id", "")))
        if nic:
            for ipc in nic.get("ipConfigurations") or []:
                address = (ipc.get("properties") or {}).get("privateIPAddress")
                if address:
                    return str(address)
    for cfg in props.get("customDnsConfigs") or []:
        for address in cfg.get("ipAddresses") or []:
            return str(address)
    return None


GENERATION = ("setting", "topology-generation")


class Snapshots:
    """The current topology. Every write through ARM (in any process sharing the store) bumps a generation
    record; a snapshot is rebuilt only when that generation moved, checked at most every MAX_AGE seconds
    (at once for this process's own writes)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._current: Topology | None = None
        self._generation = -1
        self._checked = 0.0
        self.listeners: list[Callable[[], None]] = []
        self.last_write: str | None = None
        """The path of this process's latest write; None when the latest change came from elsewhere."""

    def changed(self, path: str = "") -> None:
        """A write happened here (to `path`): tell the other processes and rebuild on next use."""
        self.last_write = path.lower()
        with self.store.transaction() as tx:
            rec = tx.get(*GENERATION)
            tx.put(*GENERATION, {"changed": time.time(), "after": rec.version if rec else 0})
        self._checked = 0.0
        self._notify_if_moved(mine=True)

    def _stored_generation(self) -> int:
        rec = self.store.get(*GENERATION)
        return rec.version if rec else 0

    def _notify_if_moved(self, mine: bool = False) -> bool:
        generation = self._stored_generation()
        if not mine:
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

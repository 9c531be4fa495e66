"""On-premises sites: vaultlink's own records (kind "site", keyed by lower-cased name), beside the control plane
whose VPN connections join them to virtual networks.

A site is `{name, addressSpace, dnsServer, publicAddress, resolution, forwarders: [{zone, targets}], machines:
{name: address}}`. Its public address (from 192.0.2.0/24, a documentation range, never dialled) is its VPN
device's: a local network gateway whose `gatewayIpAddress` is that address stands for the site, and a connection
from a virtual network gateway to it joins the site to the gateway's network. `resolution` is "forwarder" (names
without a conditional forwarder go to an upstream that returns whole chains) or "iterative" (the server chases
CNAMEs itself). A site machine also has a machine record (compute/sidecar.py) keyed `site:<site>/<name>`, for its
proxy credential. Every write bumps the topology generation, so a running server sees it within seconds.
"""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable
from typing import Any

from vaultlink.arm.providers.compute import sidecar
from vaultlink.network import addressing
from vaultlink.network.paths import split_target
from vaultlink.network.wire import site_machine_key
from vaultlink.store import Reader, Store, Transaction
from vaultlink.store.base import iterate

machine_key = site_machine_key
"""A site machine's key among the machines (the network model spells it)."""

SITE = "site"
SITE_ADDRESS = "sitepublicip"
GENERATION = ("setting", "topology-generation")
PUBLIC_NETWORK, FIRST, LAST = "192.0.2.", 10, 250
RESOLUTIONS = ("forwarder", "iterative")


class SiteError(ValueError):
    """A site request that cannot be done; the message says why."""


def _bump(tx: Transaction) -> None:
    rec = tx.get(*GENERATION)
    tx.put(*GENERATION, {"changed": time.time(), "after": rec.version if rec else 0})


def get(reader: Reader, name: str) -> dict[str, Any] | None:
    rec = reader.get(SITE, name.lower())
    return rec.body if rec is not None else None


def all_sites(store: Store) -> list[dict[str, Any]]:
    return [r.body for r in iterate(store, SITE)]


def by_public_address(reader: Reader, address: str) -> dict[str, Any] | None:
    rec = reader.get(SITE_ADDRESS, address)
    return get(reader, str(rec.body["site"])) if rec is not None else None


def create(store: Store, name: str, address_space: list[str], dns_server: str | None, resolution: str) -> dict[str, Any]:
    if not name or not all(c.isalnum() or c in "-_" for c in name) or len(name) > 64:
        raise SiteError(f"'{name}' is not a valid site name: use up to 64 letters, digits, '-' and '_'")
    if resolution not in RESOLUTIONS:
        raise SiteError(f"resolution must be one of {', '.join(RESOLUTIONS)}, not '{resolution}'")
    try:
        prefixes = [addressing.parse_prefix(p) for p in address_space]
    except addressing.AddressError as e:
        raise SiteError(str(e)) from None
    if not prefixes:
        raise SiteError("a site needs at least one address range (--address-space)")
    first = prefixes[0]
    dns = dns_server or str(first.network_address + 53 if first.num_addresses > 64 else first.network_address + 2)
    if not any(ipaddress.IPv4Address(dns) in p for p in prefixes):
        raise SiteError(f"the DNS server {dns} is not in the site's address space {', '.join(address_space)}")
    with store.transaction() as tx:
        if tx.get(SITE, name.lower()) is not None:
            raise SiteError(f"a site named {name} already exists")
        public = next((f"{PUBLIC_NETWORK}{o}" for o in range(FIRST, LAST + 1)
                       if tx.get(SITE_ADDRESS, f"{PUBLIC_NETWORK}{o}") is None), None)
        if public is None:
            raise SiteError(f"every public address {PUBLIC_NETWORK}{FIRST}-{LAST} is taken by a site")
        body = {"name": name, "id": str(uuid.uuid4()), "addressSpace": [str(p) for p in prefixes], "dnsServer": dns,
                "publicAddress": public, "resolution": resolution, "forwarders": [], "machines": {}}
        tx.put(SITE, name.lower(), body, expect=0)
        tx.put(SITE_ADDRESS, public, {"site": name.lower()}, expect=0)
        _bump(tx)
    return body


def _update(store: Store, name: str, change: Callable[[Transaction, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    with store.transaction() as tx:
        rec = tx.get(SITE, name.lower())
        if rec is None:
            raise SiteError(f"no site named {name}; `vaultlink site list` shows them")
        body = change(tx, dict(rec.body))
        tx.put(SITE, rec.key, body, expect=rec.version)
        _bump(tx)
    return body


def delete(store: Store, name: str) -> None:
    with store.transaction() as tx:
        rec = tx.get(SITE, name.lower())
        if rec is None:
            raise SiteError(f"no site named {name}; `vaultlink site list` shows them")
        for machine in rec.body.get("machines") or {}:
            _remove_machine_record(tx, machine_key(name, machine))
        tx.delete(SITE_ADDRESS, str(rec.body["publicAddress"]))
        tx.delete(SITE, rec.key, expect=rec.version)
        _bump(tx)


def add_forwarder(store: Store, name: str, zone: str, targets: list[str]) -> dict[str, Any]:
    zone = zone.lower().strip().rstrip(".")
    if not zone or "." not in zone:
        raise SiteError(f"'{zone}' is not a zone name such as vault.azure.net")
    for target in targets:
        address, port = split_target(target)
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            raise SiteError(f"'{target}' is not IP[:PORT]") from None
        if not 0 < port < 65536:
            raise SiteError(f"'{target}' has no valid port")

    def change(tx: Transaction, body: dict[str, Any]) -> dict[str, Any]:
        kept = [f for f in body.get("forwarders") or [] if f["zone"] != zone]
        body["forwarders"] = sorted([*kept, {"zone": zone, "targets": list(targets)}], key=lambda f: str(f["zone"]))
        return body

    return _update(store, name, change)


def remove_forwarder(store: Store, name: str, zone: str) -> dict[str, Any]:
    zone = zone.lower().strip().rstrip(".")

    def change(tx: Transaction, body: dict[str, Any]) -> dict[str, Any]:
        if not any(f["zone"] == zone for f in body.get("forwarders") or []):
            raise SiteError(f"site {name} has no conditional forwarder for {zone}")
        body["forwarders"] = [f for f in body["forwarders"] if f["zone"] != zone]
        return body

    return _update(store, name, change)




def add_machine(store: Store, site: str, machine: str) -> dict[str, Any]:
    """A machine in the site: the lowest free address from .10 of the site's first range, a machine record for
    its proxy credential; its traffic to the internet leaves from the site's public address."""

    def change(tx: Transaction, body: dict[str, Any]) -> dict[str, Any]:
        machines = dict(body.get("machines") or {})
        if machine.lower() in {m.lower() for m in machines}:
            raise SiteError(f"site {site} already has a machine named {machine}")
        first = addressing.parse_prefix(body["addressSpace"][0])
        taken = {*machines.values(), body["dnsServer"]}
        address = next((str(a) for a in list(first.hosts())[9:] if str(a) not in taken), None)
        if address is None:
            raise SiteError(f"site {site} has no free address left in {first}")
        machines[machine] = address
        body["machines"] = machines
        key = machine_key(body["name"], machine)
        vm_id = str(uuid.uuid4())
        user = sidecar.user_name(vm_id)
        tx.put(sidecar.MACHINE, key, {"id": key, "name": machine, "vmId": vm_id, "user": user, "site": body["name"],
                                      "privateAddress": address, "publicAddress": body["publicAddress"]}, expect=0)
        tx.put(sidecar.MACHINE_USER, user, {"machine": key}, expect=0)
        return body

    return _update(store, site, change)


def _remove_machine_record(tx: Transaction, key: str) -> None:
    rec = tx.get(sidecar.MACHINE, key)
    if rec is not None:
        tx.delete(sidecar.MACHINE_USER, str(rec.body["user"]))
        tx.delete(sidecar.MACHINE, key, expect=rec.version)


def remove_machine(store: Store, site: str, machine: str) -> dict[str, Any]:
    def change(tx: Transaction, body: dict[str, Any]) -> dict[str, Any]:
        machines = {k: v for k, v in (body.get("machines") or {}).items() if k.lower() != machine.lower()}
        if len(machines) == len(body.get("machines") or {}):
            raise SiteError(f"site {site} has no machine named {machine}")
        body["machines"] = machines
        _remove_machine_record(tx, machine_key(body["name"], machine))
        return body

    return _update(store, site, change)

"""Auto-registration: the A records that a private zone linked with `registrationEnabled` holds for the
virtual machines of that network, as Azure DNS keeps them.

A machine's record is named after the machine, holds its primary interface's address, and is marked
`isAutoRegistered`. It appears when the machine is made (or when its network's link starts registering) and
goes when the machine is deleted (or the link is removed or stops registering). A record someone wrote by hand
under the same name wins: registration leaves it alone, and deleting it brings the machine's record back.
Private endpoints are not machines and never register.

Every change is made in the transaction of the write that causes it, so the records are on disk like any other
and outlive a restart. An index of the machines per network (kind "dnsmachine", keyed "{vnet key}|{vm key}")
lets a new registration link find the network's machines with one prefix scan.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm import dnsrecords
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Transaction

MACHINES = "dnsmachine"
TTL = 10
"""Azure DNS writes auto-registered records with a 10-second TTL."""
LINKS = "virtualnetworklinks"


def machine_created(tx: Transaction, vm: ResourceId, vnet: ResourceId, address: str) -> None:
    """A machine with this primary address in `vnet`: indexed, and registered in the network's registration zone."""
    tx.put(MACHINES, _key(vnet, vm), {"name": vm.name.lower(), "address": address, "virtualMachineId": str(vm)})
    zone = registration_zone(tx, vnet)
    if zone is not None:
        _register(tx, zone, vm.name, address)


def machine_deleted(tx: Transaction, vm: ResourceId, vnet: ResourceId) -> None:
    if not tx.delete(MACHINES, _key(vnet, vm)):
        return
    zone = registration_zone(tx, vnet)
    if zone is not None:
        _unregister(tx, zone, vm.name)


def registration_started(tx: Transaction, zone: ResourceId, vnet: ResourceId) -> None:
    """A link of `zone` to `vnet` now registers: every machine of the network gets its record."""
    for entry in tx.list(MACHINES, vnet.key + "|"):
        _register(tx, zone, entry.body["name"], entry.body["address"])


def registration_stopped(tx: Transaction, zone: ResourceId, vnet: ResourceId) -> None:
    """The registering link is gone or no longer registers: the network's machines' records go."""
    for entry in tx.list(MACHINES, vnet.key + "|"):
        _unregister(tx, zone, entry.body["name"])


def manual_record_deleted(tx: Transaction, zone: ResourceId, name: str) -> None:
    """A hand-written A record is gone: a machine of that name in a network that registers here takes the name back."""
    for link in tx.list(RESOURCE, f"{zone.key}/{LINKS}/"):
        props = link.body.get("properties") or {}
        vnet = ResourceId.try_parse((props.get("virtualNetwork") or {}).get("id") or "")
        if not props.get("registrationEnabled") or vnet is None:
            continue
        for entry in tx.list(MACHINES, vnet.key + "|"):
            if entry.body["name"] == name.lower():
                _register(tx, zone, name, entry.body["address"])
                return


def registration_zone(reader: Reader, vnet: ResourceId) -> ResourceId | None:
    """The one zone the network registers in, if any."""
    for zone_id, link in dnsrecords.linked_zones(reader, vnet):
        if (link.get("properties") or {}).get("registrationEnabled"):
            return ResourceId.parse(zone_id)
    return None


def is_auto_registered(body: dict[str, Any]) -> bool:
    return bool((body.get("properties") or {}).get("isAutoRegistered"))


def _register(tx: Transaction, zone: ResourceId, name: str, address: str) -> None:
    rid = dnsrecords.record_set_id(zone, "A", name)
    current = tx.get(RESOURCE, rid.key)
    if current is not None and not is_auto_registered(current.body):
        return  # a record written by hand takes precedence
    body = dnsrecords.record_set_body(zone, "A", name, TTL, [{"ipv4Address": address}], auto_registered=True)
    dnsrecords.write_record_set(tx, zone, "A", body, expect=current.version if current else 0)


def _unregister(tx: Transaction, zone: ResourceId, name: str) -> None:
    rid = dnsrecords.record_set_id(zone, "A", name)
    current = tx.get(RESOURCE, rid.key)
    if current is not None and is_auto_registered(current.body):
        dnsrecords.delete_record_set(tx, zone, "A", name, expect=current.version)


def _key(vnet: ResourceId, vm: ResourceId) -> str:
    return f"{vnet.key}|{vm.key}"

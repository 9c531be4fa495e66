"""Private IP addresses of subnets, as the store keeps them.

One record per allocated address (kind "ipalloc", key "{subnet key}/{address as a zero-padded integer}"), so
"is this address taken" is a point lookup and a subnet's holders are one key range, in address order. One
record per subnet (kind "ipallochint") holds the lowest address that may be free: every usable address below
it is taken. Allocating walks up from the hint with point lookups (network.addressing.first_free) and moves
the hint past the address it took; releasing an address below the hint lowers it. So an allocation costs the
same in an empty subnet and in one with a thousand holders.

Each virtual network also counts its private endpoints (kind "vnetusage"), for the per-network limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.tracked import count_in_subscription
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing
from vaultlink.store import Reader, Record, Transaction

IPALLOC = "ipalloc"
HINT = "ipallochint"
USAGE = "vnetusage"



@dataclass(frozen=True)
class Holder:
    """What holds an address: an IP configuration of a network interface, perhaps a private endpoint's."""

    ip_configuration: str
    network_interface: str
    private_endpoint: str | None = None
    method: str = "Dynamic"


def address_key(subnet: ResourceId, address: int) -> str:
    return f"{subnet.key}/{address:010d}"


def prefixes_of(subnet_body: dict[str, Any]) -> list[IPv4Network]:
    """A stored subnet's prefixes, in the order the allocator walks them."""
    props = subnet_body.get("properties", {})
    texts = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
    return addressing.ordered(addressing.parse_prefix(t) for t in texts)


def _taken(tx: Reader, subnet: ResourceId) -> addressing.Taken:
    return lambda address: tx.get(IPALLOC, address_key(subnet, address)) is not None


def _hint(tx: Reader, subnet: ResourceId, prefixes: list[IPv4Network]) -> int:
    rec = tx.get(HINT, subnet.key)
    return int(rec.body["next"]) if rec else addressing.start_hint(prefixes)


def _move_hint(tx: Transaction, subnet: ResourceId, to: int, current: Record | None) -> None:
    # Versioned, so two processes moving one hint at once conflict (and retry) instead of one losing a move.
    tx.put(HINT, subnet.key, {"next": to}, expect=current.version if current else 0)


def _hold(tx: Transaction, subnet: ResourceId, address: int, holder: Holder) -> None:
    body = {
        "subnet": str(subnet),
        "address": addressing.to_text(address),
        "ipConfiguration": holder.ip_configuration,
        "networkInterface": holder.network_interface,
        "privateEndpoint": holder.private_endpoint,
        "privateIPAllocationMethod": holder.method,
    }
    tx.put(IPALLOC, address_key(subnet, address), body, expect=0)


def allocate(tx: Transaction, subnet: ResourceId, prefixes: list[IPv4Network], holder: Holder) -> str:
    """The subnet's lowest free address, now held by `holder`; SubnetIsFull when there is none."""
    current = tx.get(HINT, subnet.key)
    hint = int(current.body["next"]) if current else addressing.start_hint(prefixes)
    address = addressing.first_free(prefixes, hint, _taken(tx, subnet))
    if address is None:
        raise net.SubnetIsFull(subnet=subnet.name, prefix=", ".join(map(str, prefixes)))
    _hold(tx, subnet, address, holder)
    _move_hint(tx, subnet, address + 1, current)
    return addressing.to_text(address)


def claim(tx: Transaction, subnet: ResourceId, prefixes: list[IPv4Network], text: str, holder: Holder) -> str:
    """A static address: it must lie in the subnet, not be one Azure keeps, and be free."""
    try:
        address = addressing.to_int(addressing.parse_address(text))
    except addressing.AddressError:
        raise net.InvalidPrivateIPAddress(value=text, ip_configuration=holder.ip_configuration) from None
    prefix = addressing.holding(prefixes, address)
    if prefix is None:
        raise net.PrivateIPAddressNotInSubnet(address=text, prefix=", ".join(map(str, prefixes)))
    if addressing.is_reserved(prefix, address):
        raise net.PrivateIPAddressInReservedRange(address=text, prefix=str(prefix))
    current = tx.get(IPALLOC, address_key(subnet, address))
    if current is not None:
        raise net.PrivateIPAddressIsAllocated(
            ip_configuration=holder.ip_configuration, address=text, holder=current.body["ipConfiguration"]
        )
    _hold(tx, subnet, address, holder)
    return addressing.to_text(address)


def release(tx: Transaction, subnet: ResourceId, text: str) -> None:
    """Frees an address; the allocator will hand it out again before any higher one."""
    address = addressing.to_int(text)
    if not tx.delete(IPALLOC, address_key(subnet, address)):
        return
    rec = tx.get(HINT, subnet.key)
    if rec is not None and address < int(rec.body["next"]):
        _move_hint(tx, subnet, addressing.hint_after_release(int(rec.body["next"]), address), rec)


def holders(tx: Reader, subnet: ResourceId) -> list[dict[str, Any]]:
    """Every held address of the subnet, in address order."""
    return [r.body for r in tx.list(IPALLOC, subnet.key + "/")]


def first_holder(tx: Reader, subnet: ResourceId, prefix: IPv4Network | None = None) -> dict[str, Any] | None:
    """The lowest held address of the subnet (within `prefix` when given), or None: one indexed lookup."""
    if prefix is None:
        found = tx.list(IPALLOC, subnet.key + "/", limit=1)
    else:
        start = int(prefix.network_address)
        found = tx.list(IPALLOC, subnet.key + "/", limit=1, after=address_key(subnet, start - 1) if start else None)
        if found and int(found[0].key.rsplit("/", 1)[1]) > int(prefix.broadcast_address):
            found = []
    return found[0].body if found else None


def forget(tx: Transaction, subnet: ResourceId) -> None:
    """The subnet is gone (or its prefixes changed while it held nothing): drop its allocator state."""
    tx.delete_prefix(IPALLOC, subnet.key + "/")
    tx.delete(HINT, subnet.key)


def availability(tx: Reader, subnets: list[tuple[ResourceId, list[IPv4Network]]], text: str) -> dict[str, Any]:
    """CheckIPAddressAvailability: is the address free in the subnet that holds it, and if not, which free
    addresses come next (the ones the allocator would hand out, in order)."""
    address = addressing.to_int(addressing.parse_address(text))
    for subnet, prefixes in subnets:
        prefix = addressing.holding(prefixes, address)
        if prefix is None:
            continue
        reserved = addressing.is_reserved(prefix, address)
        taken = _taken(tx, subnet)
        if not reserved and not taken(address):
            return {"available": True, "isPlatformReserved": False}
        # Every usable address below the hint is taken, so these are the next ones the allocator hands out.
        nearby = addressing.free_from(prefixes, _hint(tx, subnet, prefixes), taken, 5)
        return {
            "available": False,
            "availableIPAddresses": [addressing.to_text(a) for a in nearby],
            "isPlatformReserved": reserved,
        }
    return {"available": False, "availableIPAddresses": [], "isPlatformReserved": False}


def endpoints_in(tx: Reader, vnet: ResourceId) -> int:
    rec = tx.get(USAGE, vnet.key)
    return int(rec.body["privateEndpoints"]) if rec else 0


ENDPOINTS_PER_SUBSCRIPTION = 64_000


def count_endpoint(tx: Transaction, vnet: ResourceId, delta: int) -> None:
    """Counts the network's endpoints, and its subscription's (at most 64,000 private endpoints)."""
    count_in_subscription(tx, vnet.subscription, "privateendpoints", delta, ENDPOINTS_PER_SUBSCRIPTION,
                          f"The subscription '{vnet.subscription}' already has {ENDPOINTS_PER_SUBSCRIPTION} private "
                          "endpoints, the most it can have.")
    rec = tx.get(USAGE, vnet.key)
    count = int(rec.body["privateEndpoints"]) if rec else 0
    tx.put(USAGE, vnet.key, {"privateEndpoints": max(count + delta, 0)}, expect=rec.version if rec else 0)


def forget_network(tx: Transaction, vnet: ResourceId) -> None:
    tx.delete(USAGE, vnet.key)

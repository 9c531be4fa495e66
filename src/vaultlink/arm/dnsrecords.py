"""Record sets of private DNS zones, as the store keeps them.

The private DNS provider serves them over ARM; private endpoints' zone groups write and remove the A records
they own; the DNS server reads them. A record set lives at `{zone id}/{TYPE}/{name}` (name lower-cased,
`@` for the apex) in the resource table.

Two small records ride along so nothing has to scan a zone: a count of the zone's record sets (kind
"dnsrecordsetcount", keyed by the zone key, kept in the same transaction as every record-set write here), and a
per-virtual-network index of the zones it is linked to (kind "dnslink", keyed "{vnet key}|{zone key}"), so
"which zones does this virtual network see" is one prefix scan (`linked_zones`).
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm.envelope import new_etag
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.network.records import RECORD_FIELDS, RECORD_TYPES
from vaultlink.store import Reader, Record, Transaction

RECORD_SET_COUNT = "dnsrecordsetcount"
LINK_INDEX = "dnslink"




def record_set_id(zone: ResourceId, record_type: str, name: str) -> ResourceId:
    return zone.child(record_type.upper(), name.lower())


def fqdn(zone_name: str, name: str) -> str:
    return f"{zone_name.lower()}." if name == "@" else f"{name.lower()}.{zone_name.lower()}."


def record_set_body(
    zone: ResourceId, record_type: str, name: str, ttl: int, records: Any, *, metadata: dict[str, str] | None = None,
    auto_registered: bool = False,
) -> dict[str, Any]:
    rid = record_set_id(zone, record_type, name)
    return {
        "id": str(rid),
        "name": name.lower(),
        "type": f"Microsoft.Network/privateDnsZones/{record_type.upper()}",
        "etag": new_etag(),
        "properties": {
            "metadata": metadata or {},
            "ttl": ttl,
            "fqdn": fqdn(zone.name, name),
            "isAutoRegistered": auto_registered,
            RECORD_FIELDS[record_type.upper()]: records,
        },
    }


def put_a_record(tx: Transaction, zone: ResourceId, name: str, addresses: list[str], ttl: int) -> dict[str, Any]:
    """Writes (or replaces) the A record set `name` in the zone with exactly these addresses."""
    body = record_set_body(zone, "A", name, ttl, [{"ipv4Address": a} for a in addresses])
    key = record_set_id(zone, "A", name).key
    created = tx.get(RESOURCE, key) is None
    tx.put(RESOURCE, key, body)
    if created:
        _count(tx, zone, +1)
    return body


def remove_a_record(tx: Transaction, zone: ResourceId, name: str, addresses: list[str]) -> None:
    """Removes these addresses from the A record set, and the set itself once empty."""
    rid = record_set_id(zone, "A", name)
    rec = tx.get(RESOURCE, rid.key)
    if rec is None:
        return
    left = [r for r in rec.body["properties"].get("aRecords", []) if r.get("ipv4Address") not in addresses]
    if left:
        body = {**rec.body, "etag": new_etag(), "properties": {**rec.body["properties"], "aRecords": left}}
        tx.put(RESOURCE, rid.key, body, expect=rec.version)
    else:
        tx.delete(RESOURCE, rid.key, expect=rec.version)
        _count(tx, zone, -1)


def record_sets(tx: Transaction, zone: ResourceId, record_type: str | None = None) -> list[dict[str, Any]]:
    prefix = zone.key + "/" + (record_type.lower() + "/" if record_type else "")
    out = []
    for rec in tx.list(RESOURCE, prefix):
        rid = ResourceId.try_parse(rec.key)
        if rid is not None and len(rid.names) == len(zone.names) + 1 and rid.types[-1].upper() in RECORD_TYPES:
            out.append(rec.body)
    return out


# ---- writes the private DNS provider makes (each keeps the record-set count) ---------------------------------

def write_record_set(tx: Transaction, zone: ResourceId, record_type: str, body: dict[str, Any], *, expect: int) -> Record:
    """Creates (expect=0) or replaces (expect=version) a record set whose body is already built."""
    rec = tx.put(RESOURCE, record_set_id(zone, record_type, body["name"]).key, body, expect=expect)
    if expect == 0:
        _count(tx, zone, +1)
    return rec


def delete_record_set(tx: Transaction, zone: ResourceId, record_type: str, name: str, *, expect: int) -> None:
    if tx.delete(RESOURCE, record_set_id(zone, record_type, name).key, expect=expect):
        _count(tx, zone, -1)


ZONES_PER_SUBSCRIPTION = 1000


def start_zone(tx: Transaction, zone: ResourceId) -> None:
    """A new zone: no record sets yet (its SOA is written next, through write_record_set). A subscription holds
    at most 1,000 private DNS zones."""
    from vaultlink.arm.tracked import count_in_subscription

    count_in_subscription(tx, zone.subscription, "privatednszones", +1, ZONES_PER_SUBSCRIPTION,
                          f"The subscription '{zone.subscription}' already has {ZONES_PER_SUBSCRIPTION} private DNS "
                          f"zones, the most it can have; '{zone.name}' cannot be created.")
    tx.put(RECORD_SET_COUNT, zone.key, {"recordSets": 0})


def drop_zone(tx: Transaction, zone: ResourceId) -> None:
    """Removes every record set and child of the zone, and its count (the zone record itself is the caller's)."""
    from vaultlink.arm.tracked import count_in_subscription

    tx.delete_prefix(RESOURCE, zone.key + "/")
    if tx.delete(RECORD_SET_COUNT, zone.key):
        count_in_subscription(tx, zone.subscription, "privatednszones", -1, ZONES_PER_SUBSCRIPTION, "")


def record_set_count(reader: Reader, zone: ResourceId) -> int:
    rec = reader.get(RECORD_SET_COUNT, zone.key)
    if rec is not None:
        return int(rec.body["recordSets"])
    return _scan_count(reader, zone)


def _scan_count(reader: Reader, zone: ResourceId) -> int:
    """The slow way, only for a zone whose count record is missing (written before counts were kept)."""
    n = 0
    for rec in reader.list(RESOURCE, zone.key + "/"):
        rid = ResourceId.try_parse(rec.key)
        if rid is not None and len(rid.names) == len(zone.names) + 1 and rid.types[-1].upper() in RECORD_TYPES:
            n += 1
    return n


def _count(tx: Transaction, zone: ResourceId, delta: int) -> None:
    """Called after the write it counts; a missing count is rebuilt from the zone's contents (which already
    include that write)."""
    rec = tx.get(RECORD_SET_COUNT, zone.key)
    if rec is None:
        tx.put(RECORD_SET_COUNT, zone.key, {"recordSets": _scan_count(tx, zone)}, expect=0)
    else:
        n = max(int(rec.body["recordSets"]) + delta, 0)
        tx.put(RECORD_SET_COUNT, zone.key, {"recordSets": n}, expect=rec.version)


# ---- which zones a virtual network sees ------------------------------------------------------------------

def link_index_key(vnet: ResourceId, zone: ResourceId) -> str:
    return f"{vnet.key}|{zone.key}"


def index_link(tx: Transaction, vnet: ResourceId, zone: ResourceId, link: ResourceId, vnet_guid: str | None) -> None:
    """`vnet_guid` is the network's resourceGuid now: a network deleted and made again under the same id gets a
    new one, and the old network's links stop counting even where nothing removed them."""
    tx.put(LINK_INDEX, link_index_key(vnet, zone), {
        "virtualNetworkId": str(vnet), "zoneId": str(zone), "linkId": str(link), "virtualNetworkGuid": vnet_guid,
    })


def unindex_link(tx: Transaction, vnet: ResourceId, zone: ResourceId, link: ResourceId) -> None:
    """Removes the entry of this link (not one a later link of the same network and zone wrote)."""
    entry = tx.get(LINK_INDEX, link_index_key(vnet, zone))
    if entry is not None and str(entry.body["linkId"]).lower() == link.key:
        tx.delete(LINK_INDEX, entry.key, expect=entry.version)


def linked_zones(reader: Reader, vnet_id: ResourceId | str) -> list[tuple[str, dict[str, Any]]]:
    """The zones linked to a virtual network, as (zone id, virtual network link body), in zone-key order. A
    network that no longer exists sees nothing; links made to an earlier network of the same id are left out."""
    vnet = vnet_id if isinstance(vnet_id, ResourceId) else ResourceId.parse(vnet_id)
    network = reader.get(RESOURCE, vnet.key)
    if network is None:
        return []
    guid = (network.body.get("properties") or {}).get("resourceGuid")
    out = []
    for entry in reader.list(LINK_INDEX, vnet.key + "|"):
        linked_guid = entry.body.get("virtualNetworkGuid")
        if guid and linked_guid and guid != linked_guid:
            continue
        link = reader.get(RESOURCE, entry.body["linkId"].lower())
        if link is not None:
            out.append((str(entry.body["zoneId"]), link.body))
    return out

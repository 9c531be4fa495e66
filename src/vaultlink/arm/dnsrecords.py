"""Record sets of private DNS zones, as the store keeps them.

The private DNS provider serves them over ARM; private endpoints' zone groups write and remove the A records
they own; the DNS server reads them. A record set lives at `{zone id}/{TYPE}/{name}` (name lower-cased,
`@` for the apex) in the resource table.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm.envelope import new_etag
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.store import Transaction

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")
RECORD_FIELDS = {
    "A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords", "PTR": "ptrRecords",
    "SOA": "soaRecord", "SRV": "srvRecords", "TXT": "txtRecords",
}


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
    tx.put(RESOURCE, record_set_id(zone, "A", name).key, body)
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


def record_sets(tx: Transaction, zone: ResourceId, record_type: str | None = None) -> list[dict[str, Any]]:
    prefix = zone.key + "/" + (record_type.lower() + "/" if record_type else "")
    out = []
    for rec in tx.list(RESOURCE, prefix):
        rid = ResourceId.try_parse(rec.key)
        if rid is not None and len(rid.names) == len(zone.names) + 1 and rid.types[-1].upper() in RECORD_TYPES:
            out.append(rec.body)
    return out

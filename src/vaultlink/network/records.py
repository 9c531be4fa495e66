"""Record types of private DNS zones as the wire spells them: the property that holds each type's records,
and how those records read as text for the DNS server and the troubleshooter. The control plane's provider
accepts these types; the projection (wire.py) reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _items(inner: str) -> Callable[[Any], tuple[str, ...]]:
    return lambda records: tuple(str(r[inner]) for r in records or [] if inner in r)


def _cname(record: Any) -> tuple[str, ...]:
    return (str(record["cname"]),) if record and record.get("cname") else ()


def _soa(s: Any) -> tuple[str, ...]:
    if not s:
        return ()
    text = (f"{s.get('host')} {s.get('email')} {s.get('serialNumber', 1)} {s.get('refreshTime', 3600)} "
            f"{s.get('retryTime', 300)} {s.get('expireTime', 2419200)} {s.get('minimumTtl', 10)}")
    return (text,)


@dataclass(frozen=True)
class RecordType:
    """How a record type is spelled on the wire: the property that holds its records, and how its records read
    as the DNS server's text (`values`, from that property's value)."""

    field: str
    values: Callable[[Any], tuple[str, ...]]


RECORDS: dict[str, RecordType] = {
    "A": RecordType("aRecords", _items("ipv4Address")),
    "AAAA": RecordType("aaaaRecords", _items("ipv6Address")),
    "CNAME": RecordType("cnameRecord", _cname),
    "MX": RecordType("mxRecords", lambda rs: tuple(f"{r['preference']} {r['exchange']}" for r in rs or [])),
    "PTR": RecordType("ptrRecords", _items("ptrdname")),
    "SOA": RecordType("soaRecord", _soa),
    "SRV": RecordType("srvRecords",
                      lambda rs: tuple(f"{r['priority']} {r['weight']} {r['port']} {r['target']}" for r in rs or [])),
    "TXT": RecordType("txtRecords", lambda rs: tuple("".join(r.get("value") or []) for r in rs or [])),
}
"""The one table of record types: what the provider accepts, and what the network model reads."""
RECORD_TYPES = tuple(RECORDS)
RECORD_FIELDS = {name: r.field for name, r in RECORDS.items()}


def record_values(record_type: str, props: dict[str, Any]) -> tuple[str, ...]:
    """A record set's records as text, from its wire properties."""
    kind = RECORDS.get(record_type)
    return kind.values(props.get(kind.field)) if kind is not None else ()

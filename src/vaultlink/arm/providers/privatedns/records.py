"""The records a record set may hold, checked per type before anything is written.

Pure functions: a request's `properties` in, the normalized records (in the wire shape) out, or the error that
names the value refused. A set holds at most 20 records; a CNAME set holds exactly one record (an object, not
a list); the SOA lives at "@" only and its host is Azure's.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from vaultlink.arm.providers.privatedns.errors import PrivateDnsBadRequest, PrivateDnsConflict
from vaultlink.core import errors
from vaultlink.network.records import RECORD_FIELDS, RECORD_TYPES

MAX_RECORDS = 20
MAX_TTL = 2147483647
DEFAULT_TTL = 3600
SOA_HOST = "azureprivatedns.net"
DEFAULT_SOA = {
    "host": SOA_HOST, "email": "azureprivatedns-host.microsoft.com", "serialNumber": 1, "refreshTime": 3600,
    "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10,
}
SOA_NUMBERS = ("serialNumber", "refreshTime", "retryTime", "expireTime", "minimumTtl")

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


def record_type(text: str, api_version: str) -> str:
    """The canonical record type of a path segment; ARM's InvalidResourceType for one private DNS lacks."""
    upper = text.upper()
    if upper not in RECORD_TYPES:
        raise errors.InvalidResourceType(type=f"privateDnsZones/{text}", namespace="Microsoft.Network", version=api_version)
    return upper


def check_record_set_name(name: str, zone_name: str, type_: str) -> str:
    """The lower-cased relative name: "@", or labels (a leading "*" label for a wildcard) that keep the full
    name within 253 characters."""
    low = name.lower()
    if type_ == "SOA" and low != "@":
        raise PrivateDnsBadRequest(f"The SOA record set can only be named '@' (the zone apex), not '{name}'.")
    if low == "@":
        return low
    labels = low.split(".")
    bad = next((lb for i, lb in enumerate(labels) if not (_LABEL.fullmatch(lb) or (i == 0 and lb == "*"))), None)
    if bad is not None or len(low) + 1 + len(zone_name) > 253:
        why = (f"its label '{bad}' is not 1 to 63 letters, digits, hyphens or underscores" if bad is not None
               else "the full name would be longer than 253 characters")
        raise PrivateDnsBadRequest(f"The record set name '{name}' is invalid: {why}.")
    return low


def ttl_of(props: dict[str, Any], default: int = DEFAULT_TTL) -> int:
    ttl = props.get("ttl")
    if ttl is None:
        return default
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
        raise PrivateDnsBadRequest(f"The TTL '{ttl}' is invalid: it must be a whole number of seconds from 0 to {MAX_TTL}.")
    return ttl


def metadata_of(props: dict[str, Any]) -> dict[str, str] | None:
    value = props.get("metadata")
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) or v is None for v in value.values()):
        raise PrivateDnsBadRequest("The record set metadata must be an object whose values are strings.")
    return {str(k): v or "" for k, v in value.items()}


def records_of(type_: str, props: dict[str, Any], name: str) -> Any | None:
    """The records of `type_` in the properties, validated and normalized; None when the field is absent.
    Records of another type in the same body are refused (a set holds one type)."""
    for other, field in RECORD_FIELDS.items():
        if other != type_ and props.get(field) not in (None, [], {}):
            raise PrivateDnsBadRequest(f"The record set '{name}' is of type {type_} and cannot hold '{field}'.")
    field = RECORD_FIELDS[type_]
    value = props.get(field)
    if value is None:
        return None
    if type_ == "CNAME":
        return _cname(value)
    if type_ == "SOA":
        return None  # merged with the zone's current SOA by soa_of
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise PrivateDnsBadRequest(f"'{field}' must be a list of records.")
    if len(value) > MAX_RECORDS:
        raise PrivateDnsConflict(
            f"The record set '{name}' would have {len(value)} records; a record set can have at most {MAX_RECORDS}."
        )
    return [_ONE[type_](r) for r in value]


def soa_of(props: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The SOA after a PUT or PATCH: given fields replace the current ones; the host cannot change."""
    return _soa(props.get("soaRecord") or {}, current)


def _a(r: dict[str, Any]) -> dict[str, Any]:
    value = r.get("ipv4Address")
    try:
        return {"ipv4Address": str(ipaddress.IPv4Address(value if isinstance(value, str) else ""))}
    except ValueError:
        raise PrivateDnsBadRequest(f"The IPv4 address '{value}' of an A record is invalid.") from None


def _aaaa(r: dict[str, Any]) -> dict[str, Any]:
    value = r.get("ipv6Address")
    try:
        return {"ipv6Address": str(ipaddress.IPv6Address(value if isinstance(value, str) else ""))}
    except ValueError:
        raise PrivateDnsBadRequest(f"The IPv6 address '{value}' of an AAAA record is invalid.") from None


def _domain(value: Any, what: str) -> str:
    text = value.rstrip(".") if isinstance(value, str) else ""
    labels = text.split(".")
    if not text or len(text) > 253 or not all(_DOMAIN_LABEL.fullmatch(lb) for lb in labels):
        raise PrivateDnsBadRequest(f"The domain name '{value}' of {what} is invalid.")
    return str(value)


def _number(r: dict[str, Any], key: str, high: int, what: str) -> int:
    value = r.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise PrivateDnsBadRequest(f"The {key} '{value}' of {what} is invalid: it must be a whole number from 0 to {high}.")
    return value


def _mx(r: dict[str, Any]) -> dict[str, Any]:
    return {"preference": _number(r, "preference", 65535, "an MX record"), "exchange": _domain(r.get("exchange"), "an MX record")}


def _ptr(r: dict[str, Any]) -> dict[str, Any]:
    return {"ptrdname": _domain(r.get("ptrdname"), "a PTR record")}


def _srv(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "priority": _number(r, "priority", 65535, "an SRV record"), "weight": _number(r, "weight", 65535, "an SRV record"),
        "port": _number(r, "port", 65535, "an SRV record"), "target": _domain(r.get("target"), "an SRV record"),
    }


def _txt(r: dict[str, Any]) -> dict[str, Any]:
    value = r.get("value")
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise PrivateDnsBadRequest(f"The value '{value}' of a TXT record is invalid: it must be a list of strings.")
    long = next((s for s in value if len(s) > 1024), None)
    if long is not None:
        raise PrivateDnsBadRequest(f"A string of a TXT record is {len(long)} characters long; the most is 1024.")
    return {"value": list(value)}


def _cname(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        raise PrivateDnsBadRequest("A CNAME record set holds exactly one record: 'cnameRecord' is an object, not a list.")
    if not isinstance(value, dict):
        raise PrivateDnsBadRequest("'cnameRecord' must be an object with 'cname'.")
    return {"cname": _domain(value.get("cname"), "the CNAME record")}


def _soa(value: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PrivateDnsBadRequest("'soaRecord' must be an object.")
    soa = dict(current or DEFAULT_SOA)
    host = value.get("host")
    if host is not None and str(host).rstrip(".").lower() != soa["host"]:
        raise PrivateDnsBadRequest(f"The host '{host}' of the SOA record cannot be changed; it is '{soa['host']}'.")
    if value.get("email") is not None:
        soa["email"] = _domain(value["email"], "the SOA record")
    for key in SOA_NUMBERS:
        if value.get(key) is not None:
            soa[key] = _number(value, key, 4294967295 if key == "serialNumber" else MAX_TTL, "the SOA record")
    return soa


_ONE = {"A": _a, "AAAA": _aaaa, "MX": _mx, "PTR": _ptr, "SRV": _srv, "TXT": _txt}

"""Wire shapes of Microsoft.Network/privateDnsZones, as the 2024-06-01 REST examples show them.

Stored bodies are the wire shape already, except what is counted at read time (a zone's numbers of record sets
and links) and etags written by others in the quoted form (shown bare, as Azure shows them).
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm.dnsrecords import record_set_id
from vaultlink.arm.providers.privatedns.model import ZONE_TYPE, bare, new_etag, new_internal_id
from vaultlink.core.ids import ResourceId
from vaultlink.network.records import RECORD_FIELDS

MAX_RECORD_SETS = 25000
MAX_LINKS = 1000
MAX_REGISTRATION_LINKS = 100
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"


def new_zone(rid: ResourceId, tags: dict[str, str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(rid), "name": rid.name, "type": ZONE_TYPE, "etag": new_etag(), "location": "global"}
    if tags is not None:
        body["tags"] = tags
    body["properties"] = {
        "maxNumberOfRecordSets": MAX_RECORD_SETS,
        "maxNumberOfVirtualNetworkLinks": MAX_LINKS,
        "maxNumberOfVirtualNetworkLinksWithRegistration": MAX_REGISTRATION_LINKS,
        "provisioningState": "Succeeded",
        "internalId": new_internal_id(),
    }
    return body


def zone(stored: dict[str, Any], record_sets: int, links: int, registration_links: int) -> dict[str, Any]:
    props = stored["properties"]
    out = {k: v for k, v in stored.items() if k != "properties"}
    out["etag"] = bare(stored.get("etag"))
    out["properties"] = {
        "maxNumberOfRecordSets": props["maxNumberOfRecordSets"],
        "numberOfRecordSets": record_sets,
        "maxNumberOfVirtualNetworkLinks": props["maxNumberOfVirtualNetworkLinks"],
        "numberOfVirtualNetworkLinks": links,
        "maxNumberOfVirtualNetworkLinksWithRegistration": props["maxNumberOfVirtualNetworkLinksWithRegistration"],
        "numberOfVirtualNetworkLinksWithRegistration": registration_links,
        "provisioningState": props["provisioningState"],
        "internalId": props["internalId"],
    }
    return out


def link(
    rid: ResourceId, *, vnet_id: str, registration: bool, policy: str, tags: dict[str, str] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(rid), "name": rid.name, "type": LINK_TYPE, "etag": new_etag(), "location": "global"}
    if tags is not None:
        body["tags"] = tags
    body["properties"] = {
        "virtualNetwork": {"id": vnet_id},
        "registrationEnabled": registration,
        "resolutionPolicy": policy,
        "virtualNetworkLinkState": "Completed",
        "provisioningState": "Succeeded",
    }
    return body


def record_set_body(
    zone_rid: ResourceId, type_: str, name: str, *, ttl: int, records: Any, metadata: dict[str, str] | None,
) -> dict[str, Any]:
    fqdn = f"{zone_rid.name.lower()}." if name == "@" else f"{name}.{zone_rid.name.lower()}."
    props: dict[str, Any] = {}
    if metadata:
        props["metadata"] = metadata
    props.update({"ttl": ttl, "fqdn": fqdn, "isAutoRegistered": False, RECORD_FIELDS[type_]: records})
    return {
        "id": str(record_set_id(zone_rid, type_, name)),
        "name": name,
        "type": f"{ZONE_TYPE}/{type_}",
        "etag": new_etag(),
        "properties": props,
    }


def record_set(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored record set as Azure shows it: bare etag, no empty metadata."""
    out = dict(stored)
    out["etag"] = bare(stored.get("etag"))
    props = dict(stored.get("properties") or {})
    if not props.get("metadata"):
        props.pop("metadata", None)
    out["properties"] = props
    return out

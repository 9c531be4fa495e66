"""Private DNS zones: create (with the zone's SOA record set), update tags, read, list, delete.

A zone's counts are read, never scanned: its record sets from the count record dnsrecords keeps in every
writing transaction, its links from the (at most 1000) records under `{zone}/virtualnetworklinks/`. Listing
zones jumps over each zone's record sets, so a zone's size does not slow a listing either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vaultlink.arm import dnsrecords
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.paging import skip_token, walk_top_level
from vaultlink.arm.providers.privatedns import schemas
from vaultlink.arm.providers.privatedns.errors import CannotDeleteResource
from vaultlink.arm.providers.privatedns.links import unindex_links_of, zone_links
from vaultlink.arm.providers.privatedns.model import (
    ZONE_TYPE,
    as_created,
    check_conditions,
    check_zone_name,
    finish,
    new_etag,
    page,
    require_global,
    require_group,
    stored_zone,
    zone_id,
)
from vaultlink.arm.providers.privatedns.records import DEFAULT_SOA, DEFAULT_TTL
from vaultlink.arm.resources import GROUP, RESOURCE
from vaultlink.arm.services import Services
from vaultlink.arm.tracked import tags_of
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction

KIND = "Zone"


class PrivateZones:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.operations = services.operations

    def put(self, call: Call) -> Reply:
        rid = zone_id(call)
        check_zone_name(rid.name)
        body = call.json()
        require_global(body, ZONE_TYPE)
        tags = tags_of(body.get("tags"))
        with self.store.transaction() as tx:
            require_group(tx, rid)
            current = tx.get(RESOURCE, rid.key)
            check_conditions(call, body, current, KIND, rid.name)
            if current is not None:
                stored = {**current.body, "etag": new_etag()}
                stored.pop("tags", None)
                if tags is not None:
                    stored = _with_tags(stored, tags)
                tx.put(RESOURCE, rid.key, stored, expect=current.version)
            else:
                stored = schemas.new_zone(rid, tags)
                tx.put(RESOURCE, rid.key, stored, expect=0)
                dnsrecords.start_zone(tx, rid)
                soa = schemas.record_set_body(rid, "SOA", "@", ttl=DEFAULT_TTL, records=dict(DEFAULT_SOA), metadata=None)
                dnsrecords.write_record_set(tx, rid, "SOA", soa, expect=0)
            shown = render(tx, stored)
        reply = Reply(200 if current is not None else 201, shown)
        return finish(self.operations, call, reply, result=shown)

    def patch(self, call: Call) -> Reply:
        rid = zone_id(call)
        body = call.json()
        require_global(body, ZONE_TYPE, required=False)
        tags = tags_of(body.get("tags"))
        with self.store.transaction() as tx:
            current = stored_zone(tx, rid)
            check_conditions(call, body, current, KIND, rid.name)
            stored = {**current.body, "etag": new_etag()}
            if "tags" in body:
                stored.pop("tags", None)
                if tags is not None:
                    stored = _with_tags(stored, tags)
            tx.put(RESOURCE, rid.key, stored, expect=current.version)
            shown = render(tx, stored)
        return finish(self.operations, call, Reply(200, shown), result=shown)

    def get(self, call: Call) -> Reply:
        return Reply(200, render(self.store, stored_zone(self.store, zone_id(call)).body))

    def delete(self, call: Call) -> Reply:
        rid = zone_id(call)
        with self.store.transaction() as tx:
            require_group(tx, rid)
            current = tx.get(RESOURCE, rid.key)
            if current is None:
                return Reply(204)
            check_conditions(call, None, current, KIND, rid.name)
            links = zone_links(tx, rid)
            if links:
                zone = as_created(current)
                raise CannotDeleteResource(nested=f"{ZONE_TYPE}/{zone.name}/virtualNetworkLinks/{links[0].body['name']}")
            dnsrecords.drop_zone(tx, rid)
            tx.delete(RESOURCE, rid.key, expect=current.version)
        return finish(self.operations, call, Reply(200), result_status=200)

    def list_by_group(self, call: Call) -> Reply:
        group = ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"])
        require_group(self.store, group)
        records = walk_top_level(self.store, _zones_prefix(group), 1, after=skip_token(call))
        return Reply(200, page(call, records, lambda rec: render(self.store, rec.body)))

    def list_by_subscription(self, call: Call) -> Reply:
        sub = call.params["subscriptionId"]
        groups = self.store.list(GROUP, ResourceId(sub).key + "/resourcegroups/")
        prefixes = sorted(_zones_prefix(ResourceId.parse(g.body["id"])) for g in groups)
        records = _across(self.store, prefixes, skip_token(call))
        return Reply(200, page(call, records, lambda rec: render(self.store, rec.body)))


def render(reader: Reader, stored: dict[str, Any]) -> dict[str, Any]:
    rid = ResourceId.parse(stored["id"])
    links = zone_links(reader, rid)
    registering = sum(1 for rec in links if rec.body["properties"].get("registrationEnabled"))
    return schemas.zone(stored, dnsrecords.record_set_count(reader, rid), len(links), registering)


def zone_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """Deletion hook: the zone goes with its resource group; its links leave the virtual networks' indexes."""
    unindex_links_of(tx, rid)
    dnsrecords.drop_zone(tx, rid)


def _with_tags(stored: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """Tags sit before properties, as ARM orders the envelope."""
    out = {k: v for k, v in stored.items() if k != "properties"}
    out["tags"] = tags
    out["properties"] = stored["properties"]
    return out


def _zones_prefix(group: ResourceId) -> str:
    return f"{group.key}/providers/microsoft.network/privatednszones/"


def _across(reader: Reader, prefixes: list[str], token: str | None) -> Iterator[Record]:
    """Zones of several groups in key order (prefixes sorted; each group's zones form one key range)."""
    for prefix in prefixes:
        if token is None or token < prefix:
            yield from walk_top_level(reader, prefix, 1)
        elif token.startswith(prefix):
            yield from walk_top_level(reader, prefix, 1, after=token)

"""Record sets of a private zone: `{zone}/{TYPE}/{name}`, listed per type or all together (`{zone}/ALL`).

Every request touches a fixed number of records whatever the zone's size: the set itself, the zone, the zone's
record-set count, and (on create) the other types at the same name for the CNAME rule. The SOA set is the
zone's own: it exists from the zone's creation, lives at "@", and cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm import autoregistration, dnsrecords
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.dnsrecords import record_set_id
from vaultlink.arm.paging import skip_token, walk
from vaultlink.arm.providers.privatedns import errors as dns_errors
from vaultlink.arm.providers.privatedns import records as rules
from vaultlink.arm.providers.privatedns import schemas
from vaultlink.arm.providers.privatedns.model import (
    as_created,
    check_conditions,
    page,
    require_group,
    stored_zone,
    zone_id,
)
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.services import Services
from vaultlink.arm.tracked import properties_of
from vaultlink.core.ids import ResourceId
from vaultlink.network.records import RECORD_FIELDS, RECORD_TYPES
from vaultlink.store import Reader, Record, Transaction

KIND = "Record set"


class RecordSets:
    def __init__(self, services: Services) -> None:
        self.store = services.store

    def put(self, call: Call) -> Reply:
        type_ = rules.record_type(call.params["recordType"], call.api_version)
        body = call.json()
        props = properties_of(body)
        with self.store.transaction() as tx:
            zone_rec = stored_zone(tx, zone_id(call))
            zone = as_created(zone_rec)
            name = rules.check_record_set_name(call.params["relativeRecordSetName"], zone.name, type_)
            current = tx.get(RESOURCE, record_set_id(zone, type_, name).key)
            check_conditions(call, body, current, KIND, name)
            ttl = rules.ttl_of(props)
            records = _records(type_, props, name, current)
            if current is None:
                _check_room(tx, zone_rec, zone)
                _check_cname_rule(tx, zone, type_, name)
            stored = _body(zone, type_, name, ttl, records, rules.metadata_of(props))
            dnsrecords.write_record_set(tx, zone, type_, stored, expect=current.version if current else 0)
        return Reply(200 if current else 201, schemas.record_set(stored))

    def patch(self, call: Call) -> Reply:
        type_ = rules.record_type(call.params["recordType"], call.api_version)
        body = call.json()
        props = properties_of(body)
        with self.store.transaction() as tx:
            zone = as_created(stored_zone(tx, zone_id(call)))
            name = call.params["relativeRecordSetName"].lower()
            current = self._require(tx, zone, type_, name)
            check_conditions(call, body, current, KIND, name)
            was = current.body["properties"]
            ttl = rules.ttl_of(props, default=was.get("ttl", rules.DEFAULT_TTL))
            given = rules.metadata_of(props)
            metadata = given if "metadata" in props else was.get("metadata")
            records = _records(type_, props, name, current, keep=True)
            stored = _body(zone, type_, name, ttl, records, metadata)
            dnsrecords.write_record_set(tx, zone, type_, stored, expect=current.version)
        return Reply(200, schemas.record_set(stored))

    def get(self, call: Call) -> Reply:
        type_ = rules.record_type(call.params["recordType"], call.api_version)
        zone = as_created(stored_zone(self.store, zone_id(call)))
        rec = self._require(self.store, zone, type_, call.params["relativeRecordSetName"].lower())
        return Reply(200, schemas.record_set(rec.body))

    def delete(self, call: Call) -> Reply:
        type_ = rules.record_type(call.params["recordType"], call.api_version)
        name = call.params["relativeRecordSetName"].lower()
        if type_ == "SOA":
            raise dns_errors.PrivateDnsBadRequest("The SOA record set of a zone cannot be deleted.")
        zrid = zone_id(call)
        with self.store.transaction() as tx:
            require_group(tx, zrid)
            zone_rec = tx.get(RESOURCE, zrid.key)
            if zone_rec is None:
                return Reply(204)
            zone = as_created(zone_rec)
            current = tx.get(RESOURCE, record_set_id(zone, type_, name).key)
            if current is None:
                return Reply(204)
            check_conditions(call, None, current, KIND, name)
            dnsrecords.delete_record_set(tx, zone, type_, name, expect=current.version)
            if type_ == "A" and not autoregistration.is_auto_registered(current.body):
                autoregistration.manual_record_deleted(tx, zone, name)
        return Reply(200)

    def list_by_type(self, call: Call) -> Reply:
        type_ = rules.record_type(call.params["recordType"], call.api_version)
        return self._list(call, type_)

    def list_all(self, call: Call) -> Reply:
        return self._list(call, None)

    def _list(self, call: Call, type_: str | None) -> Reply:
        zone = as_created(stored_zone(self.store, zone_id(call)))
        suffix = (call.query.get("$recordsetnamesuffix") or "").strip(".").lower()
        prefix = zone.key + "/" + (type_.lower() + "/" if type_ else "")
        depth = len(zone.names) + 1

        def render(rec: Record) -> dict[str, Any] | None:
            rid = ResourceId.try_parse(rec.key)
            if rid is None or len(rid.names) != depth or rid.types[-1].upper() not in RECORD_TYPES:
                return None
            if suffix and not rec.body["name"].endswith("." + suffix):
                return None
            return schemas.record_set(rec.body)

        return Reply(200, page(call, walk(self.store, prefix, after=skip_token(call)), render))

    def _require(self, reader: Reader, zone: ResourceId, type_: str, name: str) -> Record:
        rec = reader.get(RESOURCE, record_set_id(zone, type_, name).key)
        if rec is None:
            raise dns_errors.RecordSetNotFound(
                name=name, group=(zone.resource_group or "").lower(), subscription=zone.subscription.lower()
            )
        return rec


def _records(type_: str, props: dict[str, Any], name: str, current: Record | None, *, keep: bool = False) -> Any:
    """The records the set will hold: the request's (validated), else the current ones on a PATCH (keep), else
    none. The SOA is always merged with the current one."""
    was = current.body["properties"] if current else {}
    if type_ == "SOA":
        rules.records_of(type_, props, name)  # refuses records of other types
        return rules.soa_of(props, was.get("soaRecord") or dict(rules.DEFAULT_SOA))
    given = rules.records_of(type_, props, name)
    if given is not None:
        return given
    if keep:
        return was.get(RECORD_FIELDS[type_])
    return None


def _body(zone: ResourceId, type_: str, name: str, ttl: int, records: Any, metadata: dict[str, str] | None) -> dict[str, Any]:
    empty: Any = None if type_ == "CNAME" else []
    body = schemas.record_set_body(zone, type_, name, ttl=ttl, records=empty if records is None else records, metadata=metadata)
    if type_ == "CNAME" and records is None:
        body["properties"].pop(RECORD_FIELDS["CNAME"])  # an empty CNAME set carries no cnameRecord
    return body


def _check_room(tx: Transaction, zone_rec: Record, zone: ResourceId) -> None:
    most = int(zone_rec.body["properties"]["maxNumberOfRecordSets"])
    if dnsrecords.record_set_count(tx, zone) >= most:
        raise dns_errors.PrivateDnsConflict(
            f"The private zone '{zone.name}' already has {most} record sets, the most it can have."
        )


def _check_cname_rule(tx: Transaction, zone: ResourceId, type_: str, name: str) -> None:
    """A CNAME owns its name: no other type beside it, and it beside no other type (the apex holds the SOA)."""
    if type_ == "CNAME":
        if any(tx.get(RESOURCE, record_set_id(zone, t, name).key) for t in RECORD_TYPES if t != "CNAME"):
            raise dns_errors.cname_conflict(True)
    elif tx.get(RESOURCE, record_set_id(zone, "CNAME", name).key) is not None:
        raise dns_errors.cname_conflict(False)

"""Private DNS zone groups: `/privateEndpoints/{pe}/privateDnsZoneGroups/{group}`.

A zone group keeps an endpoint's A records in private DNS zones: for each zone it names, the record named
after the resource (the first label of each of the endpoint's FQDNs, `myvault` for myvault.vault.azure.net)
holds the endpoint's address with TTL 10. A second endpoint for the same resource writing into the same zone
replaces the record, as Azure does. Deleting the group, or the endpoint, removes the addresses it wrote.
One group per endpoint, five zones per group.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm import dnsrecords, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.envelope import new_etag
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network import schemas
from vaultlink.arm.providers.network.base import Provider, check_conditions, listing, network_id
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.identity.tokens import Caller
from vaultlink.store import Transaction

ZONE_GROUPS = "privateDnsZoneGroups"
PRIVATE_DNS_ZONES = "microsoft.network/privatednszones"
MAX_ZONES = 5
TTL = 10
WRITE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write"
JOIN_ZONE = "Microsoft.Network/privateDnsZones/join/action"


def groups_of(tx: Transaction, endpoint: ResourceId) -> list[dict[str, Any]]:
    prefix = f"{endpoint.key}/{ZONE_GROUPS.lower()}/"
    return [r.body for r in tx.list(RESOURCE, prefix) if "/" not in r.key[len(prefix):]]


def endpoint_records(tx: Transaction, endpoint: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(record name, addresses) for each FQDN the endpoint serves, from its network interface."""
    out: dict[str, list[str]] = {}
    for ref in endpoint["properties"].get("networkInterfaces") or []:
        nic = tx.get(RESOURCE, ResourceId.parse(ref["id"]).key)
        for config in (nic.body["properties"]["ipConfigurations"] if nic else []):
            p = config["properties"]
            for fqdn in (p.get("privateLinkConnectionProperties") or {}).get("fqdns", []):
                out.setdefault(fqdn.split(".")[0].lower(), []).append(p["privateIPAddress"])
    if not out:  # no interface to read: fall back on what the endpoint publishes
        for item in endpoint["properties"].get("customDnsConfigs") or []:
            out.setdefault(item["fqdn"].split(".")[0].lower(), []).extend(item.get("ipAddresses", []))
    return list(out.items())


def remove_records(tx: Transaction, group: dict[str, Any]) -> None:
    for config in group["properties"].get("privateDnsZoneConfigs", []):
        zone = ResourceId.parse(config["properties"]["privateDnsZoneId"])
        for rs in config["properties"].get("recordSets", []):
            dnsrecords.remove_a_record(tx, zone, rs["recordSetName"], rs["ipAddresses"])


def remove_all(tx: Transaction, endpoint: ResourceId) -> None:
    """The endpoint is going: its groups' records and the groups themselves go first."""
    for group in groups_of(tx, endpoint):
        remove_records(tx, group)
        tx.delete(RESOURCE, ResourceId.parse(group["id"]).key)


def parse_configs(rid: ResourceId, body: dict[str, Any]) -> list[tuple[str, ResourceId]]:
    props = tracked.properties_of(body)
    items = schemas.object_list(props.get("privateDnsZoneConfigs"), "privateDnsZoneConfigs")
    if len(items) > MAX_ZONES:
        raise net.PrivateDnsZoneConfigsLimitReached(group=str(rid), count=len(items))
    out: list[tuple[str, ResourceId]] = []
    for item in items:
        name = item.get("name")
        zone_text = schemas.props_of(item, "privateDnsZoneConfigs").get("privateDnsZoneId")
        if not isinstance(name, str) or not name:
            raise errors.InvalidRequestFormat("Cannot parse the request: each of 'privateDnsZoneConfigs' needs a 'name'.")
        zone = ResourceId.try_parse(zone_text) if isinstance(zone_text, str) else None
        if zone is None or zone.type.lower() != PRIVATE_DNS_ZONES:
            raise net.InvalidPrivateDnsZoneIds(group=str(rid), ids=str(zone_text))
        if any(n.lower() == name.lower() for n, _ in out):
            raise errors.InvalidRequestFormat(
                f"Cannot parse the request: resource {rid} has two child resources with the same name ({name})."
            )
        if any(z == zone for _, z in out):
            raise net.InvalidPrivateDnsZoneIds(group=str(rid), ids=str(zone))
        out.append((name, zone))
    return out


class PrivateDnsZoneGroups(Provider):
    def _rid(self, call: Call) -> ResourceId:
        return network_id(call, ("privateEndpoints", "privateEndpointName"), (ZONE_GROUPS, "privateDnsZoneGroupName"))

    def get(self, call: Call) -> Reply:
        return Reply(200, self.table.require(self._rid(call)).body)

    def list_resources(self, call: Call) -> Reply:
        endpoint = network_id(call, ("privateEndpoints", "privateEndpointName"))
        self.table.require(endpoint)
        return listing([r.body for r in self.table.children(endpoint, ZONE_GROUPS)])

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        endpoint_id = rid.parent
        assert endpoint_id is not None
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        configs = parse_configs(rid, call.json())
        caller = call.caller_required

        def work(tx: Transaction) -> tuple[Reply, str]:
            endpoint = self.table.require(endpoint_id, tx)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            if any(g["name"].lower() != rid.name.lower() for g in groups_of(tx, endpoint_id)):
                raise net.PrivateDnsZoneGroupLimitReached(endpoint=endpoint.body["id"])
            zones = self._zones(tx, rid, configs, caller)
            if current is not None:
                remove_records(tx, current.body)
            records = endpoint_records(tx, endpoint.body)
            zone_configs = []
            for (name, _), zone in zip(configs, zones, strict=True):
                sets = []
                for record_name, addresses in records:
                    dnsrecords.put_a_record(tx, zone, record_name, addresses, TTL)
                    sets.append(schemas.record_set(zone.name, record_name, addresses, TTL))
                zone_configs.append({"name": name, "properties": {"privateDnsZoneId": str(zone), "recordSets": sets}})
            stored_id = ResourceId.parse(current.body["id"]) if current else rid
            body = {
                "id": str(stored_id), "name": stored_id.name, "type": stored_id.type, "etag": new_etag(),
                "properties": {"provisioningState": schemas.SUCCEEDED, "privateDnsZoneConfigs": zone_configs},
            }
            tx.put(RESOURCE, rid.key, body, expect=current.version if current else 0)
            return Reply(200 if current else 201, body), endpoint.body["location"]

        reply, location = self.write(work)
        return self.finish(call, reply, location)

    def _zones(self, tx: Transaction, rid: ResourceId, configs: list[tuple[str, ResourceId]],
               caller: Caller) -> list[ResourceId]:
        """Each zone exists (the private DNS provider keeps zones in the resource table) and the caller may
        join it."""
        missing = [str(z) for _, z in configs if tx.get(RESOURCE, z.key) is None]
        if missing:
            raise net.InvalidPrivateDnsZoneIds(group=str(rid), ids=", ".join(missing))
        zones = []
        for _, zone in configs:
            rec = tx.get(RESOURCE, zone.key)
            assert rec is not None
            zone_id = ResourceId.parse(rec.body["id"])
            if not self.services.authorizer.decide(caller.object_id, JOIN_ZONE, str(zone_id)).allowed:
                raise net.LinkedAuthorizationFailed(
                    client=caller.name or caller.app_id, object_id=caller.object_id, action=WRITE, scope=str(rid),
                    linked_action=JOIN_ZONE, linked_scope=str(zone_id),
                )
            zones.append(zone_id)
        return zones

    def delete(self, call: Call) -> Reply:
        rid = self._rid(call)
        endpoint_id = rid.parent
        assert endpoint_id is not None

        def work(tx: Transaction) -> str | None:
            endpoint = self.table.require(endpoint_id, tx)
            current = self.table.get(rid, tx)
            if current is None:
                return None
            check_conditions(call, current, rid)
            remove_records(tx, current.body)
            tx.delete(RESOURCE, current.key, expect=current.version)
            return str(endpoint.body["location"])

        location = self.write(work)
        return Reply(204) if location is None else self.deleted(call, location)

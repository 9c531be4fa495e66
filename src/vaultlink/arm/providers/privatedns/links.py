"""Virtual network links: what makes a zone visible inside a virtual network.

Every link is also an entry of its virtual network's index (dnsrecords.index_link), written in the same
transaction, so the DNS server asks "which zones does this network see" with one prefix scan and the rules
below ask the same question cheaply:

- the virtual network exists, and the caller may join it (Microsoft.Network/virtualNetworks/join/action);
- one link per (zone, virtual network); never two zones of the same name on one network;
- at most 1000 links per zone, 100 of them with autoregistration, 1000 zones per network, and one
  autoregistration zone per network;
- resolutionPolicy NxDomainRedirect on privatelink.* zones only.

Deleting a virtual network deletes its links (Azure: "When you delete a virtual network, all the virtual
network links ... are automatically deleted"): a deletion hook on virtualNetworks does it.
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm import autoregistration, dnsrecords
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.paging import skip_token, walk
from vaultlink.arm.providers.privatedns import errors as dns_errors
from vaultlink.arm.providers.privatedns import schemas
from vaultlink.arm.providers.privatedns.model import (
    LINKS,
    as_created,
    check_conditions,
    finish,
    page,
    require_global,
    require_group,
    stored_zone,
    zone_id,
)
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.services import Services
from vaultlink.arm.tracked import check_network_name, not_found, properties_of, tags_of
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction

KIND = "Virtual network link"
VNET_TYPE = "microsoft.network/virtualnetworks"
JOIN = "Microsoft.Network/virtualNetworks/join/action"
POLICIES = ("Default", "NxDomainRedirect")
MAX_ZONES_PER_NETWORK = 1000


class VirtualNetworkLinks:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.operations = services.operations
        self.authorizer = services.authorizer

    def put(self, call: Call) -> Reply:
        name = call.params["virtualNetworkLinkName"]
        check_network_name(name, schemas.LINK_TYPE, 1, 80)
        body = call.json()
        require_global(body, schemas.LINK_TYPE)
        tags = tags_of(body.get("tags"))
        props = properties_of(body)
        vnet_text, vnet = _required_network(props)
        registration = _registration(props.get("registrationEnabled"))
        policy = _policy(props.get("resolutionPolicy"))
        with self.store.transaction() as tx:
            zone = as_created(stored_zone(tx, zone_id(call)))
            rid = zone.child(LINKS, name)
            current = tx.get(RESOURCE, rid.key)
            check_conditions(call, body, current, KIND, name)
            self._check(call, tx, zone, rid, current, vnet_text, vnet, registration, policy, join=True)
            stored = schemas.link(
                ResourceId.parse(current.body["id"]) if current else rid,
                vnet_id=current.body["properties"]["virtualNetwork"]["id"] if current else vnet_text,
                registration=registration, policy=policy, tags=tags,
            )
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            if current is None:
                network = tx.get(RESOURCE, vnet.key)
                guid = network.body.get("properties", {}).get("resourceGuid") if network else None
                dnsrecords.index_link(tx, vnet, zone, rid, guid)
            _registration_changed(tx, zone, vnet, current.body if current else None, stored)
        reply = Reply(200 if current else 201, stored)
        return finish(self.operations, call, reply, result=stored)

    def patch(self, call: Call) -> Reply:
        body = call.json()
        require_global(body, schemas.LINK_TYPE, required=False)
        tags = tags_of(body.get("tags"))
        props = properties_of(body)
        given = _virtual_network(props)
        with self.store.transaction() as tx:
            zone = as_created(stored_zone(tx, zone_id(call)))
            rid = zone.child(LINKS, call.params["virtualNetworkLinkName"])
            current = tx.get(RESOURCE, rid.key)
            if current is None:
                raise not_found(rid)
            check_conditions(call, body, current, KIND, rid.name)
            was = current.body["properties"]
            registration = _registration(props.get("registrationEnabled", was["registrationEnabled"]))
            policy = _policy(props.get("resolutionPolicy", was.get("resolutionPolicy")))
            linked = ResourceId.parse(was["virtualNetwork"]["id"])
            vnet_text, vnet = given or (str(linked), linked)
            self._check(call, tx, zone, rid, current, vnet_text, vnet, registration, policy, join=given is not None)
            stored = schemas.link(
                ResourceId.parse(current.body["id"]), vnet_id=was["virtualNetwork"]["id"], registration=registration,
                policy=policy, tags=tags if "tags" in body else current.body.get("tags"),
            )
            tx.put(RESOURCE, rid.key, stored, expect=current.version)
            _registration_changed(tx, zone, vnet, current.body, stored)
        return finish(self.operations, call, Reply(200, stored), result=stored)

    def get(self, call: Call) -> Reply:
        zone = as_created(stored_zone(self.store, zone_id(call)))
        rid = zone.child(LINKS, call.params["virtualNetworkLinkName"])
        rec = self.store.get(RESOURCE, rid.key)
        if rec is None:
            raise not_found(rid)
        return Reply(200, rec.body)

    def delete(self, call: Call) -> Reply:
        zrid = zone_id(call)
        with self.store.transaction() as tx:
            require_group(tx, zrid)
            rec = tx.get(RESOURCE, zrid.child(LINKS, call.params["virtualNetworkLinkName"]).key)
            if rec is None:
                return Reply(204)
            check_conditions(call, None, rec, KIND, rec.body["name"])
            link_deleted(tx, ResourceId.parse(rec.body["id"]), rec.body)
            tx.delete(RESOURCE, rec.key, expect=rec.version)
        return finish(self.operations, call, Reply(200), result_status=200)

    def list(self, call: Call) -> Reply:
        zone = as_created(stored_zone(self.store, zone_id(call)))
        records = walk(self.store, _links_prefix(zone), after=skip_token(call))
        return Reply(200, page(call, records, lambda rec: rec.body))

    # ---- the rules ---------------------------------------------------------------------------------------
    def _check(
        self, call: Call, tx: Transaction, zone: ResourceId, rid: ResourceId, current: Record | None, vnet_text: str,
        vnet: ResourceId, registration: bool, policy: str, *, join: bool,
    ) -> None:
        if policy == "NxDomainRedirect" and not zone.name.lower().startswith("privatelink."):
            raise dns_errors.PrivateDnsBadRequest(
                f"The resolution policy 'NxDomainRedirect' is supported only on private link zones (privatelink.*); "
                f"'{zone.name}' is not one."
            )
        linked_to = None if current is None else ResourceId.parse(current.body["properties"]["virtualNetwork"]["id"])
        if linked_to is not None and linked_to != vnet:
            raise dns_errors.PrivateDnsBadRequest(
                f"The virtual network of the link '{rid.name}' is '{linked_to}' and cannot be changed to '{vnet_text}'."
            )
        if join:
            self._check_join(call, rid, vnet)
        seen = dnsrecords.linked_zones(tx, vnet)
        if current is None:
            if tx.get(RESOURCE, vnet.key) is None:
                raise dns_errors.virtual_network_not_found(vnet_text)
            if any(ResourceId.parse(z) == zone for z, _ in seen):
                raise dns_errors.already_linked(zone.name, vnet_text)
            same = next((z for z, _ in seen if ResourceId.parse(z).name.lower() == zone.name.lower()), None)
            if same is not None:
                raise dns_errors.overlapping_namespaces(zone.name, ResourceId.parse(same).name)
            if len(zone_links(tx, zone)) >= schemas.MAX_LINKS:
                raise dns_errors.PrivateDnsConflict(
                    f"The private zone '{zone.name}' already has {schemas.MAX_LINKS} virtual network links, the most it can have."
                )
            if len(seen) >= MAX_ZONES_PER_NETWORK:
                raise dns_errors.PrivateDnsConflict(
                    f"The virtual network '{vnet_text}' is already linked to {MAX_ZONES_PER_NETWORK} private zones, the most it can be."
                )
        was_registering = current is not None and bool(current.body["properties"].get("registrationEnabled"))
        if registration and not was_registering:
            other = next((z for z, body in seen if body["properties"].get("registrationEnabled")
                          and ResourceId.parse(body["id"]) != rid), None)
            if other is not None:
                raise dns_errors.second_registration_zone(other)
            registering = sum(1 for rec in zone_links(tx, zone) if rec.body["properties"].get("registrationEnabled"))
            if registering >= schemas.MAX_REGISTRATION_LINKS:
                raise dns_errors.PrivateDnsConflict(
                    f"The private zone '{zone.name}' already has {schemas.MAX_REGISTRATION_LINKS} virtual network links "
                    "with auto-registration enabled, the most it can have."
                )

    def _check_join(self, call: Call, rid: ResourceId, vnet: ResourceId) -> None:
        caller = call.caller
        if caller is None:
            return  # the pipeline authenticates every route; a caller-less call is an in-process one
        if not self.authorizer.decide(caller.object_id, JOIN, str(vnet)).allowed:
            raise dns_errors.LinkedAuthorizationFailed(
                client=caller.name or caller.app_id, object_id=caller.object_id, link=str(rid), vnet=str(vnet)
            )


def zone_links(reader: Reader, zone: ResourceId) -> list[Record]:
    return list(walk(reader, _links_prefix(zone)))


def unindex_links_of(tx: Transaction, zone: ResourceId) -> None:
    for rec in zone_links(tx, zone):
        link_deleted(tx, ResourceId.parse(rec.body["id"]), rec.body)


def link_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """Deletion hook for a link (also run by a direct delete): it leaves its virtual network's index."""
    vnet = ResourceId.try_parse(body["properties"]["virtualNetwork"]["id"])
    zone = rid.parent
    if vnet is not None and zone is not None:
        dnsrecords.unindex_link(tx, vnet, zone, rid)
        _registration_changed(tx, zone, vnet, body, None)


def _registration_changed(tx: Transaction, zone: ResourceId, vnet: ResourceId, was: dict[str, Any] | None,
                          now: dict[str, Any] | None) -> None:
    """A link that starts registering records the network's machines; one that stops (or goes) removes them."""
    before, after = (bool(b and b["properties"].get("registrationEnabled")) for b in (was, now))
    if after and not before:
        autoregistration.registration_started(tx, zone, vnet)
    elif before and not after:
        autoregistration.registration_stopped(tx, zone, vnet)


def virtual_network_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """Deletion hook for a virtual network: its links (in any resource group) go with it."""
    for entry in tx.list(dnsrecords.LINK_INDEX, rid.key + "|"):
        tx.delete(RESOURCE, str(entry.body["linkId"]).lower())
        tx.delete(dnsrecords.LINK_INDEX, entry.key)


def _links_prefix(zone: ResourceId) -> str:
    return f"{zone.key}/{LINKS.lower()}/"


def _required_network(props: dict[str, Any]) -> tuple[str, ResourceId]:
    given = _virtual_network(props)
    if given is None:
        raise dns_errors.PrivateDnsBadRequest("The virtual network of the link is required: 'properties.virtualNetwork.id'.")
    return given


def _virtual_network(props: dict[str, Any]) -> tuple[str, ResourceId] | None:
    value = props.get("virtualNetwork")
    if value is None:
        return None
    text = value.get("id") if isinstance(value, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise dns_errors.PrivateDnsBadRequest("The virtual network of the link is required: 'properties.virtualNetwork.id'.")
    rid = ResourceId.try_parse(text)
    if rid is None or rid.resource_group is None:
        raise dns_errors.LinkedInvalidPropertyId(value=text)
    if rid.type.lower() != VNET_TYPE or len(rid.names) != 1:
        raise dns_errors.virtual_network_not_found(text)
    return text, rid


def _registration(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise errors.InvalidParameter(value=value, name="registrationEnabled")
    return value


def _policy(value: Any) -> str:
    if value is None:
        return "Default"
    match = next((p for p in POLICIES if isinstance(value, str) and p.lower() == value.lower()), None)
    if match is None:
        raise dns_errors.PrivateDnsBadRequest(
            f"The resolution policy '{value}' is invalid. Allowed values are 'Default' and 'NxDomainRedirect'."
        )
    return match

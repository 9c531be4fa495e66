"""DNS forwarding rulesets: `/dnsForwardingRulesets/{rs}`, `/forwardingRules/{rule}`, `/virtualNetworkLinks/{l}`.

A ruleset uses one outbound endpoint of a resolver in its own region; queries it forwards leave from that
resolver's network. A rule names a domain (2 to 34 labels ending with a dot, or '.' for every name) and one to
six target servers (address and port; 168.63.129.16 cannot be one); up to 1000 rules per ruleset. A ruleset links
to networks of its own region (up to 500). The network model applies a linked ruleset's longest matching rule
before the network's linked zones.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from vaultlink.arm import tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.dnsresolver import errors as dr
from vaultlink.arm.providers.dnsresolver.resolvers import Base, body, children
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network.base import check_conditions, check_same_location, parse_ref
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Record, Transaction

NAMESPACE = "Microsoft.Network"
RULESET_TYPE = "Microsoft.Network/dnsForwardingRulesets"
RULES, LINKS = "forwardingRules", "virtualNetworkLinks"
STATES = ("Enabled", "Disabled")


def ruleset_id(call: Call, *more: tuple[str, str]) -> ResourceId:
    pairs = (("dnsForwardingRulesets", "dnsForwardingRulesetName"), *more)
    return ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"], NAMESPACE,
                      tuple(t for t, _ in pairs), tuple(call.params[p] for _, p in pairs))


def parse_domain(value: Any) -> str:
    if not isinstance(value, str) or not value.endswith("."):
        raise dr.InvalidDomainName(value=value)
    if value == ".":
        return value
    labels = value[:-1].split(".")
    if not 2 <= len(labels) <= 34 or not all(0 < len(x) <= 63 and x.replace("-", "").replace("_", "").isalnum()
                                             for x in labels):
        raise dr.InvalidDomainName(value=value)
    return value.lower()


def parse_targets(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= dr.MAX_TARGETS:
        raise errors.InvalidRequestFormat(
            f"Cannot parse the request: 'targetDnsServers' needs 1 to {dr.MAX_TARGETS} servers.")
    out = []
    for item in value:
        address = item.get("ipAddress") if isinstance(item, dict) else None
        port = item.get("port", 53) if isinstance(item, dict) else None
        try:
            parsed = ipaddress.IPv4Address(str(address))
        except ValueError:
            raise dr.InvalidTargetDnsServer(value=address, why="ipAddress must be an IPv4 address") from None
        if str(parsed) == dr.AZURE_DNS:
            raise dr.InvalidTargetDnsServer(value=address, why="Azure DNS (168.63.129.16) cannot be a target")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise dr.InvalidTargetDnsServer(value=f"{address}:{port}", why="port must be between 1 and 65535")
        out.append({"ipAddress": str(parsed), "port": port})
    return out


class DnsForwardingRulesets(Base):
    def get(self, call: Call) -> Reply:
        return self.get_one(ruleset_id(call))

    def list_group(self, call: Call) -> Reply:
        return self.list_top(call, RULESET_TYPE)

    def put(self, call: Call) -> Reply:
        rid = ruleset_id(call)
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        location = tracked.location_of(item, rid.type)
        tags = tracked.tags_of(item.get("tags"))
        props = tracked.properties_of(item)
        refs = props.get("dnsResolverOutboundEndpoints")
        if not isinstance(refs, list) or len(refs) != 1:
            raise errors.InvalidRequestFormat(
                f"Cannot parse the request: ruleset {rid} needs one outbound endpoint in 'dnsResolverOutboundEndpoints'.")
        outbound_id = parse_ref(refs[0], "dnsResolverOutboundEndpoints[0]")

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            check_same_location(current, location, rid)
            outbound = tx.get(RESOURCE, outbound_id.key)
            if outbound is None or outbound.body.get("type") != "Microsoft.Network/dnsResolvers/outboundEndpoints":
                raise net.InvalidResourceReference(referenced=str(outbound_id), resource=str(rid))
            if outbound.body["location"] != location:
                raise dr.DifferentRegion(what="Outbound endpoint", name=outbound.body["id"],
                                         actual=outbound.body["location"], other=f"ruleset {rid}", expected=location)
            stored = body(rid, current, location, tags, {"dnsResolverOutboundEndpoints": [{"id": outbound.body["id"]}]},
                          call)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            return Reply(200 if current else 201, stored)

        return self.finish(call, self.write(work), location)

    def delete(self, call: Call) -> Reply:
        rid = ruleset_id(call)

        def remove(tx: Transaction, current: Record) -> None:
            if children(tx, rid, LINKS):
                raise dr.ResourceHasChildren(what="Forwarding ruleset", name=str(rid), children="virtual network links")
            tx.delete_prefix(RESOURCE, rid.key + "/")
            tx.delete(RESOURCE, current.key, expect=current.version)

        return self.delete_one(call, rid, remove)


class Children(Base):
    """Forwarding rules and virtual network links: proxy resources under a ruleset."""

    def __init__(self, services: Any, kind: str) -> None:
        super().__init__(services)
        self.kind = kind

    def _rid(self, call: Call) -> ResourceId:
        return ruleset_id(call, (self.kind, "forwardingRuleName" if self.kind == RULES else "virtualNetworkLinkName"))

    def get(self, call: Call) -> Reply:
        return self.get_one(self._rid(call))

    def list_resources(self, call: Call) -> Reply:
        return self.list_children(ruleset_id(call), self.kind)

    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        assert rid.parent is not None
        parent = rid.parent
        tracked.check_network_name(rid.name, rid.type, 1, 80)
        item = call.json()
        props = tracked.properties_of(item)
        metadata = props.get("metadata")

        def work(tx: Transaction) -> Reply:
            ruleset = self.table.require(parent, tx)
            current = self.table.get(rid, tx)
            check_conditions(call, current, rid)
            limit = dr.MAX_RULES if self.kind == RULES else dr.MAX_LINKS
            if current is None and len(children(tx, parent, self.kind)) >= limit:
                raise dr.LimitExceeded(what=f"Forwarding ruleset {parent}", limit=limit,
                                       items="rules" if self.kind == RULES else "virtual network links")
            new = self._rule(props) if self.kind == RULES else self._link(tx, props, ruleset, rid, current)
            if metadata is not None:
                new["metadata"] = metadata
            stored = body(rid, current, None, None, new, call)
            tx.put(RESOURCE, rid.key, stored, expect=current.version if current else 0)
            return Reply(200 if current else 201, stored)

        return self.finish(call, self.write(work), "global")

    @staticmethod
    def _rule(props: dict[str, Any]) -> dict[str, Any]:
        state = str(props.get("forwardingRuleState") or "Enabled")
        if state.capitalize() not in STATES:
            raise errors.InvalidRequestFormat(
                f"Cannot parse the request: forwardingRuleState must be Enabled or Disabled, not '{state}'.")
        return {"domainName": parse_domain(props.get("domainName")),
                "targetDnsServers": parse_targets(props.get("targetDnsServers")),
                "forwardingRuleState": state.capitalize()}

    @staticmethod
    def _link(tx: Transaction, props: dict[str, Any], ruleset: Record, rid: ResourceId,
              current: Record | None) -> dict[str, Any]:
        vnet_id = parse_ref(props.get("virtualNetwork"), "virtualNetwork")
        vnet = tx.get(RESOURCE, vnet_id.key)
        if vnet is None:
            raise net.InvalidResourceReference(referenced=str(vnet_id), resource=str(rid))
        if vnet.body["location"] != ruleset.body["location"]:
            raise dr.DifferentRegion(what="Virtual network", name=vnet.body["id"], actual=vnet.body["location"],
                                     other=f"ruleset {ruleset.body['id']}", expected=ruleset.body["location"])
        if current is not None and str(current.body["properties"]["virtualNetwork"]["id"]).lower() != vnet_id.key:
            raise errors.InvalidRequestFormat(f"Cannot change the virtual network of link {rid}.")
        return {"virtualNetwork": {"id": vnet.body["id"]}}

    def delete(self, call: Call) -> Reply:
        return self.delete_one(call, self._rid(call), location="global")


def virtual_network_deleted(tx: Transaction, rid: ResourceId, stored: dict[str, Any]) -> None:
    """A network goes: the ruleset links to it go with it."""
    for rec in tx.list(RESOURCE, ResourceId(rid.subscription).key + "/"):
        if rec.body.get("type") == "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks" and \
                str(rec.body["properties"]["virtualNetwork"]["id"]).lower() == rid.key:
            tx.delete(RESOURCE, rec.key, expect=rec.version)

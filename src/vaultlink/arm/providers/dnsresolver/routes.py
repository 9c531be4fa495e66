"""Routes of Microsoft.Network's DNS Private Resolver: resolvers, inbound and outbound endpoints, forwarding
rulesets, their rules and virtual network links, each with its RBAC action; and the deletion hooks. The
api-versions are DNS Private Resolver's own (versions.py key "microsoft.network/dnsresolvers")."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.dnsresolver import resolvers, rulesets
from vaultlink.arm.providers.dnsresolver.resolvers import INBOUND, OUTBOUND, DnsResolvers, Endpoints
from vaultlink.arm.providers.dnsresolver.rulesets import LINKS, RULES, Children, DnsForwardingRulesets
from vaultlink.arm.services import Services

NS = "Microsoft.Network/dnsResolvers"
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Network"
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
RESOLVER = GROUP + "/dnsResolvers/{dnsResolverName}"
RULESET = GROUP + "/dnsForwardingRulesets/{dnsForwardingRulesetName}"


def routes(services: Services) -> list[Route]:
    services.hooks.on("Microsoft.Network/dnsResolvers", resolvers.group_deleted)
    services.hooks.on("Microsoft.Network/virtualNetworks", rulesets.virtual_network_deleted)
    r, rs = DnsResolvers(services), DnsForwardingRulesets(services)
    inbound, outbound = Endpoints(services, INBOUND), Endpoints(services, OUTBOUND)
    rules, links = Children(services, RULES), Children(services, LINKS)
    out = [
        Route("DnsResolvers_List", "GET", SUB + "/dnsResolvers", r.list_group, NS, "dnsResolvers", action=NS + "/read"),
        Route("DnsResolvers_ListByResourceGroup", "GET", GROUP + "/dnsResolvers", r.list_group, NS, "dnsResolvers",
              action=NS + "/read"),
        Route("DnsResolvers_Get", "GET", RESOLVER, r.get, NS, "dnsResolvers", action=NS + "/read"),
        Route("DnsResolvers_CreateOrUpdate", "PUT", RESOLVER, r.put, NS, "dnsResolvers", action=NS + "/write"),
        Route("DnsResolvers_Delete", "DELETE", RESOLVER, r.delete, NS, "dnsResolvers", action=NS + "/delete"),
        Route("DnsForwardingRulesets_List", "GET", SUB + "/dnsForwardingRulesets", rs.list_group, NS,
              "dnsForwardingRulesets", action="Microsoft.Network/dnsForwardingRulesets/read"),
        Route("DnsForwardingRulesets_ListByResourceGroup", "GET", GROUP + "/dnsForwardingRulesets", rs.list_group, NS,
              "dnsForwardingRulesets", action="Microsoft.Network/dnsForwardingRulesets/read"),
        Route("DnsForwardingRulesets_Get", "GET", RULESET, rs.get, NS, "dnsForwardingRulesets",
              action="Microsoft.Network/dnsForwardingRulesets/read"),
        Route("DnsForwardingRulesets_CreateOrUpdate", "PUT", RULESET, rs.put, NS, "dnsForwardingRulesets",
              action="Microsoft.Network/dnsForwardingRulesets/write"),
        Route("DnsForwardingRulesets_Delete", "DELETE", RULESET, rs.delete, NS, "dnsForwardingRulesets",
              action="Microsoft.Network/dnsForwardingRulesets/delete"),
    ]
    for group, parent, kind, param, ops in (
        ("InboundEndpoints", RESOLVER, INBOUND, "inboundEndpointName", inbound),
        ("OutboundEndpoints", RESOLVER, OUTBOUND, "outboundEndpointName", outbound),
        ("ForwardingRules", RULESET, RULES, "forwardingRuleName", rules),
        ("VirtualNetworkLinks", RULESET, LINKS, "virtualNetworkLinkName", links),
    ):
        top = "dnsResolvers" if parent == RESOLVER else "dnsForwardingRulesets"
        action = f"Microsoft.Network/{top}/{kind}"
        path = f"{parent}/{kind}/{{{param}}}"
        out += [
            Route(f"{group}_List", "GET", f"{parent}/{kind}", ops.list_resources, NS, f"{top}/{kind}",
                  action=action + "/read"),
            Route(f"{group}_Get", "GET", path, ops.get, NS, f"{top}/{kind}", action=action + "/read"),
            Route(f"{group}_CreateOrUpdate", "PUT", path, ops.put, NS, f"{top}/{kind}", action=action + "/write"),
            Route(f"{group}_Delete", "DELETE", path, ops.delete, NS, f"{top}/{kind}", action=action + "/delete"),
        ]
    return out

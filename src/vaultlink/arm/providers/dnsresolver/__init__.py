"""Microsoft.Network/dnsResolvers and dnsForwardingRulesets: Azure DNS Private Resolver.

Start with `routes.py` (every operation and its RBAC action), then `resolvers.py` (resolvers, inbound and outbound
endpoints) and `rulesets.py` (forwarding rulesets, their rules and virtual network links). Limits and errors are
in `errors.py`. The network model reads these records through arm/projection.py: an inbound endpoint answers
as Azure DNS of its network, and a ruleset linked to a network forwards matching names from its outbound
endpoint's network.
"""

"""The on-premises check, as a value: which conditional forwarders a site's DNS server has, where each points,
whether a path reaches the target, and whether the target answers with the private zone (its network is
linked to the zone). The troubleshooter calls `site_forwarders` and explains from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vaultlink.network.paths import dns_server_at
from vaultlink.network.resolve import PRIVATELINK_ZONE
from vaultlink.network.topology import Topology, site_view


@dataclass(frozen=True)
class TargetCheck:
    target: str
    """address[:port] as the forwarder names it."""
    reached: bool
    """A path (a VPN gateway connection, then the network itself) leads to a DNS server at the address."""
    server: str
    """What answers there, or why nothing does."""
    has_zone: bool
    """The server answers as Azure DNS of a network linked to the zone."""


@dataclass(frozen=True)
class ForwarderCheck:
    zone: str
    targets: tuple[TargetCheck, ...]

    @property
    def answers(self) -> bool:
        """The first target that answers has the zone (a DNS server asks its targets in order)."""
        reached = [t for t in self.targets if t.reached]
        return bool(reached) and reached[0].has_zone


def site_forwarders(topology: Topology, site: str, zone: str = PRIVATELINK_ZONE) -> list[ForwarderCheck]:
    """Each conditional forwarder of the site's DNS server, longest zone first; [] for an unknown site or one
    without forwarders."""
    found = topology.sites.get(site.lower())
    if found is None:
        return []
    view = site_view(found.name)
    linked = {link.vnet for z in topology.zones if z.name == zone for link in z.links}
    out = []
    for rule in sorted(found.forwarders, key=lambda r: -len(r.domain)):
        checks = []
        for target in rule.targets:
            server = dns_server_at(topology, view, target)
            if server is None:
                checks.append(TargetCheck(target, False, f"nothing answers at {target} from site {found.name}: no VPN "
                                          "connection leads to a network with a DNS server at that address", False))
            else:
                checks.append(TargetCheck(target, True, server.description, server.view in linked))
        out.append(ForwarderCheck(rule.domain, tuple(checks)))
    return out

"""Which DNS server answers at an address, seen from a place (a virtual network, or a site as `site:<name>`).

A query sent to `address:port` reaches a server only over a path: the place itself, a network peered with it
both ways, or a site and the networks a VPN gateway connection joins it to (`Topology.reachable_vnets`). What
can answer there: a DNS Private Resolver's inbound endpoint (Azure DNS of its network), a machine acting as a
DNS forwarder (it forwards to Azure DNS of its own network), or a site's DNS server. Anything else, or the
same address behind no path, is silence: the asker times out.
"""

from __future__ import annotations

from dataclasses import dataclass

from vaultlink.network.topology import DNS_PORT, SITE_PREFIX, Topology, site_view


@dataclass(frozen=True)
class Server:
    view: str
    """The view whose answers the server gives: a network id, or a site's view."""
    description: str


def split_target(target: str) -> tuple[str, int]:
    """`10.0.0.4` or `10.0.0.4:5353` -> (address, port)."""
    address, _, port = target.partition(":")
    return address, int(port) if port.isdigit() else DNS_PORT


def place_of(view: str) -> str:
    """How a view is named in messages."""
    return f"site {view[len(SITE_PREFIX):]}" if view.startswith(SITE_PREFIX) else f"virtual network {view}"


def dns_server_at(topology: Topology, place: str, target: str) -> Server | None:
    """The DNS server a query from `place` to `target` (address[:port]) reaches; None when it reaches none."""
    address, port = split_target(target)
    if port != DNS_PORT:
        return None
    reachable = topology.reachable_vnets(place)
    for endpoint in topology.inbound_endpoints:
        if endpoint.address == address and endpoint.vnet in reachable:
            return Server(endpoint.vnet, f"the DNS Private Resolver inbound endpoint {address} ({endpoint.id}), which "
                                         f"answers as Azure DNS of {endpoint.vnet}")
    for machine in topology.machines.values():
        vnet = machine.subnet.rsplit("/subnets/", 1)[0]
        if machine.address == address and vnet in reachable and not vnet.startswith(SITE_PREFIX):
            return Server(vnet, f"the custom DNS server {address} ({machine.name}), which forwards to the "
                                f"Azure-provided resolver of {vnet}")
    for site in topology.sites.values():
        view = site_view(site.name)
        if site.dns_address == address and view in reachable:
            return Server(view, f"the DNS server {address} of site {site.name}")
    return None

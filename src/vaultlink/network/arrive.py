"""arrive(topology, location, host) -> Arrival: what a connection to a host meets on its way from a location.

For a vault host (`<vault>.vault.azure.net`) this is the whole walk a real client makes: which resolver the
location asks (`view_for`), the DNS answer it gets (`resolve`), and where a connection to the first address
lands (`route`). Any other Azure host (ARM, sign-in) is outside the network model and is always reached.

The Arrival is the one value that travels from the edge to the plane that serves the request, typed end to
end: the plane admits over it, and the decision log records it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vaultlink.network.location import Location
from vaultlink.network.resolve import resolve, view_for
from vaultlink.network.route import NOWHERE, Landing, route
from vaultlink.network.topology import Topology

VAULT_SUFFIX = ".vault.azure.net"

NO_RESOLVER = "no-resolver"
"""The location's resolver does not answer (a custom DNS server nobody serves)."""
UNRESOLVED = "unresolved"
"""The name gave no address (NXDOMAIN, REFUSED, or no A record)."""
TIMED_OUT = "timed-out"
"""The address leads nowhere from the location: a connection would time out."""


@dataclass(frozen=True)
class Arrival:
    location: Location
    host: str
    landing: Landing | None = None
    """Where the connection landed; None for hosts outside the network model, or when the name gave no address."""
    dns: tuple[str, ...] = ()
    """The reasons of each hop of the DNS answer, in order."""
    failure: str | None = None
    """NO_RESOLVER, UNRESOLVED or TIMED_OUT when the host cannot be reached from the location."""

    @property
    def why(self) -> str:
        """The last word on a failure: the DNS answer's last hop, or where the address led."""
        if self.failure == TIMED_OUT and self.landing is not None:
            return self.landing.reason
        return self.dns[-1] if self.dns else ""


def is_vault_host(host: str) -> bool:
    return host.endswith(VAULT_SUFFIX)


def arrive(topology: Topology, location: Location, host: str) -> Arrival:
    host = host.lower()
    if not is_vault_host(host):
        return Arrival(location, host)
    view = view_for(topology, location.virtual_network)
    if view is None:
        return Arrival(location, host, dns=("the virtual network's custom DNS server does not answer",),
                       failure=NO_RESOLVER)
    answer = resolve(topology, view[0], host)
    if answer.rcode != "NOERROR" or not answer.addresses:
        return Arrival(location, host, dns=answer.reasons, failure=UNRESOLVED)
    landing = route(topology, location, answer.addresses[0])
    return Arrival(location, host, landing, answer.reasons, TIMED_OUT if landing.kind == NOWHERE else None)

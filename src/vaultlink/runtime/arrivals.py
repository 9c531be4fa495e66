"""The edge's `route`: Azure's fixed hosts from a table, vault hosts through the network model
(`network.arrive`), so a caller reaches a vault only where its DNS answer and its connection would lead."""

from __future__ import annotations

from collections.abc import Callable

from vaultlink.core.asgi import ASGIApp
from vaultlink.edge.hostroutes import HostRoutes, Refusal, Served
from vaultlink.network.arrive import NO_RESOLVER, TIMED_OUT, UNRESOLVED, arrive, is_vault_host
from vaultlink.network.location import Location
from vaultlink.network.topology import Topology


class Arrivals:
    def __init__(self, fixed: HostRoutes, vault_app: ASGIApp, snapshot: Callable[[], Topology], *,
                 hold_unreachable: bool = False) -> None:
        self.fixed = fixed
        self.vault_app = vault_app
        self.snapshot = snapshot
        self.hold_unreachable = hold_unreachable
        """A connection to an address nobody holds hangs until the client gives up, rather than failing at once
        with 504 (which tells a person at once why; hanging lets an application test its timeouts)."""

    def __call__(self, host: str, location: Location) -> Served | Refusal:
        if not is_vault_host(host):
            return self.fixed(host, location)
        arrival = arrive(self.snapshot(), location, host)
        where = location.describe()
        if arrival.failure == NO_RESOLVER:
            return Refusal(504, f"vaultlink: {host} could not be resolved from {where}: {arrival.why}")
        if arrival.failure == UNRESOLVED:
            return Refusal(502, f"vaultlink: {host} does not resolve from {where}: {arrival.why}")
        if arrival.failure == TIMED_OUT and arrival.landing is not None:
            return Refusal(504, f"vaultlink: connecting to {host} ({arrival.landing.address}:443) from {where} "
                                f"timed out: {arrival.why}", unanswered=self.hold_unreachable)
        return Served(self.vault_app, arrival)

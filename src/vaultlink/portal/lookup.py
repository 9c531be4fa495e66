"""The "resolve from" tool's one window onto the network model: a callable the runtime builds over its topology
snapshots, so the portal sees the DNS answer the DNS server would give (network.resolve) without reading the
store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vaultlink.network.resolve import Answer, resolve, view_for
from vaultlink.network.topology import Topology


@dataclass(frozen=True)
class Lookup:
    where: str
    """Whose resolver answered, in words."""
    answer: Answer | None
    """None when the location's custom DNS server answers nobody."""


Resolve = Callable[[str | None, str, str], Lookup]
"""resolve(machine resource id or None for the internet, name, record type) -> Lookup."""


def resolver(snapshot: Callable[[], Topology]) -> Resolve:
    def lookup(machine: str | None, name: str, qtype: str) -> Lookup:
        topology = snapshot()
        vnet = None
        if machine is not None:
            found = topology.machines.get(machine.lower())
            if found is None:
                return Lookup(f"machine {machine} is not in any virtual network vaultlink knows", None)
            vnet = found.subnet.rsplit("/subnets/", 1)[0]
        view = view_for(topology, vnet)
        if view is None:
            return Lookup("the virtual network's custom DNS server, which no machine serves", None)
        return Lookup(view[1], resolve(topology, view[0], name, qtype))

    return lookup

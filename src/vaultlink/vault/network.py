"""The vault's network rules for one request: `network.admit` over the current topology snapshot, and the
refusal Azure answers when it does not admit.

The arrival comes from the edge (what the caller's DNS answer and connection met); a request that reached
the vault without one (an app called directly, not through the edge) came over the public front end of the
vault's region. Landings and admissions are pure functions of one snapshot and their arguments, so they are
remembered until the snapshot is replaced.

The edge routed the arrival when its connection was opened; a client keeps that connection for many requests,
and meanwhile the endpoint's connection may have been approved or rejected (through any node). The address the
connection went to is fixed, but where it lands is decided again on the current snapshot, as each packet to it
would be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultlink.core import errors, regions
from vaultlink.network.admit import Admission, admit, client_address
from vaultlink.network.arrive import Arrival
from vaultlink.network.route import ENDPOINT, Landing, route
from vaultlink.network.topology import Topology, region_address
from vaultlink.vault.errors import ForbiddenByConnection, ForbiddenByFirewall
from vaultlink.vault.model import VaultInfo

MEMO_LIMIT = 4096


class NetworkAdmission:
    def __init__(self, snapshot: Callable[[], Topology]) -> None:
        self.snapshot = snapshot
        self._memo_topology: Topology | None = None
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _memo_for(self, topology: Topology) -> dict[tuple[Any, ...], Any]:
        if topology is not self._memo_topology:
            self._memo_topology = topology
            self._memo = {}
        elif len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        return self._memo

    def landing(self, topology: Topology, vault: VaultInfo, arrival: Arrival) -> Landing:
        memo = self._memo_for(topology)
        if arrival.landing is not None:
            address = arrival.landing.address
        else:
            address = region_address(regions.normalize(vault.location))
        key = ("landing", arrival.location, address)
        landing: Landing | None = memo.get(key)
        if landing is None:
            landing = memo[key] = route(topology, arrival.location, address)
        return landing

    def client_address(self, vault: VaultInfo, arrival: Arrival) -> str:
        """The address the vault sees the caller at (x-ms-keyvault-network-info)."""
        topology = self.snapshot()
        model = topology.vaults.get(vault.name.lower())
        if model is None:
            return arrival.location.public_address
        return client_address(topology, model, self.landing(topology, vault, arrival), arrival.location)

    def admit(self, vault: VaultInfo, arrival: Arrival) -> tuple[Admission, Landing] | None:
        """The vault's network rules for this arrival, with where it landed; None when the network model does
        not know the vault yet (a write the snapshot has not seen)."""
        topology = self.snapshot()
        model = topology.vaults.get(vault.name.lower())
        if model is None:
            return None
        landing = self.landing(topology, vault, arrival)
        memo = self._memo_for(topology)
        key = ("admit", model.name, landing, arrival.location)
        admission: Admission | None = memo.get(key)
        if admission is None:
            admission = memo[key] = admit(topology, model, landing, arrival.location)
        return admission, landing


def refusal(admission: Admission, landing: Landing, vault: VaultInfo, caller: str) -> errors.AzureError:
    """Azure's error for a request the network rules refused."""
    if admission.refusal == "ForbiddenByFirewall":
        return ForbiddenByFirewall.client_address(admission.client_address, caller, vault.name, vault.location)
    if landing.kind == ENDPOINT:
        return ForbiddenByConnection.not_approved(admission.reason, caller, vault.name, vault.location)
    return ForbiddenByConnection.public_access_disabled(caller, vault.name, vault.location)

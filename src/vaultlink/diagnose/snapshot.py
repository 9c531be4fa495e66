"""What the checks look at: ARM resources in their REST wire shape (what `GET https://management.azure.com/{id}`
answers), projected into the network model by the same projection the control plane uses (network/wire.py),
with the wire bodies kept beside it for what the model does not carry (provisioning states, the vault's side of
each connection, zone groups, who approved what and when).

The resources come from a running vaultlink (`live.py`, whose source reads its store by key, over the topology
the server already keeps) or from JSON exported from real Azure (`snapshot_of`); the checks cannot tell which.
`role_assignments` is None when they are unknown (the permission check then says it cannot decide).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vaultlink.core.ids import ResourceId
from vaultlink.network.location import Location
from vaultlink.network.topology import Topology
from vaultlink.network.wire import VNET, Parts

ZONE_GROUPS = "privatednszonegroups"
CONNECTIONS = "privateendpointconnections"


class Source(Protocol):
    """Where the wire bodies come from, by lower-cased resource id: the given resources, or the live store."""

    def body(self, key: str) -> Mapping[str, Any] | None: ...

    def children(self, key: str, collection: str) -> list[Mapping[str, Any]]:
        """The resource's direct children in a collection (lower-cased: privateendpointconnections, ...)."""
        ...


class Resources:
    """A Source over a list of wire resources (a virtual network's embedded subnets count as resources too)."""

    def __init__(self, resources: Iterable[Mapping[str, Any]]) -> None:
        self.bodies: dict[str, Mapping[str, Any]] = {}
        self._children: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for resource in resources:
            for body in _with_children(resource):
                rid = ResourceId.try_parse(str(body.get("id") or ""))
                if rid is None:
                    continue
                self.bodies[rid.key] = body
                if rid.parent is not None and rid.types:
                    self._children.setdefault((rid.parent.key, rid.types[-1].lower()), []).append(body)

    def body(self, key: str) -> Mapping[str, Any] | None:
        return self.bodies.get(key)

    def children(self, key: str, collection: str) -> list[Mapping[str, Any]]:
        return list(self._children.get((key, collection), ()))


@dataclass(frozen=True)
class Snapshot:
    topology: Topology
    """The network model's view (network/wire.py's projection of the same resources)."""
    source: Source
    """The wire bodies, for what the model does not carry."""
    role_assignments: tuple[Mapping[str, Any], ...] | None = None

    def body(self, key: str) -> Mapping[str, Any] | None:
        return self.source.body(key.lower().rstrip("/"))

    def children(self, key: str, collection: str) -> list[Mapping[str, Any]]:
        return self.source.children(key.lower().rstrip("/"), collection)

    def zone_groups(self, endpoint: str) -> list[Mapping[str, Any]]:
        return self.children(endpoint, ZONE_GROUPS)

    def spelled(self, key: str) -> ResourceId:
        """The resource id as the wire spelled it (real casing), parsed."""
        body = self.body(key)
        return ResourceId.parse(str(body["id"]) if body is not None and body.get("id") else key)

    def vault_body(self, name: str) -> Mapping[str, Any] | None:
        model = self.topology.vaults.get(name.lower())
        return self.body(model.id) if model is not None else None

    def machine_location(self, name: str) -> Location | None:
        """A machine's location, by its name (case-insensitive) or its resource id."""
        wanted = name.lower()
        for machine in self.topology.machines.values():
            if wanted in (machine.name.lower(), machine.id):
                return Location(public_address=machine.public_address or Location().public_address,
                                machine=machine.id, private_address=machine.address, subnet=machine.subnet)
        return None

    def network_location(self, vnet: str) -> Location | None:
        """A client in a virtual network without a machine of its own (state exported from Azure): in the
        network's first subnet, at an address nobody holds."""
        key = vnet.lower().rstrip("/")
        subnets = sorted(s.id for s in self.topology.subnets.values() if s.vnet == key)
        if key not in self.topology.vnets or not subnets:
            return None
        return Location(machine=f"{key}/(a client)", private_address=None, subnet=subnets[0])


def snapshot_of(resources: Iterable[Mapping[str, Any]], *,
                role_assignments: Iterable[Mapping[str, Any]] | None = None,
                public_addresses: Mapping[str, str] | None = None) -> Snapshot:
    """The snapshot of these wire resources; `public_addresses` gives machines' public addresses by the machine's
    lower-cased id, where known."""
    source = Resources(resources)
    parts = Parts()
    for key, body in source.bodies.items():
        rid = ResourceId.try_parse(key)
        if rid is not None:
            parts.add(rid, dict(body))
    return Snapshot(parts.topology(dict(public_addresses or {})), source,
                    None if role_assignments is None else tuple(role_assignments))


def _with_children(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A resource and the child resources its body embeds with their own ids (a network's subnets)."""
    out = [resource]
    if str(resource.get("type", "")).lower() == VNET:
        for sub in (resource.get("properties") or {}).get("subnets") or []:
            if isinstance(sub, Mapping) and sub.get("id") and "properties" in sub:
                out.append(sub)
    return out

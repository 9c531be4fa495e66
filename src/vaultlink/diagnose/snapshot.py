"""What the checks look at: ARM resources in their REST wire shape (what `GET https://management.azure.com/{id}`
answers), projected into the network model by the same projection the control plane uses (network/wire.py),
with the wire bodies kept beside it for what the model does not carry (provisioning states, the vault's side of
each connection, zone groups, who approved what and when).

The resources come from a running vaultlink's store (runtime/) or from JSON exported from real Azure; the
checks cannot tell which. `role_assignments` is None when they are unknown (the permission check then says it
cannot decide).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vaultlink.core.ids import ResourceId
from vaultlink.network.location import Location
from vaultlink.network.topology import Topology
from vaultlink.network.wire import VNET, Parts, kind_of

ZONE_GROUP = "microsoft.network/privateendpoints/privatednszonegroups"


@dataclass(frozen=True)
class Snapshot:
    topology: Topology
    resources: Mapping[str, Mapping[str, Any]]
    """Wire bodies by lower-cased resource id."""
    role_assignments: tuple[Mapping[str, Any], ...] | None = None
    zone_groups: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    """An endpoint's zone groups, by the endpoint's key."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Resource keys to their ids as the wire spells them (for fix commands with the real names)."""

    def body(self, key: str) -> Mapping[str, Any] | None:
        return self.resources.get(key.lower().rstrip("/"))

    def spelled(self, key: str) -> ResourceId:
        """The resource id as the wire spelled it (real casing), parsed."""
        return ResourceId.parse(self.names.get(key, key))

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
    """The snapshot of these wire resources (a virtual network's embedded subnets count as resources too);
    `public_addresses` gives machines' public addresses by the machine's lower-cased id, where known."""
    parts = Parts()
    bodies: dict[str, Mapping[str, Any]] = {}
    names: dict[str, str] = {}
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for resource in resources:
        for body in _with_children(resource):
            rid = ResourceId.try_parse(str(body.get("id") or ""))
            if rid is None:
                continue
            bodies[rid.key] = body
            names[rid.key] = str(body["id"]).rstrip("/")
            kind = kind_of(rid)
            if kind == ZONE_GROUP and rid.parent is not None:
                groups.setdefault(rid.parent.key, []).append(body)
            else:
                parts.add(rid, dict(body))
    topology = parts.topology(dict(public_addresses or {}))
    return Snapshot(topology, bodies, None if role_assignments is None else tuple(role_assignments),
                    {k: tuple(v) for k, v in groups.items()}, names)


def _with_children(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A resource and the child resources its body embeds with their own ids (a network's subnets)."""
    out = [resource]
    if str(resource.get("type", "")).lower() == VNET:
        for sub in (resource.get("properties") or {}).get("subnets") or []:
            if isinstance(sub, Mapping) and sub.get("id") and "properties" in sub:
                out.append(sub)
    return out

"""State exported from real Azure with plain `az` commands, read back as ARM resources in their REST wire shape.

The directory is what `vaultlink diagnose export-script` prints the commands for (see `exportscript.py` for
the file names). az does not print the wire shape: its network commands flatten each resource's `properties`
onto the top level (and so every sub-resource inside: a subnet, a connection, an ip configuration), add a
`resourceGroup` beside every id, and `az keyvault show` keeps `properties` nested but flattens the vault's
connection items. `read_export` undoes that, checks that every file the checks need is there, whole and of
the right kind, and for the vault it names, and raises `ExportError` (a sentence naming the file) otherwise.
An export that leaves something out is refused, never diagnosed by half.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultlink.core import jsontext
from vaultlink.core.ids import ResourceId

FORMAT = "vaultlink-export/1"
MANIFEST = "manifest.json"
KEYVAULT = "keyvault.json"
ENDPOINTS = "private-endpoints.json"
NICS = "nics"
VNETS = "virtual-networks.json"
ZONES = "private-dns-zones.json"
PRIVATE_DNS = "private-dns"
ZONE_GROUPS = "zone-groups"
ROLE_ASSIGNMENTS = "role-assignments.json"

VAULT_TYPE = "Microsoft.KeyVault/vaults"
ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
RECORD_TYPE_PREFIX = "Microsoft.Network/privateDnsZones/"
ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"

ENVELOPE = ("id", "name", "type", "location", "etag", "tags", "kind", "zones", "extendedLocation", "systemData",
            "identity", "managedBy")
"""The keys ARM keeps beside `properties`; everything else az prints at the top level belongs inside it."""

AZ_ONLY = ("resourceGroup", "roleDefinitionName", "principalName")
"""Keys az adds that no ARM answer has."""


class ExportError(Exception):
    """The export directory cannot be diagnosed as it is; the message says which file and why."""


@dataclass(frozen=True)
class Exported:
    vault: dict[str, Any]
    resources: list[dict[str, Any]]
    """Every resource of the export in its wire shape, the vault first."""
    role_assignments: list[dict[str, Any]] | None
    """The role assignments that apply at the vault, or None when the export left them out (unknown)."""
    subscription: str
    tenant: str | None

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if str(r.get("type", "")).lower() == type_.lower()]


# ---- turning az's shapes into ARM's -------------------------------------------------------------------------

Convert = Callable[[Any], Any]


def _plain(value: Any) -> Any:
    """A value with az's `resourceGroup` (and its other additions) taken out at every depth, and the nulls az
    prints for what an SDK model leaves unset (ARM leaves those keys out)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in AZ_ONLY and v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _nested(children: dict[str, Convert] | None = None) -> Convert:
    """A converter for one resource (or sub-resource) that az printed flattened: envelope keys stay, the rest
    goes under `properties`, and the named children (lists of sub-resources, or one) are converted in turn.
    An object that already has `properties` is taken as the wire shape."""
    children = children or {}

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        if isinstance(value.get("properties"), dict):
            props = dict(value["properties"])
            out = {k: _plain(v) for k, v in value.items() if k != "properties" and k not in AZ_ONLY and v is not None}
        else:
            props = {k: v for k, v in value.items() if k not in ENVELOPE and k not in AZ_ONLY and v is not None}
            out = {k: _plain(v) for k, v in value.items() if k in ENVELOPE and v is not None}
        converted: dict[str, Any] = {}
        for key, item in props.items():
            child = children.get(key)
            if child is None:
                converted[key] = _plain(item)
            elif isinstance(item, list):
                converted[key] = [child(i) for i in item]
            else:
                converted[key] = child(item)
        out["properties"] = converted
        return out

    return convert


_connection = _nested()
endpoint_wire = _nested({"privateLinkServiceConnections": _connection,
                         "manualPrivateLinkServiceConnections": _connection, "ipConfigurations": _nested()})
nic_wire = _nested({"ipConfigurations": _nested(), "tapConfigurations": _nested()})
vnet_wire = _nested({"subnets": _nested(), "virtualNetworkPeerings": _nested()})
zone_wire = _nested()
link_wire = _nested()
record_set_wire = _nested()
zone_group_wire = _nested({"privateDnsZoneConfigs": _nested()})
role_assignment_wire = _nested()


def vault_wire(value: dict[str, Any]) -> dict[str, Any]:
    """`az keyvault show` prints `properties` nested already; only its connection items are flattened."""
    out: dict[str, Any] = _plain(value)
    props = out.get("properties")
    if isinstance(props, dict) and isinstance(props.get("privateEndpointConnections"), list):
        props["privateEndpointConnections"] = [_nested()(c) for c in props["privateEndpointConnections"]]
    return out


# ---- reading the directory ----------------------------------------------------------------------------------

def _load(directory: Path, relative: str, what: str) -> Any:
    path = directory / relative
    if not path.is_file():
        raise ExportError(f"{relative} is missing from {directory}: it holds {what}; run the export script's "
                          "commands again (`vaultlink diagnose export-script`)")
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if not text.strip():
        raise ExportError(f"{relative} in {directory} is empty: the az command that writes {what} failed or was "
                          "interrupted; run it again")
    try:
        return jsontext.loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(f"{relative} in {directory} is not whole JSON ({e.msg} at line {e.lineno}): the az command "
                          f"that writes {what} was cut short; run it again") from None
    except ValueError as e:  # nested deeper than any az output, or a number JSON does not have
        raise ExportError(f"{relative} in {directory} is not what az writes for {what}: {e}") from None


def _resource(value: Any, relative: str, type_: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise ExportError(f"{relative} does not hold an Azure resource (an object with an id) where {type_} was "
                          "expected")
    rid = ResourceId.try_parse(value["id"])
    found = str(value.get("type") or (rid.type if rid else ""))  # a zone group has no type: its id says it
    ok = found.lower().startswith(type_.lower()) if type_.endswith("/") else found.lower() == type_.lower()
    if not ok or rid is None:
        raise ExportError(f"{relative} holds a resource of type '{found or '(none)'}' ({value['id']}) where {type_} "
                          "was expected: was another command's output saved under this name?")
    return value


def _list(value: Any, relative: str, type_: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ExportError(f"{relative} should hold a JSON list (the output of an az ... list command), not "
                          f"{type(value).__name__ if not isinstance(value, dict) else 'one object'}")
    return [_resource(item, relative, type_) for item in value]


def file_key(resource_id: str) -> str:
    """The part of a per-resource file's name the export script derives from the resource's id: its resource
    group and name, `rg.name` (compared case-insensitively: ARM echoes a group's case as it pleases)."""
    rid = ResourceId.parse(resource_id)
    return f"{rid.resource_group}.{rid.name}"


def _per_resource(directory: Path, folder: str) -> dict[str, str]:
    """The files of a folder by lower-cased name."""
    root = directory / folder
    if not root.is_dir():
        return {}
    return {p.name.lower(): f"{folder}/{p.name}" for p in root.iterdir() if p.is_file()}


def read_export(directory: Path, vault: str | None = None) -> Exported:
    """The export in `directory` for the vault named `vault` (its name, or its full id; by default the one its
    manifest names), in the wire shape."""
    if not directory.is_dir():
        raise ExportError(f"{directory} is not a directory: pass the directory the export script wrote")
    manifest = _load(directory, MANIFEST, "the export's manifest (the script writes it last, once every command "
                                          "succeeded)")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError(f"{MANIFEST} in {directory} is not a vaultlink export manifest (format {FORMAT})")
    vault = vault or str(manifest.get("vault", ""))
    wanted = vault.rstrip("/").rsplit("/", 1)[-1]
    if str(manifest.get("vault", "")).lower() != wanted.lower():
        raise ExportError(f"{directory} was exported for the vault '{manifest.get('vault')}', not '{wanted}': "
                          f"export {wanted} with `vaultlink diagnose export-script {wanted} -g RG`")

    kv = _resource(_load(directory, KEYVAULT, f"the vault {wanted} (az keyvault show)"), KEYVAULT, VAULT_TYPE)
    if str(kv.get("name", "")).lower() != wanted.lower() or ("/" in vault and kv["id"].lower() != vault.lower()):
        raise ExportError(f"{KEYVAULT} in {directory} describes the vault {kv['id']}, not {vault}: the files of "
                          "another vault's export were copied in")
    if not isinstance(kv.get("properties"), dict):
        raise ExportError(f"{KEYVAULT} has no properties: it is not the output of `az keyvault show`")
    vault_resource = vault_wire(kv)
    subscription = ResourceId.parse(kv["id"]).subscription
    if str(manifest.get("subscription", subscription)).lower() != subscription.lower():
        raise ExportError(f"{KEYVAULT} is from the subscription {subscription}, but {MANIFEST} names "
                          f"{manifest.get('subscription')}: the files come from different exports")

    endpoints = _list(_load(directory, ENDPOINTS, "the private endpoints (az network private-endpoint list)"),
                      ENDPOINTS, ENDPOINT_TYPE)
    vnets = _list(_load(directory, VNETS, "the virtual networks (az network vnet list)"), VNETS, VNET_TYPE)
    zones = _list(_load(directory, ZONES, "the private DNS zones (az network private-dns zone list)"), ZONES,
                  ZONE_TYPE)
    resources: list[dict[str, Any]] = [vault_resource]
    resources += [endpoint_wire(e) for e in endpoints]

    nic_files = _per_resource(directory, NICS)
    nics: dict[str, dict[str, Any]] = {}
    for name in sorted(nic_files.values()):
        nic = _resource(_load(directory, name, "a network interface (az network nic show)"), name, NIC_TYPE)
        nics[nic["id"].lower()] = nic
    group_files = _per_resource(directory, ZONE_GROUPS)
    for endpoint in endpoints:
        for ref in endpoint.get("networkInterfaces") or []:
            nic_id = str(ref.get("id", "")) if isinstance(ref, dict) else ""
            if nic_id.lower() not in nics:
                raise ExportError(f"{NICS}/ has no file for the network interface {nic_id} of the private endpoint "
                                  f"{endpoint['id']}: the script's `az network nic show` loop did not finish; run it "
                                  "again")
        key = f"{file_key(endpoint['id'])}.json".lower()
        if key not in group_files:
            raise ExportError(f"{ZONE_GROUPS}/{file_key(endpoint['id'])}.json is missing: it holds the DNS zone groups "
                              f"of the private endpoint {endpoint['id']} (az network private-endpoint dns-zone-group "
                              "list); run the script's zone group loop again")
        resources += [{"type": ZONE_GROUP_TYPE, **zone_group_wire(g)} for g in _list(_load(directory, group_files[key], "a zone group list"),
                                                         group_files[key], ZONE_GROUP_TYPE)]
    resources += [nic_wire(n) for n in nics.values()]
    for vnet in (vnet_wire(v) for v in vnets):
        resources.append(vnet)
        # GET on a subnet answers it on its own; the network model reads subnets as resources of their own too
        resources += [{"type": SUBNET_TYPE, **s} for s in vnet["properties"].get("subnets") or [] if s.get("id")]

    dns_files = _per_resource(directory, PRIVATE_DNS)
    for zone in zones:
        resources.append(zone_wire(zone))
        for suffix, kind, type_, convert in (("links", "virtual network links", LINK_TYPE, link_wire),
                                             ("records", "record sets", RECORD_TYPE_PREFIX, record_set_wire)):
            name = f"{file_key(zone['id'])}.{suffix}.json"
            if name.lower() not in dns_files:
                raise ExportError(f"{PRIVATE_DNS}/{name} is missing: it holds the {kind} of the zone {zone['name']} "
                                  f"({zone['id']}); run the script's private DNS loop again")
            relative = dns_files[name.lower()]
            items = _list(_load(directory, relative, f"the {kind} of {zone['name']}"), relative, type_)
            for item in items:
                if not item["id"].lower().startswith(zone["id"].lower() + "/"):
                    raise ExportError(f"{relative} holds {item['id']}, which is not in the zone {zone['id']}: the "
                                      "file belongs to another zone")
            resources += [convert(i) for i in items]

    role_assignments: list[dict[str, Any]] | None = None
    if manifest.get("roleAssignments") is True:
        items = _list(_load(directory, ROLE_ASSIGNMENTS, "the role assignments at the vault (az role assignment "
                                                         "list)"), ROLE_ASSIGNMENTS, ROLE_ASSIGNMENT_TYPE)
        role_assignments = [role_assignment_wire(a) for a in items]
    tenant = vault_resource["properties"].get("tenantId")
    return Exported(vault_resource, resources, role_assignments, subscription, str(tenant) if tenant else None)

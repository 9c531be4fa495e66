"""Each check's fix: the az commands that make it pass, with the real names from the snapshot (as the wire
spells them), and the portal path where a person would make the same change."""

from __future__ import annotations

import shlex

from vaultlink.diagnose.report import Fix
from vaultlink.diagnose.snapshot import Snapshot
from vaultlink.network.admit import Admission
from vaultlink.network.location import Location
from vaultlink.network.resolve import PRIVATELINK_ZONE, view_for
from vaultlink.network.topology import PrivateEndpoint, PrivateZone, Vault


def _q(text: str | None) -> str:
    return shlex.quote(text or "")


def _vault_args(snapshot: Snapshot, vault: Vault) -> str:
    rid = snapshot.spelled(vault.id)
    return f"-g {_q(rid.resource_group)} -n {_q(rid.name)}"


def create_endpoint(snapshot: Snapshot, vault: Vault, location: Location) -> Fix:
    rid = snapshot.spelled(vault.id)
    subnet = snapshot.spelled(location.subnet) if location.subnet else None
    vnet = subnet.parent if subnet is not None else None
    group = subnet.resource_group if subnet is not None else rid.resource_group
    command = (f"az network private-endpoint create -g {_q(group)} -n {_q(rid.name + '-pe')} "
               f"--vnet-name {_q(vnet.name if vnet else '')} --subnet {_q(subnet.name if subnet else '')} "
               f"--private-connection-resource-id {_q(str(rid))} --group-id vault --connection-name "
               f"{_q(rid.name + '-connection')}")
    return Fix((command,), "Private endpoints > Create > Resource: Microsoft.KeyVault/vaults "
               f"{rid.name}, target sub-resource vault; Virtual network: the client's")


def connection(snapshot: Snapshot, vault: Vault, pe: PrivateEndpoint, name: str, status: str) -> Fix:
    rid = snapshot.spelled(vault.id)
    portal = f"Key vaults > {rid.name} > Networking > Private endpoint connections > {name}"
    if status == "Disconnected":
        pe_id = snapshot.spelled(pe.id)
        subnet = snapshot.spelled(pe.subnet)
        vnet = subnet.parent
        return Fix((f"az network private-endpoint delete -g {_q(pe_id.resource_group)} -n {_q(pe_id.name)}",
                    (f"az network private-endpoint create -g {_q(pe_id.resource_group)} -n {_q(pe_id.name)} "
                    f"--vnet-name {_q(vnet.name if vnet else '')} --subnet {_q(subnet.name)} "
                    f"--private-connection-resource-id {_q(str(rid))} --group-id vault "
                    f"--connection-name {_q(pe_id.name + '-connection')}")),
                   f"{portal}: a Disconnected connection cannot be approved; delete the private endpoint "
                   f"{pe_id.name} and create it again")
    return Fix(((f"az keyvault private-endpoint-connection approve -g {_q(rid.resource_group)} --vault-name "
                f"{_q(rid.name)} -n {_q(name)} --description {_q('Approved by the vault owner')}"),),
               f"{portal} > Approve")


def zone(snapshot: Snapshot, vault: Vault, location: Location, miss: PrivateZone | None) -> Fix:
    """The zone, its link to the client's resolver network and the vault's record: all three, since a new zone
    has neither."""
    group = snapshot.spelled(miss.id).resource_group if miss is not None else snapshot.spelled(vault.id).resource_group
    view = view_for(snapshot.topology, location.virtual_network)
    vnet = view[0] if view is not None and view[0] is not None else location.virtual_network
    commands = [f"az network private-dns zone create -g {_q(group)} -n {PRIVATELINK_ZONE}"]
    if vnet:
        commands.append(_link_command(snapshot, group, vnet))
    endpoints = [pe for pe, _ in snapshot.topology.vault_endpoints(vault.id)]
    if endpoints:
        commands.append(f"az network private-dns record-set a add-record -g {_q(group)} -z {PRIVATELINK_ZONE} "
                        f"-n {_q(snapshot.spelled(vault.id).name.lower())} -a {endpoints[0].address}")
    portal = "Private DNS zones > Create > Name: " + PRIVATELINK_ZONE
    if miss is not None:
        portal += f" (the zone {miss.name} is not the one Key Vault's alias points into)"
    return Fix(tuple(commands), portal + "; then Virtual network links > Add, and Record sets > + Record set")


def _link_command(snapshot: Snapshot, group: str | None, vnet: str) -> str:
    vnet_id = snapshot.spelled(vnet)
    return (f"az network private-dns link vnet create -g {_q(group)} -z {PRIVATELINK_ZONE} "
            f"-n {_q(vnet_id.name + '-link')} -v {_q(str(vnet_id))} -e false")


def link(snapshot: Snapshot, zone_: PrivateZone, vnet: str) -> Fix:
    group = snapshot.spelled(zone_.id).resource_group
    return Fix((_link_command(snapshot, group, vnet),),
               f"Private DNS zones > {PRIVATELINK_ZONE} > Virtual network links > Add > "
               f"{snapshot.spelled(vnet).name}")


def record(snapshot: Snapshot, zone_: PrivateZone, name: str, address: str | None, miss: str | None) -> Fix:
    group = _q(snapshot.spelled(zone_.id).resource_group)
    commands = [(f"az network private-dns record-set a add-record -g {group} -z {PRIVATELINK_ZONE} -n {_q(name)} "
                f"-a {_q(address or '<the endpoint NIC private IP>')}")]
    if miss is not None and (miss, "A") in zone_.records:
        commands.append(f"az network private-dns record-set a delete -g {group} -z {PRIVATELINK_ZONE} -n {_q(miss)} --yes")
    return Fix(tuple(commands), f"Private DNS zones > {PRIVATELINK_ZONE} > + Record set > Name: {name} (no suffix), "
               f"Type: A, IP address: {address or 'the private endpoint network interface address'}")


def address(snapshot: Snapshot, zone_: PrivateZone, name: str, expected: str, found: str) -> Fix:
    group = _q(snapshot.spelled(zone_.id).resource_group)
    head = "az network private-dns record-set a"
    return Fix((f"{head} add-record -g {group} -z {PRIVATELINK_ZONE} -n {_q(name)} -a {expected}",
                f"{head} remove-record -g {group} -z {PRIVATELINK_ZONE} -n {_q(name)} -a {found}"),
               f"Private DNS zones > {PRIVATELINK_ZONE} > Record sets > {name} > IP address: {expected} (the private "
               "endpoint > Network interface > Private IP address)")


def dns_servers(snapshot: Snapshot, vnet: str) -> Fix:
    rid = snapshot.spelled(vnet)
    return Fix((f"az network vnet update -g {_q(rid.resource_group)} -n {_q(rid.name)} --dns-servers ''",),
               f"Virtual networks > {rid.name} > DNS servers > Default (Azure-provided), or start the custom DNS server")


def zone_group(snapshot: Snapshot, pe: PrivateEndpoint, zone_: PrivateZone) -> Fix:
    rid = snapshot.spelled(pe.id)
    return Fix(((f"az network private-endpoint dns-zone-group create -g {_q(rid.resource_group)} --endpoint-name "
                f"{_q(rid.name)} -n default --private-dns-zone {_q(str(snapshot.spelled(zone_.id)))} --zone-name "
                "vaultcore"),),
               f"Private endpoints > {rid.name} > DNS configuration > Add configuration > {PRIVATELINK_ZONE}")


def firewall(snapshot: Snapshot, vault: Vault, admission: Admission) -> Fix:
    rid = snapshot.spelled(vault.id)
    rule = f"az keyvault network-rule add {_vault_args(snapshot, vault)} --ip-address {admission.client_address}"
    portal = f"Key vaults > {rid.name} > Networking > Firewalls and virtual networks"
    if admission.refusal == "ForbiddenByFirewall":
        return Fix((rule,), f"{portal} > Firewall > Add your client IP address ({admission.client_address})")
    return Fix((f"az keyvault update {_vault_args(snapshot, vault)} --public-network-access Enabled --default-action Deny",
                rule), f"{portal} > Allow public access from specific virtual networks and IP addresses > "
               f"Add {admission.client_address}; or reach the vault from a network with its private endpoint")


def role(snapshot: Snapshot, vault: Vault, caller: str, role_name: str) -> Fix:
    rid = snapshot.spelled(vault.id)
    return Fix(((f"az role assignment create --role {_q(role_name)} --assignee-object-id {_q(caller)} "
                f"--scope {_q(str(rid))}"),),
               f"Key vaults > {rid.name} > Access control (IAM) > Add role assignment > {role_name}")


def policy(snapshot: Snapshot, vault: Vault, caller: str) -> Fix:
    rid = snapshot.spelled(vault.id)
    return Fix(((f"az keyvault set-policy {_vault_args(snapshot, vault)} --object-id {_q(caller)} "
                "--secret-permissions get list"),),
               f"Key vaults > {rid.name} > Access policies > Create > Secret permissions: Get, List")

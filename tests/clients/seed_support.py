"""The seed topology built through the real SDKs, what a client observes of it, and the check that a restart
(SIGTERM, then SIGKILL) changes none of it. Shared by the topology tests and the kill -9 probe.

The seed: a vault with public access disabled, two virtual networks (one linked to privatelink.vaultcore.azure.net,
one not), an approved endpoint and a pending manual one in the linked network, the zone's A record for the
approved one, and a machine in each network.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.machines_support import inline_vm, vaultlink_cli
from tests.vaultlink_process import Running

ZONE = "privatelink.vaultcore.azure.net"
RG = "rg-heart"


def sdk_options(proxy: str, ca: str, **extra: Any) -> dict[str, Any]:
    return {"proxies": {"https": proxy}, "connection_verify": ca, **extra}


def owner(running: Running, proxy: str | None = None) -> ClientSecretCredential:
    c = running.credentials
    return ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"],
                                  **sdk_options(proxy or running.proxy, running.ca))


def dig(resolver: str, name: str, rtype: str = "A", *, tcp: bool = False) -> str:
    """dig's answer section on one line (dig aligns with tabs; compare with single spaces)."""
    host, port = resolver.rsplit(":", 1)
    out = subprocess.run(["dig", f"@{host}", "-p", port, name, rtype, "+noall", "+answer", "+comments",
                          "+time=2", "+tries=2", *(["+tcp"] if tcp else [])],
                         capture_output=True, text=True, timeout=30, check=False).stdout
    status = re.search(r"status: (\w+)", out)
    answer = [" ".join(line.split()) for line in out.splitlines() if line and not line.startswith(";")]
    return " ".join([status.group(1) if status else "NO-REPLY", *answer])


def view_of(running: Running, vnet: str) -> str:
    """The resolver address:port of the virtual network named `vnet` (the last segment of its id)."""
    for key, address in running.status()["dnsViews"].items():
        if key.rsplit("/", 1)[1] == vnet.lower():
            return str(address)
    raise AssertionError(f"no resolver for {vnet}")


def machine_proxy(running: Running, vm: str) -> str:
    exports = vaultlink_cli(running, "env", "--vm", vm).stdout
    return next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                if line.startswith("export HTTPS_PROXY="))


@dataclass
class Site:
    running: Running
    vault: str
    vault_id: str
    network: NetworkManagementClient
    dns: PrivateDnsManagementClient
    kv: KeyVaultManagementClient
    proxies: dict[str, str]

    def client_from(self, proxy: str) -> SecretClient:
        kw = sdk_options(proxy, self.running.ca)
        return SecretClient(f"https://{self.vault}.vault.azure.net", owner(self.running, proxy), retry_total=0, **kw)

    def inside(self, machine: str) -> SecretClient:
        return self.client_from(self.proxies[machine])

    def internet(self) -> SecretClient:
        return self.client_from(self.running.proxy)

    def record(self, address: str) -> None:
        self.dns.record_sets.create_or_update(RG, ZONE, "A", self.vault, {"properties": {
            "ttl": 10, "aRecords": [{"ipv4Address": address}]}})

    def connection(self, endpoint: str) -> Any:
        for pec in self.kv.private_endpoint_connections.list_by_resource(RG, self.vault):
            if pec.properties.private_endpoint.id.endswith(f"/{endpoint}"):
                return pec
        raise AssertionError(endpoint)

    def set_state(self, endpoint: str, status: str) -> None:
        pec = self.connection(endpoint)
        self.kv.private_endpoint_connections.put(RG, self.vault, pec.name, {"properties": {
            "privateLinkServiceConnectionState": {"status": status, "description": f"{status} by the test"}}})


def forbidden(client: SecretClient) -> dict[str, Any]:
    with pytest.raises(HttpResponseError) as err:
        client.get_secret("inside")
    assert err.value.status_code == 403
    body: dict[str, Any] = err.value.response.json()["error"]
    return body


def build_seed(running: Running, *, public_access: str = "Disabled") -> Site:
    c = running.credentials
    kw = sdk_options(running.proxy, running.ca)
    cred = owner(running)
    sub = c["subscriptionId"]
    ResourceManagementClient(cred, sub, **kw).resource_groups.create_or_update(RG, {"location": "eastus"})
    kv = KeyVaultManagementClient(cred, sub, **kw)
    vault = f"heart{uuid.uuid4().hex[:8]}"
    vault_id = kv.vaults.begin_create_or_update(RG, vault, {"location": "eastus", "properties": {
        "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
        "publicNetworkAccess": public_access, "accessPolicies": [{"tenantId": c["tenantId"],
        "objectId": c["servicePrincipal"]["objectId"], "permissions": {"secrets": ["get", "set", "list"]}}]}}).result().id
    network = NetworkManagementClient(cred, sub, **kw)
    for name, prefix in (("vnet-linked", "10.1"), ("vnet-unlinked", "10.2")):
        network.virtual_networks.begin_create_or_update(RG, name, {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": [f"{prefix}.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": f"{prefix}.0.0/24"}}]}}).result()
    dns = PrivateDnsManagementClient(cred, sub, **kw)
    dns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(RG, ZONE, "link", {"location": "global", "properties": {
        "virtualNetwork": {"id": network.virtual_networks.get(RG, "vnet-linked").id},
        "registrationEnabled": False}}).result()
    linked_subnet = network.subnets.get(RG, "vnet-linked", "default").id
    for name, collection in (("pe-auto", "privateLinkServiceConnections"),
                             ("pe-manual", "manualPrivateLinkServiceConnections")):
        network.private_endpoints.begin_create_or_update(RG, name, {"location": "eastus", "properties": {
            "subnet": {"id": linked_subnet}, collection: [{"name": f"{name}-c", "properties": {
                "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}).result()
    compute = ComputeManagementClient(cred, sub, **kw)
    proxies = {}
    for vm, vnet in (("inside-vm", "vnet-linked"), ("outside-vm", "vnet-unlinked")):
        compute.virtual_machines.begin_create_or_update(
            RG, vm, inline_vm(network.subnets.get(RG, vnet, "default").id)).result()
        proxies[vm] = machine_proxy(running, vm)
    site = Site(running, vault, vault_id, network, dns, kv, proxies)
    site.record("10.1.0.4")  # pe-auto's address
    site.inside("inside-vm").set_secret("inside", "only from the network")
    return site


def observe(site: Site) -> dict[str, Any]:
    """What a client sees of the seed topology: every resolver's DNS answers (UDP and TCP), the machines' proxy
    credentials, admissions from inside and outside, and the ARM reads."""
    running = site.running
    views = running.status()["dnsViews"]
    name = f"{site.vault}.vault.azure.net"
    manual = site.network.private_endpoints.get(RG, "pe-manual")
    answers = {}
    for where, resolver in (("linked", view_of(running, "vnet-linked")), ("unlinked", view_of(running, "vnet-unlinked")),
                            ("internet", running.state["dns"][0])):
        answers[f"dns-{where}"] = dig(resolver, name)
        answers[f"dns-{where}-tcp"] = dig(resolver, name, tcp=True)
        answers[f"dns-{where}-zone"] = dig(resolver, f"{site.vault}.{ZONE}")
    return {
        "resolvers": dict(views),
        **answers,
        "machine-proxies": {vm: machine_proxy(running, vm) for vm in site.proxies},
        "inside": site.inside("inside-vm").get_secret("inside").value,
        "internet": forbidden(site.internet())["innererror"]["code"],
        "outside-vm": forbidden(site.inside("outside-vm"))["innererror"]["code"],
        "vault": site.kv.vaults.get(RG, site.vault).as_dict(),
        "endpoints": sorted(str(e.as_dict()) for e in site.network.private_endpoints.list(RG)),
        "manual-state": manual.properties.manual_private_link_service_connections[0].properties
        .private_link_service_connection_state.status,
        "connections": sorted((c.name, c.properties.private_link_service_connection_state.status)
                              for c in site.kv.private_endpoint_connections.list_by_resource(RG, site.vault)),
        "zone": site.dns.private_zones.get(RG, ZONE).as_dict(),
        "link": site.dns.virtual_network_links.get(RG, ZONE, "link").as_dict(),
        "record": site.dns.record_sets.get(RG, ZONE, "A", site.vault).as_dict(),
        "vnets": sorted(str(v.as_dict()) for v in site.network.virtual_networks.list(RG)),
    }


def same_after_restarts(running: Running, look: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Snapshots what `look` observes, restarts the server with SIGTERM and then with SIGKILL on the same data
    directory, and asserts each time that every observation is what it was. Returns the snapshot.

    Under the key "resolvers" (network -> address:port) one change is Azure-neutral and allowed: a network whose
    port-53 address another vaultlink on this machine took while this one was down moves to a new address (the
    test servers of a shared machine all count from 127.77.1.1)."""
    first = look()
    before = _plain(first)
    for kill in (False, True):
        running.restart(kill=kill)
        after = _plain(look())
        old, new = before.get("resolvers") or {}, after.get("resolvers") or {}
        moved = {view: (address, new.get(view)) for view, address in old.items() if new.get(view) != address}
        recorded = _recorded_moves(running)
        unexplained = {view: pair for view, pair in moved.items() if pair[1] is None or not (
            recorded.get(view.lower()) == pair[1].rsplit(":", 1)[0] or _port53_taken(pair[0].rsplit(":", 1)[0]))}
        if old.keys() == new.keys() and not unexplained:
            # a moved resolver's address shows wherever the old one did (vm show's dnsServer, say)
            text = json.dumps(before)
            for was, now in moved.values():
                text = text.replace(f'"{was}"', f'"{now}"')
            before = json.loads(text)
        changed = {key: (before.get(key), after.get(key)) for key in before.keys() | after.keys()
                   if before.get(key) != after.get(key)}
        assert not changed, f"after {'SIGKILL' if kill else 'SIGTERM'}: {changed}"
    return first


def _plain(observed: dict[str, Any]) -> Any:
    """An observation as JSON values (tuples as lists, enums as their text), so two can be compared and rewritten."""
    return json.loads(json.dumps(observed, default=str))


def _recorded_moves(running: Running) -> dict[str, str]:
    """The networks whose resolver this server moved because its address was taken (the server records each move
    in its data directory, with the new address)."""
    try:
        data = json.loads((running.data_dir / "dns-addresses.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k).lower(): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _port53_taken(host: str) -> bool:
    """Whether another process holds port 53 of `host` (UDP), the one reason a resolver may move."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, 53))
        except PermissionError:
            return False  # not root: no port-53 listeners at all, so no reason to move
        except OSError:
            return True
    return False

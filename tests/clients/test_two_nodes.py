"""Two nodes answer as one: two `vaultlink up` processes on one PostgreSQL database, each driven through its own
edge by the real SDKs and `dig`.

- A vault name stays globally unique when both nodes create it at once (one wins, the other gets 409
  VaultAlreadyExists, the store holds one vault), and approve against reject split across the nodes never
  answers 5xx and leaves one state that both sides of the connection and both nodes agree on.
- A write through one node is seen through the other within a second: its ARM GETs, its data plane, its edge
  admission (public network access, the firewall, the connection's state) and its resolvers' answers.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.compute import ComputeManagementClient
from tests.clients.machines_support import inline_vm
from tests.clients.nodes_support import (
    VAULT_ZONE,
    Node,
    at_once,
    have_dig,
    outcome,
    pending_connection,
    postgres_reachable,
    race_approve_reject,
    race_same_name,
    set_state,
    two_nodes,
    unique,
    within,
)
from tests.reliability.conftest import size

pytestmark = pytest.mark.postgres

SOON = 1.0
"""The promise: a write through one node is seen through the other within this many seconds."""


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    if not postgres_reachable():
        pytest.skip("two nodes share a PostgreSQL server; none answers at 127.0.0.1:5432")
    with two_nodes(tmp_path_factory.mktemp("two-nodes")) as pair:
        yield pair


def test_the_same_vault_name_on_both_nodes_at_once_is_taken_once(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    tally = race_same_name(a, b, size(20, 200))
    assert tally.server_errors == 0, tally.outcomes
    assert tally.wrong == [], tally.wrong[:5]
    assert tally.outcomes == {"ok": tally.rounds, "409 VaultAlreadyExists": tally.rounds}


def test_approve_against_reject_across_nodes_settles_on_one_state(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    tally = race_approve_reject(a, b, size(10, 100))
    assert tally.server_errors == 0, tally.outcomes
    assert tally.wrong == [], tally.wrong[:5]


def test_secrets_set_on_both_nodes_at_once_are_both_kept_as_versions(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    group = unique("rg-sec-")
    a.rm().resource_groups.create_or_update(group, {"location": "eastus"})
    vault = unique("kvsec")
    a.kv().vaults.begin_create_or_update(group, vault, a.vault_body()).result()
    on_a, on_b = a.secrets(vault), b.secrets(vault)
    rounds = size(10, 50)
    for i in range(rounds):
        results = at_once(lambda i=i: outcome(lambda: on_a.set_secret("shared", f"a{i}")),
                          lambda i=i: outcome(lambda: on_b.set_secret("shared", f"b{i}")))
        assert results == ["ok", "ok"], results
    versions = list(on_b.list_properties_of_secret_versions("shared"))
    assert len(versions) == 2 * rounds
    assert on_a.get_secret("shared").value == on_b.get_secret("shared").value


def test_arm_and_data_plane_writes_through_one_node_are_seen_through_the_other(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    group = unique("rg-seen-")
    a.rm().resource_groups.create_or_update(group, {"location": "eastus"})
    assert within(SOON, lambda: _exists(lambda: b.rm().resource_groups.get(group))) is not None

    vault = unique("kvseen")
    a.kv().vaults.begin_create_or_update(group, vault, a.vault_body()).result()
    assert within(SOON, lambda: _exists(lambda: b.kv().vaults.get(group, vault))) is not None

    a.secrets(vault).set_secret("from-a", "written through a")
    on_b = b.secrets(vault)
    assert within(SOON, lambda: _value(on_b, "from-a") == "written through a") is not None

    b.secrets(vault).set_secret("from-b", "written through b")
    on_a = a.secrets(vault)
    assert within(SOON, lambda: _value(on_a, "from-b") == "written through b") is not None


def test_admission_follows_network_writes_made_through_the_other_node(nodes: tuple[Node, Node]) -> None:
    """Public network access and the firewall, changed through a, decide b's admission at once."""
    a, b = nodes
    group = unique("rg-adm-")
    a.rm().resource_groups.create_or_update(group, {"location": "eastus"})
    vault = unique("kvadm")
    a.kv().vaults.begin_create_or_update(group, vault, a.vault_body()).result()
    a.secrets(vault).set_secret("s", "v")
    on_b = b.secrets(vault)
    assert _read(on_b) == "ok"

    a.kv().vaults.update(group, vault, {"properties": {"publicNetworkAccess": "Disabled"}})
    assert within(SOON, lambda: _read(on_b) == "403 Forbidden") is not None
    a.kv().vaults.update(group, vault, {"properties": {"publicNetworkAccess": "Enabled"}})
    assert within(SOON, lambda: _read(on_b) == "ok") is not None
    a.kv().vaults.update(group, vault, {"properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "None"}}})
    assert within(SOON, lambda: _read(on_b) == "403 Forbidden") is not None
    a.kv().vaults.update(group, vault, {"properties": {"networkAcls": {"defaultAction": "Allow", "bypass": "None"}}})
    assert within(SOON, lambda: _read(on_b) == "ok") is not None


@pytest.mark.skipif(not have_dig(), reason="dig (dnsutils) is installed by `make test`")
def test_dns_answers_of_the_other_node_follow_topology_writes(nodes: tuple[Node, Node]) -> None:
    """Through a: an approval, a zone, an A record, a link; b's resolvers answer with each within a second."""
    a, b = nodes
    c = pending_connection(a, public=False)
    name = f"{c.vault}.vault.azure.net"
    alias = f"{name}. 60 IN CNAME {c.vault}.{VAULT_ZONE}."
    assert within(SOON, lambda: b.resolver(c.vnet_id) is not None) is not None, "b has no resolver for a's network"
    assert alias not in b.dig(None, name)  # pending: the public chain has no privatelink alias yet

    assert set_state(a, c, "Approved") == "ok"
    assert within(SOON, lambda: alias in b.dig(None, name)) is not None

    dns = a.dns()
    dns.private_zones.begin_create_or_update(c.group, VAULT_ZONE, {"location": "global"}).result()
    dns.record_sets.create_or_update(c.group, VAULT_ZONE, "A", c.vault, {
        "properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.30.1.77"}]}})
    private = f"{c.vault}.{VAULT_ZONE}. 10 IN A 10.30.1.77"
    assert private not in b.dig(c.vnet_id, name)  # not linked yet: the network sees the public answer

    dns.virtual_network_links.begin_create_or_update(c.group, VAULT_ZONE, "link", {"location": "global", "properties": {
        "virtualNetwork": {"id": c.vnet_id}, "registrationEnabled": False}}).result()
    assert within(SOON, lambda: private in b.dig(c.vnet_id, name)) is not None

    dns.record_sets.create_or_update(c.group, VAULT_ZONE, "A", c.vault, {
        "properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.30.1.88"}]}})
    moved = f"{c.vault}.{VAULT_ZONE}. 10 IN A 10.30.1.88"
    assert within(SOON, lambda: moved in b.dig(c.vnet_id, name)) is not None


def _exists(get: Any) -> bool:
    try:
        get()
    except HttpResponseError as e:
        if e.status_code == 404:
            return False
        raise
    return True


def _value(client: Any, name: str) -> str | None:
    try:
        return str(client.get_secret(name).value)
    except HttpResponseError as e:
        if e.status_code == 404:
            return None
        raise


def _read(client: Any) -> str:
    """A secret read through the client's node: "ok", or the refusal's status and code."""
    return outcome(lambda: client.get_secret("s"))


def test_the_connection_limit_and_the_subscription_counts_hold_across_nodes(nodes: tuple[Node, Node]) -> None:
    """More endpoints than a vault may have, created through both nodes at once: exactly 64 connect, the rest get
    PrivateEndpointConnectionsLimitReached, no address is handed out twice, and the subscription's count of
    endpoints (behind its limit) is exactly the endpoints that exist."""
    a, b = nodes
    group = unique("rg-limit-")
    a.rm().resource_groups.create_or_update(group, {"location": "eastus"})
    vault = a.kv().vaults.begin_create_or_update(group, unique("kvlim"), a.vault_body()).result()
    subnet = a.network().virtual_networks.begin_create_or_update(group, "vnet-limit", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
        "subnets": [{"name": "endpoints", "properties": {"addressPrefix": "10.40.1.0/24"}}]}}).result().subnets[0]
    clients = [a.network(), b.network()]

    def create(i: int) -> str:
        return outcome(lambda: clients[i % 2].private_endpoints.begin_create_or_update(group, f"pe-{i}", {
            "location": "eastus", "properties": {"subnet": {"id": subnet.id}, "privateLinkServiceConnections": [
                {"name": "c", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}).result())

    with ThreadPoolExecutor(8) as pool:
        results = Counter(pool.map(create, range(LIMIT + 6)))
    assert results == {"ok": LIMIT, "400 PrivateEndpointConnectionsLimitReached": 6}, results
    for node in (a, b):
        assert len(list(node.kv().private_endpoint_connections.list_by_resource(group, vault.name))) == LIMIT
    endpoints = list(b.network().private_endpoints.list(group))
    addresses = [e.custom_dns_configs[0].ip_addresses[0] for e in endpoints]
    assert len(endpoints) == LIMIT and len(set(addresses)) == LIMIT
    in_subscription = len(list(a.network().private_endpoints.list_by_subscription()))
    assert _count(a, f"{a.subscription}/privateendpoints") == in_subscription


LIMIT = 64


def _count(node: Node, key: str) -> int:
    """A subscription counter as the store holds it."""
    with psycopg.connect(node.store_url, autocommit=True) as conn:
        row = conn.execute("SELECT body FROM records WHERE kind = 'subcount' AND key = %s", (key.lower(),)).fetchone()
    return int(json.loads(row[0])["count"] if isinstance(row[0], str) else row[0]["count"]) if row else 0


def test_a_machine_on_the_other_node_is_admitted_as_the_connection_is_approved_and_rejected(
        nodes: tuple[Node, Node]) -> None:
    """A vault closed to the internet, its pending endpoint in a linked network, a machine there: through b's edge
    the machine is refused until the connection is approved through a, then admitted, then refused once a rejects
    it, on a connection it kept open too."""
    a, b = nodes
    c = pending_connection(a, public=False)
    endpoint = a.network().private_endpoints.get(c.group, c.endpoint)
    address = endpoint.custom_dns_configs[0].ip_addresses[0]
    dns = a.dns()
    dns.private_zones.begin_create_or_update(c.group, VAULT_ZONE, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(c.group, VAULT_ZONE, "link", {"location": "global", "properties": {
        "virtualNetwork": {"id": c.vnet_id}, "registrationEnabled": False}}).result()
    dns.record_sets.create_or_update(c.group, VAULT_ZONE, "A", c.vault, {
        "properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}})
    subnet = a.network().subnets.get(c.group, c.vnet_id.rsplit("/", 1)[1], "endpoints").id
    vm = unique("vm-")
    ComputeManagementClient(a.credential(), a.subscription, retry_total=0, **a.kw).virtual_machines \
        .begin_create_or_update(c.group, vm, inline_vm(subnet)).result()
    exports = b.cli("env", "--vm", vm)
    proxy = next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                 if line.startswith("export HTTPS_PROXY="))
    cred = ClientSecretCredential(a.creds["tenantId"], a.creds["servicePrincipal"]["appId"],
                                  a.creds["servicePrincipal"]["secret"], **b.kw)

    def machine_client() -> SecretClient:
        return SecretClient(f"https://{c.vault}.vault.azure.net", cred, retry_total=0,
                            proxies={"https": proxy}, connection_verify=b.running.ca)

    def seen(client: SecretClient) -> str:
        try:
            client.get_secret("s")
        except HttpResponseError as e:
            if e.status_code == 404:
                return "admitted"
            return str(e.response.json()["error"].get("innererror", {}).get("code"))
        return "admitted"

    assert seen(machine_client()) == "ForbiddenByConnection"
    assert set_state(a, c, "Approved") == "ok"
    # a new connection resolves the name again, now to the endpoint (one kept from before still goes to the
    # public front end it was opened to, as a TCP connection would)
    assert within(SOON, lambda: seen(machine_client()) == "admitted") is not None
    kept = machine_client()
    assert seen(kept) == "admitted"
    assert set_state(a, c, "Rejected") == "ok"
    # the kept connection goes to the endpoint's address: a rejected connection stops admitting it at once
    assert within(SOON, lambda: seen(kept) == "ForbiddenByConnection") is not None
    assert seen(machine_client()) == "ForbiddenByConnection"

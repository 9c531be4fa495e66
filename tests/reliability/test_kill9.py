"""kill -9 under write load: on the seed topology, client threads write through the real SDKs (secrets from the
machine inside the network, connection approvals and rejections, A records, subnets, network tags) while the
server is killed with SIGKILL at random moments and started again on the same data directory.

Every start must succeed, every write the client got a 2xx for must read back after the last kill, the DNS answers
for the vault's name must be what they were before the first kill, and no answer may be a 5xx.
Writes whose answer never came may or may not have landed; for a key with one writer (a connection's state, a
network's tags) the value read back is the last acknowledged one or one of those attempted after it.
"""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient

from tests.clients.seed_support import RG, ZONE, Site, build_seed, dig, owner, sdk_options, view_of
from tests.reliability.conftest import Probe, size
from tests.vaultlink_process import Running, start

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")

# short requests: a write in flight when the server dies fails fast, and the writer goes on with the next
# A start under this write load (the writers resume the moment the edge listens) can take tens of seconds on
# PostgreSQL on a busy machine; a start that does not finish in this time counts as failed.
START_TIMEOUT = 120.0
CLIENT = {"retry_total": 0, "connection_timeout": 5, "read_timeout": 20}


@dataclass
class Ledger:
    """What the clients were told: acknowledged writes by key, and for one-writer keys what was tried after."""

    acked: dict[str, object] = field(default_factory=dict)
    tried_after: dict[str, list[object]] = field(default_factory=dict)
    attempts: int = 0
    acks: int = 0
    server_errors: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    """4xx answers by status and code (a refused write is not acknowledged, and not lost)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, key: str, value: object, call: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Runs one write (`call(*args, **kwargs)`) and notes whether the client got its 2xx."""
        with self.lock:
            self.attempts += 1
            self.tried_after.setdefault(key, []).append(value)
        try:
            call(*args, **kwargs)
        except HttpResponseError as err:
            with self.lock:
                if err.status_code is not None and err.status_code >= 500:
                    self.server_errors.append(f"{key}: {err.status_code} {str(err)[:200]}")
                else:
                    self.refused[f"{err.status_code} {err.error.code if err.error else ''}".strip()] += 1
            time.sleep(0.05)
            return
        except Exception:  # the server is down or restarting: not acknowledged  # noqa: BLE001
            time.sleep(0.05)
            return
        with self.lock:
            self.acks += 1
            self.acked[key] = value
            self.tried_after[key] = []


def writers(site: Site, ledger: Ledger, stop: threading.Event) -> list[threading.Thread]:
    running = site.running
    kw = sdk_options(running.proxy, running.ca, **CLIENT)
    cred = owner(running)
    sub = running.credentials["subscriptionId"]
    network = NetworkManagementClient(cred, sub, **kw)
    dns = PrivateDnsManagementClient(cred, sub, **kw)
    kv = KeyVaultManagementClient(cred, sub, **kw)
    manual = site.connection("pe-manual").name

    def secrets(thread: int) -> None:
        proxy = site.proxies["inside-vm"]
        client = SecretClient(f"https://{site.vault}.vault.azure.net", owner(running, proxy),
                              **sdk_options(proxy, running.ca, **CLIENT))
        i = 0
        while not stop.is_set():
            name, value = f"s{thread}-{i}", f"value {thread} {i}"
            ledger.write(f"secret/{name}", value, client.set_secret, name, value)
            i += 1

    def approvals() -> None:
        i = 0
        while not stop.is_set():
            status = ("Approved", "Rejected")[i % 2]
            ledger.write("connection", status, kv.private_endpoint_connections.put, RG, site.vault, manual, {
                "properties": {"privateLinkServiceConnectionState": {"status": status, "description": f"n{i}"}}})
            i += 1

    def records() -> None:
        i = 0
        while not stop.is_set():
            name, address = f"rec{i}", f"10.1.{5 + i // 250}.{1 + i % 250}"
            ledger.write(f"record/{name}", address, dns.record_sets.create_or_update, RG, ZONE, "A", name, {
                "properties": {"ttl": 30, "aRecords": [{"ipv4Address": address}]}})
            i += 1

    def subnets() -> None:
        i = 0
        while not stop.is_set() and i < 4096:
            name, prefix = f"sub{i}", f"10.9.{i // 16}.{(i % 16) * 16}/28"
            # polling=False: the PUT's own 2xx is the acknowledgement
            ledger.write(f"subnet/{name}", prefix, network.subnets.begin_create_or_update,
                         RG, "vnet-load", name, {"properties": {"addressPrefix": prefix}}, polling=False)
            ledger.write("vnet-tags", str(i), network.virtual_networks.update_tags,
                         RG, "vnet-unlinked", {"tags": {"n": str(i)}})
            i += 1

    jobs: list[Callable[[], None]] = [lambda: secrets(0), lambda: secrets(1), approvals, records, subnets]
    return [threading.Thread(target=job, daemon=True) for job in jobs]


def read_back(site: Site, ledger: Ledger, probe: Probe) -> list[str]:
    """Reads every acknowledged write back, one case each; the list of those that do not read as acknowledged."""
    running = site.running
    kw = sdk_options(running.proxy, running.ca)
    cred = owner(running)
    sub = running.credentials["subscriptionId"]
    network = NetworkManagementClient(cred, sub, **kw)
    dns = PrivateDnsManagementClient(cred, sub, **kw)
    proxy = site.proxies["inside-vm"]
    secrets = SecretClient(f"https://{site.vault}.vault.azure.net", owner(running, proxy), **sdk_options(proxy, running.ca))
    lost = []
    for key, value in sorted(ledger.acked.items()):
        kind, _, name = key.partition("/")
        allowed = [value, *ledger.tried_after.get(key, [])]
        try:
            if kind == "secret":
                found: object = secrets.get_secret(name).value
            elif kind == "record":
                found = dns.record_sets.get(RG, ZONE, "A", name).a_records[0].ipv4_address
            elif kind == "subnet":
                found = network.subnets.get(RG, "vnet-load", name).address_prefix
            elif kind == "connection":
                found = site.connection("pe-manual").properties.private_link_service_connection_state.status
            else:
                found = (network.virtual_networks.get(RG, "vnet-unlinked").tags or {}).get("n")
        except HttpResponseError as err:
            found = f"{err.status_code} {err.reason}"
        failure = None if found in allowed else f"{key}: acknowledged {value!r}, reads {found!r}"
        probe.case(failure)
        if failure:
            lost.append(failure)
    return lost


def vault_answers(site: Site) -> dict[str, str]:
    name = f"{site.vault}.vault.azure.net"
    running = site.running
    return {where: dig(resolver, name) for where, resolver in (
        ("linked", view_of(running, "vnet-linked")), ("unlinked", view_of(running, "vnet-unlinked")),
        ("internet", running.state["dns"][0]))}


def server(data_dir: Path, store: str) -> Running:
    if store == "postgresql":
        from tests.postgres import database_for

        return start(data_dir, "--store", database_for(data_dir))
    return start(data_dir)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    running = server(tmp_path / "data", request.param)
    try:
        site = build_seed(running)
        site.network.virtual_networks.begin_create_or_update(RG, "vnet-load", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}).result()
        yield site
    finally:
        running.stop()


def test_kill9(seeded: Site, probe: Probe) -> None:
    site, running = seeded, seeded.running
    kills = size(3, 50)
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    probe.figures["seed"] = seed
    baseline = vault_answers(site)
    assert baseline["linked"].endswith("10.1.0.4") and baseline["internet"].startswith("NOERROR")
    ledger, stop = Ledger(), threading.Event()
    threads = writers(site, ledger, stop)
    for thread in threads:
        thread.start()
    starts, slowest = 0, 0.0
    try:
        for kill in range(kills):
            time.sleep(rng.uniform(0.2, 1.5))
            began = time.monotonic()
            try:
                running.restart(kill=True, timeout=START_TIMEOUT)
                starts += 1
                slowest = max(slowest, time.monotonic() - began)
            except RuntimeError as err:  # the start failed: the probe's worst finding
                probe.case(f"start after kill {kill + 1} failed: {str(err)[-400:]}")
                running.restart(kill=True, timeout=START_TIMEOUT)
                continue
            answers = vault_answers(site)
            probe.case(None if answers == baseline else f"DNS after kill {kill + 1}: {answers} != {baseline}")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    running.restart(kill=True, timeout=START_TIMEOUT)  # the last writes, too, meet a kill before they are read back
    starts += 1
    lost = read_back(site, ledger, probe)
    for failure in ledger.server_errors:
        probe.case(failure)
    probe.figures.update({"kills": kills + 1, "starts": starts, "attempted": ledger.attempts,
                          "acknowledged": ledger.acks, "lost": len(lost), "5xx": len(ledger.server_errors),
                          "slowest start": f"{slowest:.1f} s", "refused": dict(ledger.refused.most_common(4))})
    assert vault_answers(site) == baseline
    assert not probe.failures, probe.failures[:5]
    assert ledger.acks > kills  # the load did run

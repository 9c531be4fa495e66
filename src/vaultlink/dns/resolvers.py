"""The resolvers a machine can ask: the internet's, and one per virtual network (its Azure-provided DNS, at
168.63.129.16 in Azure), each on a loopback address of its own so a query's listener is its location.

Each network's address is kept in the store, so it stays the same across restarts; a node that finds it taken
(a second node sharing the store, or another vaultlink holding its port 53) moves that network to a new address
of its own, kept in its data directory. When the server may bind
port 53 (as root), every resolver also answers there, so `vaultlink vm exec` can make it a machine's system
resolver. A network whose custom DNS servers name a forwarder answers as the forwarder's network does; one
whose custom DNS server nobody serves is refused. Each DNS Private Resolver inbound endpoint has a listener of its
own answering as Azure DNS of its network, and each on-premises site one for its DNS server.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from vaultlink.core.files import write_private
from vaultlink.dns.server import DnsServer
from vaultlink.network.resolve import view_for
from vaultlink.network.topology import SITE_PREFIX, Topology, site_view
from vaultlink.store import Store

log = logging.getLogger("vaultlink.dns")

VIEW_ADDRESS = "dnsview"
NEXT = ("setting", "dnsview-next")
SYSTEM_PORT = 53
RELEVANT = ("/microsoft.network/virtualnetworks/", "/microsoft.compute/virtualmachines/",
            "/microsoft.network/dnsresolvers/", "/microsoft.network/connections/",
            "/microsoft.network/localnetworkgateways/", "/microsoft.network/virtualnetworkgateways/")
"""Writes that can change which listeners there are or whom they answer as: networks (custom DNS servers,
peerings), machines (forwarders), resolver endpoints, and the VPN connections that put a site's DNS server in
reach. Sites themselves are written by `vaultlink site`, another process, whose writes always reconcile."""
MOVES = 2000
"""How many taken addresses a network's resolver moves past before giving up: every other vaultlink on the
machine (each test server, each node) may hold one port-53 address per network of its own."""


def _probe(address: str) -> int:
    """0 when port 53 of `address` can be bound (UDP and TCP), else the errno that says why not."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, SYSTEM_PORT))
            except OSError as e:
                return e.errno or -1
    return 0


class Snapshots(Protocol):
    """The topology as the control plane keeps it current, and who to tell when it changes."""

    listeners: list[Callable[[], None]]
    last_write: str | None
    """The path of this process's latest write; None when the latest change came from elsewhere."""

    def __call__(self) -> Topology: ...


def address_for(index: int) -> str:
    return f"127.77.{1 + index // 250}.{1 + index % 250}"


class Resolvers:
    def __init__(self, dns: DnsServer, snapshots: Snapshots, store: Store, host: str, port: int,
                 moved_file: Path | None = None) -> None:
        self.dns = dns
        self.moved_file = moved_file
        self._moved_here: dict[str, str] = {}
        self.snapshots = snapshots
        self.store = store
        self.host = host
        self.port = port
        self.internet: tuple[str, int] | None = None
        self.networks: dict[str, tuple[str, int]] = {}
        self.system: dict[str | None, str] = {}
        self._shape: dict[str, tuple[Any, bool]] = {}
        self._pending: asyncio.Task[None] | None = None
        self._again = False
        self._reconciling = asyncio.Lock()
        """One reconciliation at a time: each awaits binds, and two interleaved ones would both see a network
        without its listener and both bind it."""

    async def start(self) -> None:
        self.internet = await self.dns.add_view(None, self.host, self.port)
        for last in range(1, 250):  # another vaultlink on this machine may hold the first alias already
            if await self._system_listener(None, f"127.77.0.{last}", None, False) != errno.EADDRINUSE:
                break
        self.snapshots.listeners.append(self.dns.invalidate)
        self.snapshots.listeners.append(self.schedule)
        await self.reconcile()

    async def _system_listener(self, view: str | None, address: str, answer_as: Any, refuse: bool) -> int:
        """Also answers on port 53 of `address` when allowed; returns 0, or the errno that stopped it."""
        if self.port == SYSTEM_PORT:
            return 0
        probe = _probe(address)  # uvloop's bind errors carry no errno; a plain socket's do
        if probe:
            return probe
        try:
            await self.dns.add_view(f"{view or 'internet'}#53", address, SYSTEM_PORT, answer_as=answer_as, refuse=refuse)
            self.system[view] = address
            return 0
        except OSError as e:  # port 53 needs root; the resolvers still answer on their own port
            return e.errno or -1

    def schedule(self) -> None:
        """The topology changed: bring the listeners in line (once, however many changes come at once).
        Only networks (their custom DNS servers), machines (forwarders) and whole groups matter; a record set
        or an endpoint written here changes no listener, and rebuilding the topology for it would cost a write
        more the more resources there are."""
        last = self.snapshots.last_write
        if last is not None and "/providers/" in last and not any(t in last for t in RELEVANT):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._pending is not None and not self._pending.done():
            self._again = True
            return
        self._pending = loop.create_task(self._reconcile_until_settled())

    async def _reconcile_until_settled(self) -> None:
        while True:
            self._again = False
            try:
                await self.reconcile()
            except Exception:
                log.exception("dns: could not bring the resolvers in line with the networks")
            if not self._again:
                return

    async def reconcile(self) -> None:
        async with self._reconciling:
            await self._reconcile()

    async def _reconcile(self) -> None:
        topology = self.snapshots()
        wanted: dict[str, tuple[Any, bool]] = {}
        for vnet in topology.vnets:
            view = view_for(topology, vnet)
            wanted[vnet] = (None, True) if view is None else (view[0], False)
        for endpoint in topology.inbound_endpoints:  # each answers as Azure DNS of its network
            wanted[endpoint.id] = (endpoint.vnet, False)
        for site in topology.sites.values():  # a site's DNS server, for its machines
            wanted[site_view(site.name)] = (site_view(site.name), False)
        for vnet in [v for v in self.networks if v not in wanted or wanted[v] != self._shape.get(v)]:
            await self.dns.remove_view(vnet)
            if f"{vnet}#53" in self.dns.views:
                await self.dns.remove_view(f"{vnet}#53")
            self.networks.pop(vnet, None)
            self.system.pop(vnet, None)
            self._shape.pop(vnet, None)
        for vnet, (answer_as, refuse) in wanted.items():
            if vnet in self.networks:
                continue
            address = self._address(vnet)
            for _ in range(MOVES):
                # An address whose port 53 another vaultlink on this machine holds is given up for a new one, so
                # that every network of this server can be a machine's system resolver; so is one whose resolver
                # port another process holds (a second node on the same store, whose networks share addresses).
                if await self._system_listener(vnet, address, answer_as, refuse) == errno.EADDRINUSE:
                    address = self._address(vnet, fresh=True)
                    continue
                try:
                    self.networks[vnet] = await self.dns.add_view(vnet, address, self.port, answer_as=answer_as,
                                                                  refuse=refuse)
                except OSError as e:
                    log.warning("dns: %s:%d is taken (%s); the resolver of %s moves to another address", address,
                                self.port, e, vnet)
                    if f"{vnet}#53" in self.dns.views:
                        await self.dns.remove_view(f"{vnet}#53")
                        self.system.pop(vnet, None)
                    address = self._address(vnet, fresh=True)
                    continue
                self._shape[vnet] = (answer_as, refuse)
                break
            else:
                raise OSError(f"no loopback address is free for the resolver of {vnet}")

    def _address(self, vnet: str, *, fresh: bool = False) -> str:
        """The network's resolver address: this node's own choice when it had to move (kept in the data
        directory, so it lasts across restarts without moving another node's), else the one in the store."""
        moved = self._moved()
        if vnet in moved and not fresh:
            return moved[vnet]
        rec = self.store.get(VIEW_ADDRESS, vnet)
        if rec is not None and not fresh:
            return str(rec.body["address"])
        with self.store.transaction() as tx:
            rec = tx.get(VIEW_ADDRESS, vnet)
            if rec is not None and not fresh:
                return str(rec.body["address"])
            counter = tx.get(*NEXT)
            index = int(counter.body["next"]) if counter else 0
            tx.put(*NEXT, {"next": index + 1}, expect=counter.version if counter else 0)
            address = address_for(index)
            if rec is None:
                tx.put(VIEW_ADDRESS, vnet, {"address": address}, expect=0)
                return address
        moved[vnet] = address
        if self.moved_file is not None:
            write_private(self.moved_file, json.dumps(moved, indent=1).encode())
        return address

    def _moved(self) -> dict[str, str]:
        if self.moved_file is None:
            return self._moved_here
        try:
            data = json.loads(self.moved_file.read_text())
        except (OSError, ValueError):
            return self._moved_here
        self._moved_here.update({str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {})
        return self._moved_here

    def status(self) -> dict[str, Any]:
        topology = self.snapshots()
        inbound = {e.id: e.address for e in topology.inbound_endpoints}
        return {
            "dns": [f"{h}:{p}" for h, p in ([self.internet] if self.internet else [])],
            "dnsViews": {vnet: f"{h}:{p}" for vnet, (h, p) in self.networks.items()
                         if vnet not in inbound and not vnet.startswith(SITE_PREFIX)},
            "dnsInboundEndpoints": {key: {"privateIp": inbound[key], "dns": f"{h}:{p}"}
                                    for key, (h, p) in self.networks.items() if key in inbound},
            "dnsSites": {key[len(SITE_PREFIX):]: f"{h}:{p}" for key, (h, p) in self.networks.items()
                         if key.startswith(SITE_PREFIX)},
            "sites": {site.name: {"dnsServer": site.dns_address, "vnets": list(site.vnets),
                                  "forwarders": {f.domain: list(f.targets) for f in site.forwarders},
                                  "machines": sorted(m.name for m in topology.machines.values()
                                                     if m.subnet == site_view(site.name))}
                      for site in topology.sites.values()},
            "dnsViews53": {vnet: address for vnet, address in self.system.items() if vnet is not None},
            "dnsInternet53": self.system.get(None),
        }

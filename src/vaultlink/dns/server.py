"""The DNS server: one UDP and one TCP listener per view, on a loopback address of its own.

A view is where the asking machine sits: None is the internet's resolver, a virtual network's id key is that
network's Azure-provided resolver (168.63.129.16 inside Azure). Which listener a query reaches is what tells
the server where it came from, so every view has its own address. A view can also stand for a network whose
DNS servers setting (dhcpOptions.dnsServers) points elsewhere: `answer_as` answers as another view would (a
forwarder in another network), `refuse` answers REFUSED to everything (an address nobody serves).

Only 127.0.0.0/8 is ever bound, and nothing is ever forwarded off the machine: names vaultlink does not serve
are REFUSED.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from vaultlink.dns.responder import CACHE_SIZE, Delayed, Responder, Source
from vaultlink.network.topology import Topology

log = logging.getLogger("vaultlink.dns")

TCP_IDLE = 10.0
"""Seconds a TCP connection may stay silent before it is closed (RFC 7766 asks for a few seconds)."""
RECHECK = 1.0
"""Seconds between checks that the snapshot is still the one the cached answers came from."""
_BIND_TRIES = 20


class _Itself(enum.Enum):
    VIEW = "itself"


ITSELF = _Itself.VIEW
"""`answer_as` default: the view answers as itself."""


def require_loopback(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the DNS server binds loopback addresses only (127.0.0.0/8), not {host!r}") from None
    if not (address.version == 4 and address in ipaddress.ip_network("127.0.0.0/8")):
        raise ValueError(f"the DNS server binds loopback addresses only (127.0.0.0/8), not {host}")


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, responder: Responder) -> None:
        self.answer = responder.answer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # the selector loop's is not a subclass

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        try:
            reply = self.answer(data, True)
        except Exception:  # one bad packet must not stop the listener
            log.exception("dns: a UDP query from %s broke the responder", addr)
            return
        if isinstance(reply, Delayed) and self.transport is not None:
            asyncio.get_running_loop().call_later(reply.delay, self.transport.sendto, bytes(reply), addr)
        elif reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        log.debug("dns: UDP error %s", exc)


class _Tcp(asyncio.Protocol):
    """Length-prefixed messages (RFC 1035 4.2.2), any number per connection, answered in order."""

    def __init__(self, listener: _Listener) -> None:
        self.listener = listener
        self.answer = listener.responder.answer
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.last = self.loop.time()
        self.begun: float | None = None
        """When the message now arriving began: it must be whole within the idle time, however it trickles in."""
        self.idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.listener.connections.add(self)
        self.idle = self.loop.call_later(self.listener.idle, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.listener.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()

    def _check_idle(self) -> None:
        deadline = self.last if self.begun is None else min(self.last, self.begun)
        left = deadline + self.listener.idle - self.loop.time()
        if left > 0:
            self.idle = self.loop.call_later(left, self._check_idle)
        elif self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.last = self.loop.time()
        buffer = self.buffer
        buffer += data
        replies = []
        while len(buffer) >= 2:
            size = (buffer[0] << 8) | buffer[1]
            if len(buffer) < 2 + size:
                break
            message = bytes(buffer[2:2 + size])
            del buffer[:2 + size]
            try:
                reply = self.answer(message, False)
            except Exception:
                log.exception("dns: a TCP query broke the responder")
                reply = None
            if reply is None:  # not DNS: hang up
                self.close()
                return
            if isinstance(reply, Delayed) and self.transport is not None:
                self.loop.call_later(reply.delay, self._write_late, len(reply).to_bytes(2, "big") + reply)
                continue
            replies.append(len(reply).to_bytes(2, "big") + reply)
        if not buffer:
            self.begun = None
        elif self.begun is None or replies:
            self.begun = self.last  # a new message has begun
        if replies and self.transport is not None:
            self.transport.write(b"".join(replies))

    def _write_late(self, message: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(message)

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()  # a client that does not read gets no more answers queued

    def resume_writing(self) -> None:
        if self.transport is not None:
            self.transport.resume_reading()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class _Listener:
    responder: Responder
    address: tuple[str, int]
    idle: float
    udp: asyncio.DatagramTransport | None = None
    tcp: asyncio.Server | None = None
    connections: set[_Tcp] = field(default_factory=set)

    async def close(self) -> None:
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()
            for connection in list(self.connections):
                connection.close()
            await self.tcp.wait_closed()
        self.responder.detach()


class DnsServer:
    """vaultlink's resolvers. `snapshot` returns the current topology (the same object while nothing changed);
    the runtime calls `invalidate()` whenever it changes."""

    def __init__(self, snapshot: Callable[[], Topology], *, cache_size: int = CACHE_SIZE, tcp_idle: float = TCP_IDLE,
                 recheck: float | None = RECHECK) -> None:
        self.source = Source(snapshot)
        self.cache_size = cache_size
        self.tcp_idle = tcp_idle
        self.recheck = recheck
        self._listeners: dict[str | None, _Listener] = {}
        self._timer: asyncio.TimerHandle | None = None

    @property
    def views(self) -> dict[str | None, tuple[str, int]]:
        """Where each view listens (UDP and TCP on the same address and port)."""
        return {view: listener.address for view, listener in self._listeners.items()}

    def invalidate(self) -> None:
        """The topology changed: drop every cached answer (safe to call from any thread)."""
        self.source.invalidate()

    async def add_view(self, view: str | None, host: str, port: int, *, answer_as: str | None | _Itself = ITSELF,
                       refuse: bool = False) -> tuple[str, int]:
        """Starts the UDP and TCP listeners of one view on host:port (port 0: a free one) and returns the
        address bound. `answer_as` answers as another view (None: the internet); `refuse` answers REFUSED."""
        require_loopback(host)
        if view in self._listeners:
            raise ValueError(f"the view {view!r} already listens on {self._listeners[view].address}")
        loop = asyncio.get_running_loop()
        answering = view if isinstance(answer_as, _Itself) else answer_as
        responder = Responder(self.source, answering, refuse=refuse, cache_size=self.cache_size)
        try:
            listener = await self._bind(loop, responder, host, port)
        except BaseException:
            responder.detach()
            raise
        self._listeners[view] = listener
        if self._timer is None and self.recheck:
            self._timer = loop.call_later(self.recheck, self._recheck)
        how = "refusing everything" if refuse else f"as {answering or 'the internet'}"
        log.info("dns: the resolver of %s listens on %s:%d (UDP and TCP), answering %s", view or "the internet",
                 *listener.address, how)
        return listener.address

    async def _bind(self, loop: asyncio.AbstractEventLoop, responder: Responder, host: str, port: int) -> _Listener:
        # port 0 picks a free UDP port; the same number may be taken for TCP, so try again a few times
        for attempt in range(1 if port else _BIND_TRIES):
            udp, _ = await loop.create_datagram_endpoint(functools.partial(_Udp, responder), local_addr=(host, port))
            bound = udp.get_extra_info("sockname")[1]
            listener = _Listener(responder, (host, bound), self.tcp_idle, udp)
            try:
                listener.tcp = await loop.create_server(functools.partial(_Tcp, listener), host, bound)
            except OSError:
                udp.close()
                if port or attempt == _BIND_TRIES - 1:
                    raise
                continue
            return listener
        raise OSError(f"no free port on {host} for both UDP and TCP")  # pragma: no cover - loop always returns

    async def remove_view(self, view: str | None) -> None:
        listener = self._listeners.pop(view, None)
        if listener is not None:
            await listener.close()

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for view in list(self._listeners):
            await self.remove_view(view)

    def _recheck(self) -> None:
        try:
            self.source.recheck()
        except Exception:  # the store may be briefly unavailable: try again next time
            log.exception("dns: checking the topology snapshot failed")
        if self._listeners and self.recheck:
            self._timer = asyncio.get_running_loop().call_later(self.recheck, self._recheck)
        else:
            self._timer = None

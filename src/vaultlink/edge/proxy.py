"""The edge's listener: one port, three ways in, one connection's life each.

A connection's first bytes decide what it is:

1. `CONNECT host:port HTTP/1.x` (HTTP/1.0 without headers from Python 3.11 clients, HTTP/1.1 with headers
   from the rest): the proxy credential gives the location (`locate`), the host gives the app (`route`); the
   edge answers `200 Connection Established`, terminates TLS with a leaf certificate for that host, and
   serves HTTP/1.1 over the tunnel to that app for as long as the client keeps it.
2. A TLS ClientHello (first byte 0x16): direct TLS, the certificate chosen by SNI; the caller is on the
   internet (`locate(None)`) and each request goes where its Host header says.
3. Anything else is plain HTTP: absolute-form proxy requests (`GET http://host/path`) are routed by that
   host, with the location their Proxy-Authorization gives; origin-form requests by their Host header.

Nothing is ever dialled: a host no app serves is refused with a reason that names it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from typing import Any, Self, cast

from vaultlink.edge import accesslog
from vaultlink.edge.ca import CertificateAuthority
from vaultlink.edge.hostroutes import Locate, Refusal, Route
from vaultlink.edge.http import BODY_TIMEOUT, HEAD_TIMEOUT, HttpSession, split_authority
from vaultlink.edge.request import Dispatch, Request, Target
from vaultlink.edge.response import PROXY_AUTHENTICATE
from vaultlink.edge.tls import TlsLayer
from vaultlink.network.location import Location

QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)

log = logging.getLogger("vaultlink.edge")

BACKLOG = 1024
MAX_CONNECT_HEAD = 16 * 1024
CONNECT_ESTABLISHED = b"HTTP/1.1 200 Connection Established\r\n\r\n"
TLS_HANDSHAKE = 0x16
DUPLICATE_CREDENTIAL = "The request has more than one Proxy-Authorization header"


class Edge:
    """vaultlink's HTTPS proxy: the one door every client's HTTP traffic comes through."""

    def __init__(
        self,
        *,
        ca: CertificateAuthority,
        route: Route,
        locate: Locate,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body_bytes: int = 4 * 1024 * 1024,
        idle_timeout: float = 300.0,
        head_timeout: float = HEAD_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        self.ca = ca
        self.route = route
        self.locate = locate
        self.max_body_bytes = max_body_bytes
        self.idle_timeout = idle_timeout
        """Seconds a connection may sit with no request in flight and no byte received before it is closed."""
        self.head_timeout = head_timeout
        """Seconds from a connection's first byte to its first complete request head (past a CONNECT and the TLS
        handshake when it tunnels), and from any later request's first byte to the end of its head."""
        self.body_timeout = body_timeout
        """Seconds a request's body may take after its head."""
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self.sni_context = ca.ssl_context_by_sni()

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The bound port (the one the OS chose, when constructed with port 0 and started)."""
        return self._port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self._host, self._port, backlog=BACKLOG, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("edge listening on %s:%d", self._host, self._port)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for connection in list(self._connections):
            connection.abort()
        await server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class _Connection(asyncio.Protocol):
    """One client connection: sniff its first bytes, then feed a TLS layer and/or an HTTP session."""

    def __init__(self, edge: Edge) -> None:
        self._edge = edge
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] = ("", 0)
        self._buffer = b""
        self._tls: TlsLayer | None = None
        self._session: HttpSession | None = None
        self._receive = self._sniff
        self._heard = False
        self._idle_handle: asyncio.TimerHandle | None = None
        self._head_handle: asyncio.TimerHandle | None = None
        self._internet: Location | Refusal | None = None
        self._targets: dict[tuple[str, int | None], Target] = {}
        self._socket: socket.socket | None = None

    # ---- asyncio.Protocol ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but they are one
        self._transport = transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if peer:
            self._client = (str(peer[0]), int(peer[1]))
        self._socket = _own_socket(transport.get_extra_info("socket"))
        self._quickack()
        self._edge._connections.add(self)
        loop = asyncio.get_running_loop()
        self._idle_handle = loop.call_later(self._edge.idle_timeout, self._check_idle)
        self._head_handle = loop.call_later(self._edge.head_timeout, self._first_head_timed_out)

    def _quickack(self) -> None:
        """Acknowledge at once. A client that writes a request's head and body separately without
        TCP_NODELAY (requests through a tunnel does) would otherwise wait for our delayed ACK: ~40 ms a write.
        Linux clears the flag after each ACK, so it is set again after every read that leaves the client
        with more to send (setting it sends the ACK the read scheduled). A read that completed a request
        needs none: the answer, written at once, carries the ACK."""
        if QUICKACK is not None and self._socket is not None:
            try:
                self._socket.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
            except OSError:
                self._drop_socket()

    def _drop_socket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        try:
            self._receive(data)
        except Exception:
            log.exception("edge: unexpected failure on the connection from %s:%d", *self._client)
            self.abort()
            return
        session = self._session
        if session is None or not session.answering:
            self._quickack()

    def eof_received(self) -> bool:
        if self._session is None:
            return False  # nothing asked yet: close
        self._session.feed_eof()
        return True  # keep the write side open to answer what was asked

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.debug("connection from %s:%d lost: %s", *self._client, exc)
        self._edge._connections.discard(self)
        self._drop_socket()
        if self._idle_handle is not None:
            self._idle_handle.cancel()
        self._first_head_arrived()
        if self._session is not None:
            self._session.connection_lost()
        self._receive = self._ignore

    def pause_writing(self) -> None:
        if self._session is not None:
            self._session.pause_writing()

    def resume_writing(self) -> None:
        if self._session is not None:
            self._session.resume_writing()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # ---- the first bytes -------------------------------------------------------------------------------

    def _sniff(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        self._buffer = b""
        transport = self._transport
        assert transport is not None
        if buffer[0] == TLS_HANDSHAKE:
            self._start_tls(self._edge.sni_context, self._dispatch_direct)
            self._receive_tls(buffer)
        elif buffer.startswith(b"CONNECT "):
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                self._connect(buffer[:end], buffer[end + 4 :])
            elif len(buffer) > MAX_CONNECT_HEAD:
                self._refuse(Refusal(431, "The CONNECT request's head is too large"))
            else:
                self._buffer = buffer
        elif len(buffer) < 8 and b"CONNECT ".startswith(buffer):
            self._buffer = buffer  # maybe a CONNECT arriving a byte at a time
        else:
            session = HttpSession(
                _TransportPipe(transport),
                self._dispatch_plain,
                scheme="http",
                client=self._client,
                max_body_bytes=self._edge.max_body_bytes,
                head_timeout=self._edge.head_timeout,
                body_timeout=self._edge.body_timeout,
                on_head=self._first_head_arrived,
            )
            self._session = session
            self._receive = session.feed
            session.feed(buffer)

    def _connect(self, head: bytes, rest: bytes) -> None:
        lines = head.split(b"\r\n")
        words = lines[0].split()
        if len(words) != 3 or not words[2].startswith(b"HTTP/1."):
            self._refuse(Refusal(400, "The CONNECT request is malformed"))
            return
        host, port = split_authority(words[1].decode("latin-1"))
        if not host:
            self._refuse(Refusal(400, "The CONNECT request names no host"))
            return
        credentials = [
            value.strip().decode("latin-1")
            for name, _, value in (line.partition(b":") for line in lines[1:])
            if name.strip().lower() == b"proxy-authorization"
        ]
        if len(credentials) > 1:
            # which of them names the caller is ambiguous: no location is taken from either
            self._refuse(Refusal(400, DUPLICATE_CREDENTIAL))
            return
        authorization = credentials[0] if credentials else None
        location = self._edge.locate(authorization)
        if isinstance(location, Refusal):
            if accesslog.enabled():
                accesslog.record_refused_connect(host, port, "-", location.status)
            self._refuse(location)
            return
        served = self._edge.route(host, location)
        if isinstance(served, Refusal) and served.unanswered:
            self._first_head_arrived()  # held open on purpose, as a dial to nowhere would be
            log.info("CONNECT %s from %s left unanswered: %s", host, location.describe(), served.reason)
            self._receive = self._ignore  # the idle check closes it, if the client never gives up
            return
        if isinstance(served, Refusal):
            log.info("CONNECT %s from %s refused: %s", host, location.describe(), served.reason)
            if accesslog.enabled():
                accesslog.record_refused_connect(host, port, location.describe(), served.status)
            self._refuse(served)
            return
        context = self._edge.ca.ssl_context_for(host)
        target = Target(served.app, served.arrival, port or 443)
        assert self._transport is not None
        self._transport.write(CONNECT_ESTABLISHED)
        self._start_tls(context, lambda request: target)
        if rest:
            self._receive_tls(rest)

    # ---- the first head's deadline ----------------------------------------------------------------------

    def _first_head_arrived(self) -> None:
        handle, self._head_handle = self._head_handle, None
        if handle is not None:
            handle.cancel()

    def _first_head_timed_out(self) -> None:
        """No complete request head within the head timeout of connecting: 408 where HTTP can still be spoken
        (before a CONNECT's head is whole, or inside the tunnel mid-request), else (mid-handshake) close."""
        self._head_handle = None
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        seconds = f"{self._edge.head_timeout:g}"
        log.info("connection from %s:%d sent no complete request head within %s s", *self._client, seconds)
        session = self._session
        if session is None:
            self._refuse(Refusal(408, f"Request Timeout: no complete request head within {seconds} seconds"))
        elif session.receiving:
            session.time_out("head")
        else:
            self._receive = self._ignore
            transport.close()

    def _refuse(self, refusal: Refusal) -> None:
        """Answer the connection's only request with a refusal, and close."""
        body = refusal.reason.encode("utf-8") + b"\n"
        authenticate = PROXY_AUTHENTICATE if refusal.status == 407 else b""
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n%s"
            b"connection: close\r\n\r\n" % (refusal.status, refusal.phrase, len(body), authenticate)
        )
        assert self._transport is not None
        self._transport.write(head + body)
        self._transport.close()
        self._receive = self._ignore

    # ---- TLS -------------------------------------------------------------------------------------------

    def _start_tls(self, context: ssl.SSLContext, dispatch: Dispatch) -> None:
        assert self._transport is not None
        self._tls = TlsLayer(self._transport, context)
        self._session = HttpSession(
            self._tls, dispatch, scheme="https", client=self._client, max_body_bytes=self._edge.max_body_bytes,
            head_timeout=self._edge.head_timeout, body_timeout=self._edge.body_timeout,
            on_head=self._first_head_arrived,
        )
        self._receive = self._receive_tls

    def _receive_tls(self, data: bytes) -> None:
        tls, session = self._tls, self._session
        assert tls is not None and session is not None
        try:
            plaintext = tls.feed(data)
        except ssl.SSLError as error:
            log.debug("TLS from %s:%d failed: %s", *self._client, error)
            self._receive = self._ignore
            assert self._transport is not None
            self._transport.close()
            return
        if plaintext:
            session.feed(plaintext)
        if tls.peer_closed:
            session.feed_eof()

    def _ignore(self, data: bytes) -> None:
        pass

    # ---- where each request goes -------------------------------------------------------------------------

    def _dispatch_direct(self, request: Request) -> Target | Refusal:
        """Direct TLS: the caller is on the internet, and the Host header names the app."""
        key = (request.host, request.port)
        target = self._targets.get(key)
        if target is not None:
            return target
        if not request.host:
            return Refusal(400, "The request names no host: send a Host header")
        if self._internet is None:
            self._internet = self._edge.locate(None)
        if isinstance(self._internet, Refusal):
            return self._internet
        served = self._edge.route(request.host, self._internet)
        if isinstance(served, Refusal):
            return served
        target = self._targets[key] = Target(served.app, served.arrival, request.port or 443)
        return target

    def _dispatch_plain(self, request: Request) -> Target | Refusal:
        """Plain HTTP: a proxy request (absolute form) names its caller by its credential; a direct one is
        the internet's."""
        if not request.host:
            return Refusal(400, "The request names no host: send a Host header")
        location = self._edge.locate(request.proxy_authorization if request.absolute else None)
        if isinstance(location, Refusal):
            return location
        served = self._edge.route(request.host, location)
        if isinstance(served, Refusal):
            return served
        return Target(served.app, served.arrival, request.port or 80)

    def _check_idle(self) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        if not self._heard and (self._session is None or self._session.idle):
            log.debug("closing the idle connection from %s:%d", *self._client)
            self._transport.close()
            return
        self._heard = False
        self._idle_handle = asyncio.get_running_loop().call_later(self._edge.idle_timeout, self._check_idle)


def _own_socket(transport_socket: Any) -> socket.socket | None:
    """A socket object of our own for the connection's socket, to set options on it for every read.

    uvloop's transport hands out a stand-in whose every setsockopt makes (and forgets) a new socket object,
    which costs a getsockname and an object per call. Ours is a duplicate descriptor of the same socket,
    closed when the connection is lost (a duplicate left to the garbage collector closes harmlessly)."""
    if QUICKACK is None or transport_socket is None:
        return None
    try:
        fd = os.dup(transport_socket.fileno())
    except (OSError, AttributeError, ValueError):
        return None
    try:
        return socket.socket(transport_socket.family, transport_socket.type, transport_socket.proto, fileno=fd)
    except (OSError, ValueError):
        os.close(fd)
        return None


class _TransportPipe:
    """The `Pipe` of a plain-text connection."""

    __slots__ = ("_transport", "close", "write")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.write = transport.write
        self.close = transport.close

    def shutdown_write(self) -> None:
        if self._transport.can_write_eof() and not self._transport.is_closing():
            self._transport.write_eof()

    def pause_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.resume_reading()

"""A small closed-loop HTTPS load generator on asyncio (uvloop when installed).

C connections each send one keep-alive GET, wait for the whole response (framed by Content-Length), and send
the next at once, for a fixed time. A connection reaches the server either directly over TLS, or through an
HTTP proxy: `CONNECT host:443 HTTP/1.1`, the proxy's 200, then TLS inside the tunnel (`loop.start_tls`).

Everything is bounded: connections must be up within `connect_timeout`, the run lasts `warmup + duration`
seconds, each connection sends at most `max_requests`, and the whole thing is cancelled after a hard deadline.
Responses are parsed in `data_received`, so a request costs the generator no coroutine switch.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentile


@dataclass
class Target:
    host: str
    """Where to dial (an IP on this machine)."""
    port: int
    server_name: str
    """The TLS server name (SNI and the certificate's name) and the Host header."""
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    via_proxy: bool = False
    """Dial host:port as an HTTP proxy and CONNECT to server_name:443 through it."""
    cafile: str | None = None
    """Trust this CA (and verify the certificate); None: verify nothing."""
    proxy_authorization: str | None = None
    """Sent as Proxy-Authorization with the CONNECT (a machine's credential from `vaultlink env --vm`)."""
    method: str = "GET"
    body: bytes = b""
    """Sent with every request (with its Content-Length), for write benchmarks."""


@dataclass
class Result:
    connections: int
    duration: float
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_us: list[float] = field(default_factory=list)
    body_bytes: int | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_us)
        return {
            "connections": self.connections,
            "durationS": round(self.duration, 3),
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50Ms": round(percentile(ordered, 50) / 1000, 3) if ordered else None,
            "p99Ms": round(percentile(ordered, 99) / 1000, 3) if ordered else None,
            "maxMs": round(ordered[-1] / 1000, 3) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "bodyBytes": self.body_bytes,
        }


class _Connection(asyncio.Protocol):
    """One client connection; after `start`, it drives itself from data_received."""

    def __init__(self, request: bytes, run: _Run) -> None:
        self.request = request
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.connect_reply: asyncio.Future[bytes] | None = None
        self.sent_at = 0
        self.sent = 0
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.driving = False
        run.connections.append(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.driving and not self.run.stopped:
            self.run.result.errors[f"connection lost: {exc!r}" if exc else "connection closed by the server"] += 1
        if self.connect_reply is not None and not self.connect_reply.done():
            self.connect_reply.set_exception(ConnectionError(f"closed during CONNECT: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.connect_reply is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0 and not self.connect_reply.done():
                head = bytes(self.buffer[: end + 4])
                del self.buffer[: end + 4]
                self.connect_reply.set_result(head)
            return
        if self.driving:
            self._parse()

    def start(self) -> None:
        self.connect_reply = None
        self.driving = True
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent += 1
        self.sent_at = time.perf_counter_ns()
        self.transport.write(self.request)

    def _parse(self) -> None:
        run = self.run
        buffer = self.buffer
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                run.result.errors["response without content-length"] += 1
                self._finish()
                return
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buffer) < total:
                return
            now = time.perf_counter_ns()
            status = int(head[9:12])
            if run.body_bytes is None and status == 200:
                run.body_bytes = length
            del buffer[:total]
            if run.measuring_since <= self.sent_at and now <= run.measuring_until:
                run.result.requests += 1
                run.result.statuses[status] += 1
                run.result.latencies_us.append((now - self.sent_at) / 1000)
            if b"\r\nconnection: close" in head:
                run.result.errors["server closed the keep-alive connection"] += 1
                self._finish()
                return
            if now >= run.measuring_until or self.sent >= run.max_requests or run.stopped:
                self._finish()
                return
            self._send()

    def _finish(self) -> None:
        self.driving = False
        if self.transport is not None:
            self.transport.close()


class _Run:
    def __init__(self, result: Result, max_requests: int) -> None:
        self.result = result
        self.max_requests = max_requests
        self.measuring_since = 0
        self.measuring_until = 0
        self.stopped = False
        self.connections: list[_Connection] = []
        self.terminated = False
        """SIGTERM arrived: the run was cancelled, and the caller exits."""
        self.body_bytes: int | None = None


def _request(target: Target) -> bytes:
    lines = [f"{target.method} {target.path} HTTP/1.1", f"Host: {target.server_name}", "Accept: application/json",
             "Connection: keep-alive"]
    if target.body or target.method not in ("GET", "HEAD"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(target.body)}"]
    lines += [f"{name}: {value}" for name, value in target.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + target.body


def _client_context(target: Target) -> ssl.SSLContext:
    if target.cafile:
        context = ssl.create_default_context(cafile=target.cafile)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _open(target: Target, run: _Run, context: ssl.SSLContext, request: bytes) -> _Connection:
    loop = asyncio.get_running_loop()
    if not target.via_proxy:
        _, protocol = await loop.create_connection(lambda: _Connection(request, run), target.host, target.port,
                                                   ssl=context, server_hostname=target.server_name)
        return protocol
    transport, protocol = await loop.create_connection(lambda: _Connection(request, run), target.host, target.port)
    protocol.connect_reply = loop.create_future()
    authority = f"{target.server_name}:443"
    credential = f"Proxy-Authorization: {target.proxy_authorization}\r\n" if target.proxy_authorization else ""
    transport.write(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{credential}\r\n".encode())
    head = await protocol.connect_reply
    if not head.startswith(b"HTTP/1.1 200") and not head.startswith(b"HTTP/1.0 200"):
        transport.close()
        raise ConnectionError(f"CONNECT refused: {head[:200]!r}")
    if protocol.buffer:
        raise ConnectionError("the proxy sent bytes after its CONNECT reply")
    tls = await loop.start_tls(transport, protocol, context, server_hostname=target.server_name)
    assert tls is not None
    protocol.transport = tls
    protocol.connect_reply = None
    return protocol


async def _main(run: _Run, target: Target, connections: int, warmup: float, duration: float,
                connect_timeout: float) -> Result:
    # SIGTERM cancels the run from inside the loop (a Python-level handler raising there would be swallowed
    # by the transport's callback); SIGINT is the Runner's own: it cancels the run and raises KeyboardInterrupt.
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def terminate() -> None:
        run.terminated = True
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    result = run.result
    try:
        context = _client_context(target)
        request = _request(target)
        opening = [asyncio.ensure_future(_open(target, run, context, request)) for _ in range(connections)]
        await asyncio.wait(opening, timeout=connect_timeout)
        live: list[_Connection] = []
        for attempt in opening:
            if not attempt.done():
                attempt.cancel()
                result.errors[f"connect took over {connect_timeout:.0f} s"] += 1
            elif attempt.exception() is not None:
                result.errors[f"connect failed: {attempt.exception()!r}"] += 1
            else:
                live.append(attempt.result())
        if not live:
            return result
        start = time.perf_counter_ns()
        run.measuring_since = start + int(warmup * 1e9)
        run.measuring_until = run.measuring_since + int(duration * 1e9)
        for connection in live:
            connection.start()
        _, still_open = await asyncio.wait([c.closed for c in live], timeout=warmup + duration + 10.0)
        if still_open:
            result.errors["connections still open at the hard deadline"] += len(still_open)
        result.body_bytes = run.body_bytes
        return result
    finally:
        run.stopped = True
        for connection in run.connections:  # every one ever made, even those still connecting
            if connection.transport is not None:
                connection.transport.abort()
        loop.remove_signal_handler(signal.SIGTERM)


def run(target: Target, *, connections: int = 16, warmup: float = 1.0, duration: float = 8.0,
        max_requests: int = 2_000_000, connect_timeout: float = 15.0) -> Result:
    """Drive `target` with `connections` keep-alive connections; measure for `duration` s after `warmup` s."""
    try:
        import uvloop
    except ImportError:
        uvloop = None  # type: ignore[assignment]
    run = _Run(Result(connections=connections, duration=duration), max_requests)
    previous_sigterm = signal.getsignal(signal.SIGTERM)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the latencies list grows steadily; a collection pause would land in someone's p99
    try:
        coroutine = _main(run, target, connections, warmup, duration, connect_timeout)
        if uvloop is not None:
            return uvloop.run(coroutine)
        return asyncio.run(coroutine)
    except asyncio.CancelledError:
        if run.terminated:
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)  # the loop's removal of its handler left SIG_DFL
        if gc_was_enabled:
            gc.enable()

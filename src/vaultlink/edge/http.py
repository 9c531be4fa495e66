"""HTTP/1.1 over a byte pipe, into ASGI apps: the server half of one client's conversation.

Bytes in (`feed`) are parsed with httptools; each complete request is handed to the app its `dispatch` names,
one at a time and in order (pipelined requests wait their turn), and the response goes out with as few writes
as possible (`response.py`). Request bodies are read whole before the app runs (they are small:
`max_body_bytes`, 4 MiB by default; larger ones get 413 and the connection closes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import unquote

import httptools

from vaultlink.core import web
from vaultlink.core.asgi import Scope
from vaultlink.edge import accesslog
from vaultlink.edge.hostroutes import Refusal
from vaultlink.edge.request import Dispatch, Request, Target
from vaultlink.edge.response import Exchange
from vaultlink.edge.types import Pipe

log = logging.getLogger("vaultlink.edge")

MAX_PIPELINED = 32
"""Complete requests waiting behind the one being served before the edge stops reading from the client."""
MAX_HEAD_BYTES = 64 * 1024
"""The request line and headers together; more is answered with 431."""
HEAD_TIMEOUT = 60.0
"""Seconds a request's line and headers may take from their first byte to their last: a deadline for the whole
head, so a client trickling a byte at a time cannot hold a connection (nginx's client_header_timeout)."""
BODY_TIMEOUT = 60.0
"""Seconds a request's body may take after its head (the whole body, not each read: a trickle cannot hold the
connection either; at the 4 MiB limit that is 70 KB/s, far below any loopback client)."""
LINGER_SECONDS = 2.0
"""After refusing a request that is too large, the edge ends its side of the connection but keeps reading
(and dropping) what the client is still sending for a while, so the client reads the 413 or 431 instead of
a connection reset."""

_ASGI = {"version": "3.0", "spec_version": "2.3"}


class HttpSession:
    """One client's HTTP/1.1 conversation over a pipe (a plain transport or a TLS layer)."""

    def __init__(
        self,
        pipe: Pipe,
        dispatch: Dispatch,
        *,
        scheme: str,
        client: tuple[str, int],
        max_body_bytes: int,
        head_timeout: float = HEAD_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        on_head: Callable[[], None] | None = None,
    ) -> None:
        self._pipe = pipe
        self._dispatch = dispatch
        self._scheme = scheme
        self._client = client
        self._max_body = max_body_bytes
        self._head_timeout = head_timeout
        self._body_timeout = body_timeout
        self._on_head = on_head
        """Called when a request's head is complete (the connection's first-head deadline ends there)."""
        self._deadline: asyncio.TimerHandle | None = None
        """The running head or body deadline of the request being parsed."""
        self._loop = asyncio.get_running_loop()
        self._parser = httptools.HttpRequestParser(self)
        self._queue: deque[Request] = deque()
        self._active: Request | None = None
        self._task: asyncio.Task[None] | None = None
        # the request being parsed
        self._current: Request | None = None
        self._parsing = False
        self._head_size = 0
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._body_size = 0
        # the connection's state
        self._eof = False
        self._discarding = False
        self._linger = False
        self._linger_handle: asyncio.TimerHandle | None = None
        self._closing = False
        self._closed = False
        self._reading_paused = False
        self._writing_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._disconnected: asyncio.Future[None] | None = None

    @property
    def idle(self) -> bool:
        """No request is being served, waits, or has begun to arrive."""
        return self._active is None and not self._queue and not self._parsing

    @property
    def answering(self) -> bool:
        """A complete request is being served or waits, and no other has begun to arrive: the client waits
        for our answer, not for us to acknowledge what it sent."""
        return (self._active is not None or bool(self._queue)) and not self._parsing

    # ---- bytes in ---------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self._discarding:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # A request asked to switch protocols; it was answered as plain HTTP, and what follows it is the
            # next request.
            rest = data[upgrade.args[0] :]
            if rest and not self._discarding:
                self.feed(rest)
        except httptools.HttpParserError as error:
            if not self._discarding:  # else we stopped the parser ourselves
                log.debug("unparseable request from %s: %s", self._client, error)
                self._reject(
                    Request("GET", "1.1", b"", []), 400, "BadRequest", "The request is not valid HTTP/1.1."
                )

    def feed_eof(self) -> None:
        """The client will send nothing more: answer what it asked, then close."""
        self._eof = True
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._pipe.close()
        elif self._active is None and not self._queue:
            self._close()

    def connection_lost(self) -> None:
        self._closed = True
        self._closing = True
        self._discarding = True
        self._cancel_deadline()
        if self._linger_handle is not None:
            self._linger_handle.cancel()
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_result(None)
        self._wake_writers()

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake_writers()

    # ---- the parser's callbacks (httptools calls them by name) -------------------------------------------

    def on_message_begin(self) -> None:
        self._set_deadline(self._head_timeout, "head")
        self._parsing = True
        self._head_size = 0
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_size += len(url)
        if self._head_size > MAX_HEAD_BYTES:
            self._reject_large_head()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))
        self._head_size += len(name) + len(value) + 4
        if self._head_size > MAX_HEAD_BYTES:
            self._reject_large_head()

    def on_headers_complete(self) -> None:
        parser = self._parser
        request = Request(
            parser.get_method().decode("ascii"), parser.get_http_version(), self._url, self._headers
        )
        self._current = request
        self._set_deadline(self._body_timeout, "body")
        if self._on_head is not None:
            self._on_head()
        host_header = b""
        content_length = -1
        expect = b""
        for name, value in request.headers:
            if name == b"host":
                host_header = value
            elif name == b"content-length":
                content_length = int(value) if value.isdigit() else -1
            elif name == b"connection":
                tokens = value.lower()
                if b"close" in tokens:
                    request.keep_alive = False
                elif b"keep-alive" in tokens:
                    request.keep_alive = True
            elif name == b"proxy-authorization":
                if request.proxy_authorization is not None:
                    self._reject(request, 400, "BadRequest", "The request has more than one Proxy-Authorization header.")
                    raise _StopParsing
                request.proxy_authorization = value.decode("latin-1")
            elif name == b"expect":
                expect = value.lower()
        if not _parse_target(request, host_header):
            self._reject(request, 400, "BadRequest", "The request target is not valid.")
            raise _StopParsing
        if request.method == "CONNECT":
            self._reject(
                request, 400, "BadRequest", "CONNECT is accepted only as a connection's first request."
            )
            raise _StopParsing
        if content_length > self._max_body:
            self._reject_too_large(request)
            raise _StopParsing
        if expect == b"100-continue" and request.http_version == "1.1":
            if self._active is None and not self._queue:
                self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            else:
                request.continue_pending = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._body_size += len(body)
        if self._body_size > self._max_body and self._current is not None:
            self._reject_too_large(self._current)
            raise _StopParsing

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        request = self._current
        self._current = None
        self._parsing = False
        if request is None or self._discarding:
            return
        body = self._body
        if body:
            request.body = body[0] if len(body) == 1 else b"".join(body)
            self._body = []
        self._queue.append(request)
        if self._active is None:
            self._next()
        elif len(self._queue) >= MAX_PIPELINED and not self._reading_paused:
            self._reading_paused = True
            self._pipe.pause_reading()

    # ---- deadlines ---------------------------------------------------------------------------------------

    def _set_deadline(self, seconds: float, part: str) -> None:
        self._cancel_deadline()
        self._deadline = self._loop.call_later(seconds, self.time_out, part)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    @property
    def receiving(self) -> bool:
        """A request has begun to arrive and is not complete."""
        return self._parsing

    def time_out(self, part: str = "head") -> None:
        """The request being received missed its deadline: 408 once the ones before it are answered, then close."""
        self._deadline = None
        if self._discarding or not self._parsing:
            return
        seconds = self._head_timeout if part == "head" else self._body_timeout
        what = "its line and headers" if part == "head" else "its body"
        log.info("request from %s:%d timed out waiting for %s", *self._client, what)
        request = self._current or Request("GET", "1.1", b"", [])
        self._parsing = False
        self._reject(request, 408, "RequestTimeout",
                     f"The request did not send {what} within {seconds:g} seconds; the connection is closed.")

    # ---- serving, in order ------------------------------------------------------------------------------

    def _reject(self, request: Request, status: int, code: str, message: str) -> None:
        """Answer `request` with an error once the ones before it are answered, and read nothing more."""
        request.error = (status, code, message)
        request.keep_alive = False
        self._discarding = True
        self._current = None
        self._queue.append(request)
        if self._active is None:
            self._next()

    def _reject_large_head(self) -> None:
        message = f"The request line and headers exceed the {MAX_HEAD_BYTES} bytes vaultlink accepts."
        self._linger = True
        self._reject(Request("GET", "1.1", b"", []), 431, "RequestHeaderFieldsTooLarge", message)
        raise _StopParsing

    def _reject_too_large(self, request: Request) -> None:
        self._linger = True
        self._reject(
            request,
            413,
            "RequestEntityTooLarge",
            f"The request body is larger than the {self._max_body} bytes vaultlink accepts.",
        )

    def _next(self) -> None:
        if self._closing:
            return
        if self._queue:
            request = self._queue.popleft()
            self._active = request
            if request.error is not None:
                exchange = Exchange(self, request)
                exchange.respond_error(*request.error)
                if accesslog.enabled():
                    accesslog.record(request, None, exchange.status, (), 0.0)
                self._done(request, close=True)
            else:
                self._task = self._loop.create_task(self._serve(request))
            return
        self._active = None
        if self._eof:
            self._close()
            return
        if self._reading_paused:
            self._reading_paused = False
            self._pipe.resume_reading()
        current = self._current
        if current is not None and current.continue_pending:
            current.continue_pending = False
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    async def _serve(self, request: Request) -> None:
        exchange = Exchange(self, request)
        started = time.perf_counter()
        target: Target | Refusal | None = None
        try:
            target = self._dispatch(request)
            if isinstance(target, Refusal):
                exchange.refuse(target)
            else:
                scope: Scope = {
                    "type": "http",
                    "asgi": _ASGI,
                    "http_version": request.http_version,
                    "method": request.method,
                    "scheme": self._scheme,
                    "path": _decode_path(request.raw_path),
                    "raw_path": request.raw_path,
                    "query_string": request.query,
                    "root_path": "",
                    "headers": request.headers,
                    "client": self._client,
                    "server": (target.host, target.port),
                    "extensions": {web.EXTENSION: target.arrival},
                }
                await target.app(scope, exchange.receive, exchange.send)
                if not exchange.complete:
                    raise RuntimeError("the app returned without completing its response")
        except asyncio.CancelledError:
            self._close()
            raise
        except Exception:
            log.exception("%s %s failed", request.method, request.raw_path.decode("latin-1"))
            if not exchange.head_written:
                exchange.respond_error(
                    500,
                    "InternalServerError",
                    "The server met an unexpected error; vaultlink's log has the details.",
                )
            exchange.close = exchange.close or not exchange.complete
        if accesslog.enabled():
            accesslog.record(request, target, exchange.status, exchange.headers, time.perf_counter() - started)
        self._done(request, close=exchange.close)

    def _done(self, request: Request, *, close: bool) -> None:
        self._task = None
        self._active = None
        if close or not request.keep_alive:
            self._close()
        else:
            self._next()

    def _close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._discarding = True
        if self._linger and not self._eof and not self._closed:
            self._pipe.shutdown_write()
            self._linger_handle = self._loop.call_later(LINGER_SECONDS, self._pipe.close)
        else:
            self._pipe.close()

    # ---- bytes out --------------------------------------------------------------------------------------

    @property
    def writing_paused(self) -> bool:
        return self._writing_paused

    def write(self, data: bytes) -> None:
        if not self._closed:
            self._pipe.write(data)

    async def writable(self) -> None:
        if self._writing_paused and not self._closed:
            waiter = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _wake_writers(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_disconnected(self) -> None:
        if self._closed:
            return
        if self._disconnected is None:
            self._disconnected = self._loop.create_future()
        await self._disconnected


class _StopParsing(Exception):
    """Raised from a parser callback to stop parsing the rest of the bytes (they will be dropped)."""


def _parse_target(request: Request, host_header: bytes) -> bool:
    """Fill the path, query, host and port from the request-target and Host header; False if malformed."""
    target = request.target
    if target[:1] == b"/" or target == b"*":
        raw_path, _, query = target.partition(b"?")
        authority = host_header
    elif target[:7].lower() == b"http://" or target[:8].lower() == b"https://":
        try:
            url = httptools.parse_url(target)
        except httptools.HttpParserInvalidURLError:
            return False
        request.absolute = True
        raw_path = url.path or b"/"
        query = url.query or b""
        authority = url.host or b""
        if url.port:
            authority = b"%s:%d" % (authority, url.port)
        elif url.schema is not None:
            authority += b":443" if url.schema.lower() == b"https" else b":80"
    else:
        return False
    request.raw_path = raw_path
    request.query = query
    host, port = split_authority(authority.decode("latin-1"))
    request.host = host
    request.port = port
    return True


def split_authority(authority: str) -> tuple[str, int | None]:
    """("Host.Example:8443") -> ("host.example", 8443); IPv6 literals keep no brackets."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, colon, port_text = authority.rpartition(":")
        if not colon:
            host, port_text = authority, ""
    port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None
    return host.rstrip("."), port


def _decode_path(raw_path: bytes) -> str:
    text = raw_path.decode("latin-1")
    return unquote(text) if "%" in text else text

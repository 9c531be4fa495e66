"""One exchange's response: the ASGI receive and send callables, how the body is framed, and the answers
the edge gives itself (errors, refusals).

The head and a whole body go out in one write; a body the app streams without a Content-Length is chunked
(or, to an HTTP/1.0 client, ends with the connection).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Protocol

from vaultlink.core.asgi import Message
from vaultlink.edge.hostroutes import Refusal
from vaultlink.edge.request import Request

PROXY_AUTHENTICATE = b'proxy-authenticate: Basic realm="vaultlink"\r\n'


class Channel(Protocol):
    """What an exchange needs from its connection's HTTP session."""

    @property
    def writing_paused(self) -> bool: ...

    def write(self, data: bytes) -> None: ...

    async def writable(self) -> None:
        """Return once the transport takes more bytes."""
        ...

    async def wait_disconnected(self) -> None: ...


class Exchange:
    """One request's response: the ASGI receive and send callables, and how the response is framed."""

    __slots__ = (
        "body_taken",
        "bodyless",
        "chunked",
        "close",
        "complete",
        "head_written",
        "headers",
        "request",
        "session",
        "started",
        "status",
    )  # fmt: skip

    def __init__(self, session: Channel, request: Request) -> None:
        self.session = session
        self.request = request
        self.status = 200
        self.headers: Iterable[tuple[bytes, bytes]] = ()
        self.started = False
        self.head_written = False
        self.complete = False
        self.chunked = False
        self.bodyless = False
        self.close = not request.keep_alive
        self.body_taken = False

    async def receive(self) -> Message:
        if not self.body_taken:
            self.body_taken = True
            return {"type": "http.request", "body": self.request.body, "more_body": False}
        if not self.complete:
            await self.session.wait_disconnected()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if not self.started or self.complete:
                raise RuntimeError("http.response.body outside a response")
            body: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            if not self.head_written:
                self._write_head(body, more)
            elif self.chunked:
                if body and more:
                    self.session.write(b"%x\r\n%s\r\n" % (len(body), body))
                elif body:
                    self.session.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                elif not more:
                    self.session.write(b"0\r\n\r\n")
            elif body and not self.bodyless:
                self.session.write(body)
            if not more:
                self.complete = True
            if self.session.writing_paused:
                await self.session.writable()
        elif kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            self.status = message["status"]
            self.headers = message.get("headers", ())
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")

    def _write_head(self, body: bytes, more: bool) -> None:
        status = self.status
        request = self.request
        close = self.close
        bodyless = request.method == "HEAD" or status in (204, 304) or status < 200
        has_length = has_date = False
        parts = [STATUS_LINES.get(status) or status_line(status)]
        for name, value in self.headers:
            name = name.lower()
            if name == b"content-length":
                has_length = True
            elif name == b"connection":
                close = close or b"close" in value.lower()
                continue  # ours says what this connection does
            elif name == b"transfer-encoding":
                continue  # the edge frames the body itself
            elif name == b"date":
                has_date = True
            parts.append(b"%s: %s\r\n" % (name, value))
        if not has_date:
            parts.append(date_header())
        if not has_length and status not in (204, 304) and status >= 200:
            if not more:
                parts.append(b"content-length: %d\r\n" % len(body))
            elif bodyless:
                pass
            elif request.http_version == "1.0":
                close = True  # the body ends where the connection does
            else:
                self.chunked = True
                parts.append(b"transfer-encoding: chunked\r\n")
        if close:
            parts.append(b"connection: close\r\n")
        elif request.http_version == "1.0":
            parts.append(b"connection: keep-alive\r\n")
        parts.append(b"\r\n")
        if bodyless:
            self.bodyless = True
        elif self.chunked:
            if body:
                parts.append(b"%x\r\n%s\r\n" % (len(body), body))
        else:
            parts.append(body)
        self.close = close
        self.head_written = True
        self.session.write(b"".join(parts))

    def respond_error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self._respond(status, None, b"application/json; charset=utf-8", body, ())

    def refuse(self, refusal: Refusal) -> None:
        body = json.dumps({"error": {"code": error_code(refusal.status), "message": refusal.reason}}).encode()
        extra = (PROXY_AUTHENTICATE,) if refusal.status == 407 else ()
        self.close = True
        self._respond(refusal.status, refusal.phrase, b"application/json; charset=utf-8", body, extra)

    def _respond(
        self, status: int, phrase: bytes | None, content_type: bytes, body: bytes, extra: Iterable[bytes]
    ) -> None:
        head = status_line(status, phrase) if phrase else (STATUS_LINES.get(status) or status_line(status))
        close = self.close or self.request.error is not None
        self.status = status
        parts = [
            head,
            b"content-type: %s\r\n" % content_type,
            b"content-length: %d\r\n" % len(body),
            date_header(),
            *extra,
            b"connection: close\r\n\r\n" if close else b"\r\n",
            b"" if self.request.method == "HEAD" else body,
        ]
        self.close = close
        self.started = self.head_written = self.complete = True
        self.session.write(b"".join(parts))


def status_line(status: int, phrase: bytes | None = None) -> bytes:
    if phrase is None:
        try:
            phrase = HTTPStatus(status).phrase.encode("latin-1")
        except ValueError:
            phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (status, phrase)


STATUS_LINES = {status.value: status_line(status.value) for status in HTTPStatus}


def error_code(status: int) -> str:
    """An error code from the status: 403 -> "Forbidden", 407 -> "ProxyAuthenticationRequired"."""
    try:
        return "".join(word.capitalize() for word in HTTPStatus(status).phrase.replace("-", " ").split())
    except ValueError:
        return "Error"


_date_cache: list[Any] = [0, b""]


def date_header() -> bytes:
    now = int(time.time())
    if now != _date_cache[0]:
        _date_cache[0] = now
        _date_cache[1] = b"date: %s\r\n" % formatdate(now, usegmt=True).encode("ascii")
    header: bytes = _date_cache[1]
    return header

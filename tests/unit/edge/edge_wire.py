"""A small raw HTTP client for what real clients will not send: garbage, HTTP/1.0 CONNECT, pipelining,
half-closed sockets. Byte-exact on purpose."""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any, ClassVar

from vaultlink.edge import CertificateAuthority


class Response:
    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason!r} {self.body[:200]!r}>"


class Wire:
    """A socket (plain or TLS) with a read buffer, speaking HTTP/1.1 by hand."""

    opened: ClassVar[list[Wire]] = []
    """Every wire a test made; the suite closes them after each test."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.rest = b""
        Wire.opened.append(self)

    @classmethod
    def plain(cls, port: int) -> Wire:
        return cls(socket.create_connection(("127.0.0.1", port), timeout=10))

    @classmethod
    def tunnel(cls, port: int, ca: CertificateAuthority, host: str, connect: bytes | None = None) -> Wire:
        """TLS through `CONNECT host:443 HTTP/1.0` with no headers at all (what Python 3.11 clients send)."""
        wire = cls.plain(port)
        wire.send(connect if connect is not None else b"CONNECT %s:443 HTTP/1.0\r\n\r\n" % host.encode())
        reply = wire.read_until(b"\r\n\r\n")
        assert reply == b"HTTP/1.1 200 Connection Established\r\n\r\n", reply
        assert not wire.rest
        wire.sock = context(ca).wrap_socket(wire.sock, server_hostname=host)
        return wire

    @classmethod
    def direct_tls(cls, port: int, ca: CertificateAuthority, server_hostname: str | None) -> Wire:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        ctx = context(ca)
        if server_hostname is None:
            ctx.check_hostname = False
        return cls(ctx.wrap_socket(sock, server_hostname=server_hostname))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, path: str, host: str, **options: Any) -> Response:
        self.send(request_bytes(method, path, host, **options))
        return self.response(head_request=method == "HEAD")

    def response(self, *, head_request: bool = False) -> Response:
        head = self.read_until(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = b""
        if head_request or status.startswith("1") or status in ("204", "304"):
            pass
        elif "content-length" in headers:
            body = self.read_exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int(self.read_until(b"\r\n").strip(), 16)
                chunk = self.read_exactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = self.read_all()
        return Response(int(status), reason, headers, body)

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.rest:
            if not self._more():
                raise ConnectionError(f"closed before {marker!r}; got {self.rest!r}")
        head, _, self.rest = self.rest.partition(marker)
        return head + marker

    def read_exactly(self, n: int) -> bytes:
        while len(self.rest) < n:
            if not self._more():
                raise ConnectionError("closed early")
        data, self.rest = self.rest[:n], self.rest[n:]
        return data

    def read_all(self) -> bytes:
        while self._more():
            pass
        data, self.rest = self.rest, b""
        return data

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True when the peer closes (EOF or reset) within `timeout`; data on the way is dropped."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()

    @classmethod
    def close_all(cls) -> None:
        while cls.opened:
            cls.opened.pop().close()

    def _more(self) -> bool:
        chunk = self.sock.recv(65536)
        self.rest += chunk
        return bool(chunk)


def context(ca: CertificateAuthority) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca.cert_path))


def request_bytes(
    method: str,
    path: str,
    host: str | None,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    version: str = "1.1",
) -> bytes:
    lines = [f"{method} {path} HTTP/{version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body and not any(name.lower() in ("content-length", "transfer-encoding") for name in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

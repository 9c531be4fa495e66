"""Slow clients, by raw sockets against a running vaultlink with one-second head and body timeouts: a request head
that trickles in (on a CONNECT, in plain HTTP, and inside a tunnel) or a body promised by Content-Length and never
sent gets 408 and the connection is closed; a TLS handshake that stalls is closed; a connection that sits idle
between requests is the keep-alive timeout's, not these."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator

import pytest
from tests.vaultlink_process import Running, start

TRICKLE_SECONDS = 0.2
"""A byte this often: each gap well within the timeout, the whole far beyond it."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start(tmp_path_factory.mktemp("slow") / "data", "--head-timeout", "1", "--body-timeout", "1")
    try:
        yield running
    finally:
        running.stop()


def trickle(sock: socket.socket | ssl.SSLSocket, data: bytes) -> bytes:
    """Send `data` a byte at a time, reading between bytes; what the server sent before it closed (the test fails
    if the server lets all of it arrive)."""
    received = b""
    sock.settimeout(TRICKLE_SECONDS)
    for i in range(len(data)):
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            break
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        received += chunk
    else:
        pytest.fail(f"the server waited for all {len(data)} bytes, sent a byte every {TRICKLE_SECONDS} s")
    return received + rest(sock)


def rest(sock: socket.socket | ssl.SSLSocket) -> bytes:
    sock.settimeout(10)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, ssl.SSLError, TimeoutError):
        pass
    return data


def dial(server: Running) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def tunnel(server: Running, host: str = "management.azure.com") -> ssl.SSLSocket:
    sock = dial(server)
    sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 200 Connection Established")
    context = ssl.create_default_context(cafile=server.ca)
    return context.wrap_socket(sock, server_hostname=host)


LONG_HEADER = b"X-Padding: " + b"p" * 200 + b"\r\n"


def test_a_connect_head_that_trickles_gets_408(server: Running) -> None:
    with dial(server) as sock:
        answer = trickle(sock, b"CONNECT management.azure.com:443 HTTP/1.1\r\n" + LONG_HEADER * 3)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()


def test_a_plain_request_head_that_trickles_gets_408(server: Running) -> None:
    with dial(server) as sock:
        answer = trickle(sock, b"GET /vaultlink/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + LONG_HEADER * 3)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b'"code": "RequestTimeout"' in answer or b'"code":"RequestTimeout"' in answer


def test_a_head_that_trickles_inside_a_tunnel_gets_408(server: Running) -> None:
    with tunnel(server) as tls:
        answer = trickle(tls, b"GET /subscriptions?api-version=2022-12-01 HTTP/1.1\r\nHost: management.azure.com\r\n"
                         + LONG_HEADER * 3)
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_body_promised_and_never_sent_gets_408(server: Running) -> None:
    head = (b"PUT /subscriptions/x/resourcegroups/slow?api-version=2025-04-01 HTTP/1.1\r\nHost: management.azure.com"
            b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    with tunnel(server) as tls:
        tls.sendall(head)
        answer = trickle(tls, b'{"location": "' + b"e" * 1000)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"body" in answer


def test_a_body_that_never_comes_at_all_gets_408(server: Running) -> None:
    with dial(server) as sock:
        sock.sendall(b"POST /vaultlink/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n")
        answer = rest(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_stalled_tls_handshake_is_closed(server: Running) -> None:
    with dial(server) as sock:
        sock.sendall(b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # a ClientHello's record header promising 512 bytes, then a trickle of them
        assert trickle(sock, b"\x16\x03\x01\x02\x00" + b"\x00" * 512) == b""


def test_idle_keep_alive_is_not_a_slow_head(server: Running) -> None:
    request = b"GET /subscriptions?api-version=2022-12-01 HTTP/1.1\r\nHost: management.azure.com\r\n\r\n"
    with tunnel(server) as tls:
        tls.sendall(request)
        assert tls.recv(65536).startswith(b"HTTP/1.1 401 ")  # ARM itself answers: no token
        time.sleep(2.5)  # longer than the head timeout, with no request begun
        tls.sendall(request)
        assert tls.recv(65536).startswith(b"HTTP/1.1 401 ")

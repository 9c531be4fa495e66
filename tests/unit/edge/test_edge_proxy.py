"""The edge's three ways in (CONNECT, direct TLS, plain HTTP), its refusals, and clients that misbehave."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time

import pytest
from edge_support import MAX_BODY, VM_PASSWORD, VM_USER, RunningEdge, basic
from edge_wire import Wire, context, request_bytes

from vaultlink.edge import CertificateAuthority, Edge, HostRoutes, Refusal
from vaultlink.network.location import INTERNET


def test_binds_loopback_on_a_chosen_port(edge: RunningEdge) -> None:
    assert edge.edge is not None and edge.edge.host == "127.0.0.1"
    assert edge.port > 0


# ---- CONNECT ---------------------------------------------------------------------------------------------


def test_http10_connect_without_headers_then_keep_alive(edge: RunningEdge) -> None:
    wire = Wire.tunnel(edge.port, edge.ca, "myvault.vault.azure.net")
    first = wire.request("GET", "/secrets/a?api-version=7.4", "myvault.vault.azure.net").json()
    second = wire.request("GET", "/secrets/b/", "myvault.vault.azure.net").json()
    assert first["app"] == second["app"] == "vault"
    assert first["client"] == second["client"]  # one connection
    assert first["scheme"] == "https"
    assert first["host"] == "myvault.vault.azure.net"
    assert first["server"] == ["myvault.vault.azure.net", 443]
    assert first["location"] == INTERNET.describe() and first["is_location"]
    assert (first["path"], first["query"], second["raw_path"]) == (
        "/secrets/a",
        "api-version=7.4",
        "/secrets/b/",
    )
    assert isinstance(wire.sock, ssl.SSLSocket) and wire.sock.selected_alpn_protocol() is None
    wire.close()


def test_http11_connect_with_credentials_names_the_machine(edge: RunningEdge) -> None:
    head = (
        b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n"
        b"Proxy-Authorization: %s\r\nUser-Agent: test\r\n\r\n" % basic(VM_USER, VM_PASSWORD).encode()
    )
    wire = Wire.tunnel(edge.port, edge.ca, "management.azure.com", head)
    seen = wire.request("GET", "/subscriptions", "management.azure.com").json()
    assert seen["app"] == "arm"
    assert seen["location"].startswith("machine /subscriptions/0000/") and "10.0.0.4" in seen["location"]
    wire.close()


def test_connect_and_client_hello_in_one_packet(edge: RunningEdge) -> None:
    """Bytes after the CONNECT head that arrive with it are the tunnel's first bytes, not lost."""
    sock = socket.create_connection(("127.0.0.1", edge.port), timeout=10)
    tls = context(edge.ca).wrap_bio(
        ssl.MemoryBIO(), outgoing := ssl.MemoryBIO(), server_hostname="x.vault.azure.net"
    )
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    sock.sendall(
        b"CONNECT x.vault.azure.net:443 HTTP/1.1\r\nHost: x.vault.azure.net:443\r\n\r\n" + outgoing.read()
    )
    wire = Wire(sock)
    assert wire.read_until(b"\r\n\r\n") == b"HTTP/1.1 200 Connection Established\r\n\r\n"
    assert wire.rest or sock.recv(1, socket.MSG_PEEK)  # the ServerHello follows
    sock.close()


def test_connect_to_an_unknown_host_is_refused_with_a_reason(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(b"CONNECT example.com:443 HTTP/1.0\r\n\r\n")
    response = wire.response()
    assert response.status == 403
    assert "example.com" in response.reason and "only Azure endpoints" in response.reason
    assert "nothing leaves this machine" in response.body.decode()
    assert wire.closed_by_peer()


def test_connect_with_a_wrong_credential_is_407(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(
        b"CONNECT management.azure.com:443 HTTP/1.1\r\nProxy-Authorization: %s\r\n\r\n"
        % basic("vm1", "nope").encode()
    )
    response = wire.response()
    assert response.status == 407
    assert response.headers["proxy-authenticate"] == 'Basic realm="vaultlink"'
    assert "Proxy authentication failed" in response.reason
    assert wire.closed_by_peer()


def test_malformed_connect_is_400(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(b"CONNECT  HTTP/1.1\r\n\r\n")
    assert wire.response().status == 400


def test_connect_arriving_a_byte_at_a_time(edge: RunningEdge) -> None:
    sock = socket.create_connection(("127.0.0.1", edge.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in b"CONNECT login.microsoftonline.com:443 HTTP/1.0\r\n\r\n":
        sock.send(bytes([byte]))
    wire = Wire(sock)
    assert wire.read_until(b"\r\n\r\n") == b"HTTP/1.1 200 Connection Established\r\n\r\n"
    wire.sock = context(edge.ca).wrap_socket(sock, server_hostname="login.microsoftonline.com")
    assert wire.request("GET", "/common/discovery", "login.microsoftonline.com").json()["app"] == "login"
    wire.close()


# ---- direct TLS ------------------------------------------------------------------------------------------


def test_direct_tls_picks_the_certificate_by_sni_and_routes_by_host(edge: RunningEdge) -> None:
    wire = Wire.direct_tls(edge.port, edge.ca, "myvault.vault.azure.net")
    seen = wire.request("GET", "/secrets", f"myvault.vault.azure.net:{edge.port}").json()
    assert seen["app"] == "vault" and seen["scheme"] == "https"
    assert seen["host"] == "myvault.vault.azure.net"
    assert seen["server"] == ["myvault.vault.azure.net", edge.port]
    assert seen["location"] == INTERNET.describe()
    # the same connection, another host: routed per request
    other = wire.request("GET", "/subscriptions", "management.azure.com").json()
    assert other["app"] == "arm" and other["client"] == seen["client"]
    refused = wire.request("GET", "/", "example.com")
    assert refused.status == 403 and refused.json()["error"]["code"] == "Forbidden"
    assert "example.com" in refused.json()["error"]["message"]
    wire.close()


def test_direct_tls_without_sni_gets_a_localhost_certificate(edge: RunningEdge) -> None:
    wire = Wire.direct_tls(edge.port, edge.ca, None)
    seen = wire.request("GET", "/", f"127.0.0.1:{edge.port}").json()
    assert seen["app"] == "local"
    wire.close()
    # and it verifies for the name localhost
    named = Wire.direct_tls(edge.port, edge.ca, "localhost")
    assert named.request("GET", "/", "localhost").json()["app"] == "local"
    named.close()


# ---- plain HTTP ------------------------------------------------------------------------------------------


def test_plain_absolute_form_is_routed_by_its_url(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    seen = wire.request(
        "GET", "http://management.azure.com/subscriptions?api-version=2022-12-01", "ignored"
    ).json()
    assert (seen["app"], seen["scheme"], seen["path"], seen["query"]) == (
        "arm", "http", "/subscriptions", "api-version=2022-12-01"
    )  # fmt: skip
    assert seen["server"] == ["management.azure.com", 80]
    headers = {"Proxy-Authorization": basic(VM_USER, VM_PASSWORD)}
    again = wire.request("GET", "http://x.vault.azure.net:8080/", "x.vault.azure.net", headers=headers).json()
    assert again["app"] == "vault" and again["server"] == ["x.vault.azure.net", 8080]
    assert "10.0.0.4" in again["location"] and again["client"] == seen["client"]
    wire.close()


def test_plain_absolute_form_with_a_wrong_credential_is_407(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    headers = {"Proxy-Authorization": basic("vm1", "wrong")}
    response = wire.request("GET", "http://management.azure.com/", "management.azure.com", headers=headers)
    assert response.status == 407
    assert response.headers["proxy-authenticate"] == 'Basic realm="vaultlink"'


def test_plain_origin_form_is_routed_by_host(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    seen = wire.request(
        "POST", "/common/oauth2/v2.0/token", "login.microsoftonline.com", body=b"grant_type=x"
    ).json()
    assert seen["app"] == "login" and seen["scheme"] == "http" and seen["body_length"] == 12
    refused = wire.request("GET", "/", "example.org")
    assert refused.status == 403 and "example.org" in refused.reason
    assert wire.closed_by_peer()


def test_plain_origin_form_without_host_is_400(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(request_bytes("GET", "/", None, version="1.0"))
    assert wire.response().status == 400


# ---- misbehaving clients ---------------------------------------------------------------------------------


def _still_serves(edge: RunningEdge) -> None:
    wire = Wire.tunnel(edge.port, edge.ca, "management.azure.com")
    assert wire.request("GET", "/", "management.azure.com").status == 200
    wire.close()


def test_garbage_bytes_get_400_and_the_server_lives_on(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(b"\x00\x01\x02\xffgarbage\r\n\r\n" + os.urandom(512))
    response = wire.response()
    assert response.status == 400 and response.json()["error"]["code"] == "BadRequest"
    assert wire.closed_by_peer()
    _still_serves(edge)


def test_a_broken_tls_handshake_is_closed_and_the_server_lives_on(edge: RunningEdge) -> None:
    for junk in (b"\x16\x03\x01\x00\x20" + os.urandom(32), b"\x16" + os.urandom(2000), b"\x16\x03"):
        wire = Wire.plain(edge.port)
        wire.send(junk)
        if len(junk) > 2:
            assert wire.closed_by_peer()
        wire.close()
    # a tunnel whose client speaks garbage instead of TLS
    wire = Wire.plain(edge.port)
    wire.send(b"CONNECT management.azure.com:443 HTTP/1.0\r\n\r\n")
    wire.read_until(b"\r\n\r\n")
    wire.send(b"GET / HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    assert wire.closed_by_peer()
    _still_serves(edge)


def test_a_client_that_rejects_the_certificate(edge: RunningEdge) -> None:
    sock = socket.create_connection(("127.0.0.1", edge.port), timeout=10)
    with pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(sock, server_hostname="management.azure.com")
    sock.close()
    _still_serves(edge)


def test_clients_that_vanish_midway(edge: RunningEdge) -> None:
    # mid-CONNECT head, mid-handshake, mid-headers, mid-body, and while the app works
    for partial in (b"CONNECT manage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
        wire = Wire.plain(edge.port)
        wire.send(partial)
        wire.close()
    tunnel = Wire.tunnel(edge.port, edge.ca, "management.azure.com")
    tunnel.send(b"GET / HTTP/1.1\r\nHost: manage")
    tunnel.close()
    tunnel = Wire.tunnel(edge.port, edge.ca, "management.azure.com")
    tunnel.send(b"PUT / HTTP/1.1\r\nHost: management.azure.com\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
    tunnel.close()
    tunnel = Wire.tunnel(edge.port, edge.ca, "management.azure.com")
    tunnel.send(b"GET /slow HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
    tunnel.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    tunnel.close()
    time.sleep(0.5)  # let /slow finish and write into the closed connection
    _still_serves(edge)


def test_half_closed_socket_still_gets_its_answers(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    wire.send(
        request_bytes("GET", "/one", "management.azure.com")
        + request_bytes("GET", "/two", "management.azure.com")
    )
    wire.sock.shutdown(socket.SHUT_WR)
    assert wire.response().json()["path"] == "/one"
    assert wire.response().json()["path"] == "/two"
    assert wire.closed_by_peer()


def test_tls_close_notify_is_answered(edge: RunningEdge) -> None:
    wire = Wire.tunnel(edge.port, edge.ca, "management.azure.com")
    assert wire.request("GET", "/", "management.azure.com").status == 200
    assert isinstance(wire.sock, ssl.SSLSocket)
    plain = wire.sock.unwrap()  # sends close_notify and waits for the edge's
    assert plain.recv(1) == b""
    plain.close()


def test_idle_connections_are_closed(ca: CertificateAuthority) -> None:
    running = RunningEdge(ca, "asyncio", idle_timeout=0.2)
    try:
        wire = Wire.tunnel(running.port, ca, "management.azure.com")
        assert wire.request("GET", "/", "management.azure.com").status == 200
        assert wire.closed_by_peer(timeout=3)
        silent = Wire.plain(running.port)
        assert silent.closed_by_peer(timeout=3)
    finally:
        running.stop()


def test_close_ends_open_connections(ca: CertificateAuthority) -> None:
    async def scenario() -> None:
        async def app(scope: object, receive: object, send: object) -> None:
            raise AssertionError("not called")

        edge = Edge(ca=ca, route=HostRoutes({"management.azure.com": app}), locate=lambda _: INTERNET)
        await edge.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
        writer.write(b"CONNECT management.azure.com:443 HTTP/1.1\r\n\r\n")
        assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 200 Connection Established\r\n\r\n"
        await asyncio.wait_for(edge.close(), 5)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()

    asyncio.run(scenario())


def test_defaults(ca: CertificateAuthority) -> None:
    edge = Edge(ca=ca, route=HostRoutes({}), locate=lambda _: Refusal(407, "x"))
    assert (edge.host, edge.port, edge.max_body_bytes) == ("127.0.0.1", 0, 4 * 1024 * 1024)
    assert MAX_BODY < edge.max_body_bytes

"""HTTP/1.1 inside the edge: keep-alive, pipelining, body framing both ways, limits and app failures."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator

import pytest
from edge_support import MAX_BODY, RunningEdge
from edge_wire import Wire, request_bytes

VAULT = "myvault.vault.azure.net"


@pytest.fixture
def wire(edge: RunningEdge) -> Iterator[Wire]:
    wire = Wire.tunnel(edge.port, edge.ca, VAULT)
    yield wire
    wire.close()


def test_scope_path_is_decoded_and_headers_lower_cased(wire: Wire) -> None:
    seen = wire.request("GET", "/secrets/a%20b%2Fc?x=%20", VAULT, headers={"X-Custom-Thing": "Value"}).json()
    assert seen["path"] == "/secrets/a b/c"
    assert seen["raw_path"] == "/secrets/a%20b%2Fc"
    assert seen["query"] == "x=%20"
    assert ["x-custom-thing", "Value"] in seen["headers"]
    assert seen["http_version"] == "1.1" and seen["method"] == "GET"


def test_responses_carry_length_and_date(wire: Wire) -> None:
    response = wire.request("GET", "/", VAULT)
    assert int(response.headers["content-length"]) == len(response.body)
    assert response.headers["date"].endswith("GMT")
    assert "connection" not in response.headers


def test_pipelined_requests_are_answered_in_order(wire: Wire) -> None:
    wire.send(b"".join(request_bytes("GET", f"/n/{i}", VAULT) for i in range(40)))
    paths = [wire.response().json()["path"] for _ in range(40)]
    assert paths == [f"/n/{i}" for i in range(40)]


def test_pipelined_with_a_slow_one_first(wire: Wire) -> None:
    wire.send(request_bytes("GET", "/slow", VAULT) + request_bytes("POST", "/after", VAULT, body=b"abc"))
    assert wire.response().json()["path"] == "/slow"
    after = wire.response().json()
    assert after["path"] == "/after" and after["body_length"] == 3


def test_chunked_request_body(wire: Wire) -> None:
    parts = [b"a" * 1000, b"b" * 5000, b"c"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    wire.send(request_bytes("PUT", "/secrets/x", VAULT, headers={"Transfer-Encoding": "chunked"}) + body)
    seen = wire.response().json()
    assert seen["body_length"] == 6001
    assert seen["body_sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()


def test_body_over_the_limit_by_content_length_is_413(wire: Wire) -> None:
    wire.send(request_bytes("PUT", "/secrets/x", VAULT, headers={"Content-Length": str(MAX_BODY + 1)}))
    response = wire.response()
    assert response.status == 413
    assert response.headers["connection"] == "close"
    error = response.json()["error"]
    assert error["code"] == "RequestEntityTooLarge" and str(MAX_BODY) in error["message"]
    assert wire.closed_by_peer()


def test_body_over_the_limit_while_sending_it_gets_413_not_a_reset(wire: Wire) -> None:
    """The client is still writing when the edge answers; the edge drains the rest so the 413 is read."""
    body = b"x" * (MAX_BODY * 3)
    wire.send(request_bytes("PUT", "/secrets/x", VAULT, body=body))
    assert wire.response().status == 413


def test_chunked_body_over_the_limit_is_413(wire: Wire) -> None:
    chunk = b"y" * 16384
    body = (
        b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) + 1))
        + b"0\r\n\r\n"
    )
    wire.send(request_bytes("PUT", "/secrets/x", VAULT, headers={"Transfer-Encoding": "chunked"}) + body)
    response = wire.response()
    assert response.status == 413 and response.json()["error"]["code"] == "RequestEntityTooLarge"


def test_body_at_the_limit_is_accepted(wire: Wire) -> None:
    assert wire.request("PUT", "/secrets/x", VAULT, body=b"z" * MAX_BODY).json()["body_length"] == MAX_BODY


def test_expect_100_continue(wire: Wire) -> None:
    wire.send(
        request_bytes("PUT", "/secrets/x", VAULT, headers={"Expect": "100-continue", "Content-Length": "5"})
    )
    interim = wire.response()
    assert interim.status == 100
    wire.send(b"hello")
    assert wire.response().json()["body_length"] == 5
    # too large: no 100, straight to 413
    wire.send(
        request_bytes(
            "PUT", "/x", VAULT, headers={"Expect": "100-continue", "Content-Length": str(MAX_BODY * 2)}
        )
    )
    assert wire.response().status == 413


@pytest.mark.edge_logs_errors
def test_an_app_exception_is_a_500_without_traceback(wire: Wire, caplog: pytest.LogCaptureFixture) -> None:
    response = wire.request("GET", "/boom", VAULT)
    assert response.status == 500
    assert response.json()["error"]["code"] == "InternalServerError"
    assert b"kaboom" not in response.body and b"Traceback" not in response.body
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged and "kaboom" in str(logged[0].exc_info[1])  # type: ignore[index]
    # the connection is still good
    assert wire.request("GET", "/after-boom", VAULT).status == 200


@pytest.mark.edge_logs_errors
def test_an_app_that_returns_before_any_body_is_a_500(wire: Wire) -> None:
    assert wire.request("GET", "/start-only", VAULT).status == 500


@pytest.mark.edge_logs_errors
def test_an_app_that_stops_mid_body_closes_the_connection(wire: Wire) -> None:
    wire.send(request_bytes("GET", "/incomplete", VAULT))
    head = wire.read_until(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head
    assert wire.closed_by_peer()


def test_streamed_response_without_length_is_chunked(wire: Wire) -> None:
    response = wire.request("GET", "/stream", VAULT)
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.body == b"part 0;part 1;part 2;part 3;part 4;"
    assert wire.request("GET", "/", VAULT).status == 200  # framing intact


def test_streamed_response_to_http10_ends_with_the_connection(edge: RunningEdge) -> None:
    wire = Wire.tunnel(edge.port, edge.ca, VAULT)
    response = wire.request("GET", "/stream", VAULT, version="1.0")
    assert response.body == b"part 0;part 1;part 2;part 3;part 4;"
    assert response.headers["connection"] == "close"


def test_http10_keep_alive(edge: RunningEdge) -> None:
    wire = Wire.tunnel(edge.port, edge.ca, VAULT)
    first = wire.request("GET", "/a", VAULT, version="1.0", headers={"Connection": "keep-alive"})
    assert first.headers["connection"] == "keep-alive"
    second = wire.request("GET", "/b", VAULT, version="1.0")
    assert first.json()["client"] == second.json()["client"]
    assert second.headers["connection"] == "close"
    assert wire.closed_by_peer()


def test_connection_close_from_the_client(wire: Wire) -> None:
    response = wire.request("GET", "/", VAULT, headers={"Connection": "close"})
    assert response.status == 200 and response.headers["connection"] == "close"
    assert wire.closed_by_peer()


def test_head_has_length_and_no_body(wire: Wire) -> None:
    response = wire.request("HEAD", "/", VAULT)
    assert response.status == 200 and int(response.headers["content-length"]) > 0
    assert wire.request("GET", "/next", VAULT).json()["path"] == "/next"


def test_a_large_response_arrives_whole(wire: Wire) -> None:
    started = time.monotonic()
    response = wire.request("GET", "/big", VAULT)
    assert response.body == b"z" * (16 * 65536)
    assert time.monotonic() - started < 5


def test_a_huge_head_is_431(wire: Wire) -> None:
    wire.send(b"GET / HTTP/1.1\r\nHost: %s\r\n" % VAULT.encode() + b"X-Filler: %s\r\n" % (b"f" * 1000) * 100)
    response = wire.response()
    assert response.status == 431 and response.json()["error"]["code"] == "RequestHeaderFieldsTooLarge"
    assert wire.closed_by_peer()


def test_connect_inside_a_plain_session_is_refused(edge: RunningEdge) -> None:
    wire = Wire.plain(edge.port)
    assert wire.request("GET", "/", "management.azure.com").status == 200
    wire.send(b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\r\n")
    assert wire.response().status == 400
    assert wire.closed_by_peer()

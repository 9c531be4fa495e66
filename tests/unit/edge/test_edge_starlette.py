"""A starlette app behind the edge, as the real rooms will be: JSON in and out, streaming, the location."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import requests
from edge_support import VM_PASSWORD, VM_USER, RunningEdge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from vaultlink.core import web
from vaultlink.edge import CertificateAuthority, HostRoutes
from vaultlink.network.arrive import Arrival


async def put_secret(request: Request) -> Response:
    body = await request.json()
    arrival = web.extension(request.scope, Arrival)
    assert arrival is not None
    location = arrival.location
    return JSONResponse(
        {
            "id": f"https://{request.headers['host']}/secrets/{request.path_params['name']}",
            "value": body["value"],
            "caller": location.describe(),
            "url": str(request.url),
        },
        status_code=200,
    )


async def listing(request: Request) -> Response:
    async def items() -> AsyncIterator[bytes]:
        yield b'{"value": ['
        for i in range(3):
            yield b'%s{"id": %d}' % (b"," if i else b"", i)
        yield b"]}"

    return StreamingResponse(items(), media_type="application/json")


async def nothing(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/secrets/{name}", put_secret, methods=["PUT"]),
        Route("/secrets", listing),
        Route("/empty", nothing, methods=["DELETE"]),
    ]
)


@pytest.fixture(scope="module")
def starlette_edge(ca: CertificateAuthority) -> Iterator[RunningEdge]:
    running = RunningEdge(ca, "uvloop", route=HostRoutes({"*.vault.azure.net": app}))
    yield running
    running.stop()


def test_starlette_app_through_the_tunnel(starlette_edge: RunningEdge) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(starlette_edge.ca.cert_path)
    session.proxies = {"https": f"http://{VM_USER}:{VM_PASSWORD}@127.0.0.1:{starlette_edge.port}"}
    put = session.put("https://kv1.vault.azure.net/secrets/db?api-version=7.4", json={"value": "hunter2"})
    assert put.status_code == 200
    assert put.json() == {
        "id": "https://kv1.vault.azure.net/secrets/db",
        "value": "hunter2",
        "caller": put.json()["caller"],
        "url": "https://kv1.vault.azure.net/secrets/db?api-version=7.4",
    }
    assert "10.0.0.4" in put.json()["caller"]
    listed = session.get("https://kv1.vault.azure.net/secrets")
    assert listed.json() == {"value": [{"id": 0}, {"id": 1}, {"id": 2}]}
    assert listed.headers["transfer-encoding"] == "chunked"
    deleted = session.delete("https://kv1.vault.azure.net/empty")
    assert deleted.status_code == 204 and deleted.content == b""
    assert session.get("https://kv1.vault.azure.net/nowhere").status_code == 404
    session.close()

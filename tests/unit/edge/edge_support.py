"""What the edge's tests share: echo apps that tell the client what they saw, and a real Edge on a loopback
port, in a thread with its own event loop (asyncio or uvloop)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from typing import Any

from vaultlink.core import web
from vaultlink.edge import CertificateAuthority, Edge, HostRoutes, Refusal
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import INTERNET, Location

MAX_BODY = 64 * 1024
VM_USER, VM_PASSWORD = "vm1", "s3cret"
VM_LOCATION = Location(
    machine="/subscriptions/0000/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1",
    private_address="10.0.0.4",
    subnet="/subscriptions/0000/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet/subnets/default",
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class EchoApp:
    """A raw ASGI app that answers with JSON describing the request; a few paths misbehave on purpose."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        if path == "/boom":
            raise RuntimeError("kaboom: a secret detail that must not reach the client")
        if path == "/start-only":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            return
        if path == "/incomplete":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"half", "more_body": True})
            return
        if path == "/slow":
            await asyncio.sleep(0.3)
        if path == "/stream":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
            )
            for i in range(5):
                await send({"type": "http.response.body", "body": b"part %d;" % i, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/big":
            chunk = b"z" * 65536
            headers = [
                (b"content-type", b"application/octet-stream"),
                (b"content-length", b"%d" % (16 * 65536)),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for i in range(16):
                await send({"type": "http.response.body", "body": chunk, "more_body": i < 15})
            return
        arrival = web.extension(scope, Arrival)
        assert arrival is not None
        record = {
            "app": self.name,
            "method": scope["method"],
            "path": path,
            "raw_path": scope["raw_path"].decode("latin-1"),
            "query": scope["query_string"].decode("latin-1"),
            "scheme": scope["scheme"],
            "http_version": scope["http_version"],
            "host": arrival.host,
            "server": list(scope["server"]),
            "client": list(scope["client"]),
            "location": arrival.location.describe(),
            "is_location": isinstance(arrival.location, Location),
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        }
        self.seen.append(record)
        payload = json.dumps(record).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class Apps:
    def __init__(self) -> None:
        self.arm = EchoApp("arm")
        self.login = EchoApp("login")
        self.vault = EchoApp("vault")
        self.local = EchoApp("local")
        self.route = HostRoutes(
            {
                "management.azure.com": self.arm,
                "login.microsoftonline.com": self.login,
                "*.vault.azure.net": self.vault,
                "localhost": self.local,
                "127.0.0.1": self.local,
            }
        )

    @staticmethod
    def locate(authorization: str | None) -> Location | Refusal:
        if authorization is None:
            return INTERNET
        if authorization == basic(VM_USER, VM_PASSWORD):
            return VM_LOCATION
        return Refusal.bad_credential()


class RunningEdge:
    """An Edge serving in a background thread with its own event loop."""

    def __init__(self, ca: CertificateAuthority, loop_kind: str, **options: Any) -> None:
        self.ca = ca
        self.loop_kind = loop_kind
        self.apps = Apps()
        self._options = options
        self._ready = threading.Event()
        self._error: Exception | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.edge: Edge | None = None
        self._thread = threading.Thread(target=self._run, name=f"edge-{loop_kind}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the edge did not start")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        if self.loop_kind == "uvloop":
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            options = {"route": self.apps.route, "locate": self.apps.locate, **self._options}
            self.edge = Edge(ca=self.ca, **options)
            loop.run_until_complete(self.edge.start())
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self.edge.close())
        loop.close()

    @property
    def port(self) -> int:
        assert self.edge is not None
        return self.edge.port

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

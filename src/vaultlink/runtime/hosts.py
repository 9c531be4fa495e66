"""Which app answers which host, and the small local answers for hosts the az CLI calls besides Azure's APIs
(its version check and its telemetry), so nothing ever leaves the machine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from vaultlink.core.asgi import Receive, Scope, Send

ARM_HOSTS = ("management.azure.com", "management.core.windows.net")
LOGIN_HOSTS = ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net")
GRAPH_HOSTS = ("graph.microsoft.com",)
ATTESTATION_HOSTS = "*.attest.azure.net"
"""Every Microsoft Azure Attestation provider: `{name}.{region}.attest.azure.net`, and the shared ones."""
PORTAL_HOST = "portal.azure.com"
CLI_VERSION_HOST = "azcliprod.blob.core.windows.net"
TELEMETRY_HOSTS = ("dc.services.visualstudio.com", "dc.applicationinsights.azure.com")


async def _drain(receive: Receive) -> int:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            return size


async def _reply(send: Send, status: int, body: bytes, content_type: bytes = b"application/json") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def cli_version_check(scope: Scope, receive: Receive, send: Send) -> None:
    """The az CLI asks whether it is the latest release; a 404 makes it skip the check quietly."""
    await _drain(receive)
    await _reply(send, 404, b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code>"
                 b"<Message>vaultlink answers the CLI's version check locally.</Message></Error>", b"application/xml")


async def telemetry(scope: Scope, receive: Receive, send: Send) -> None:
    """Telemetry is accepted and dropped."""
    await _drain(receive)
    await _reply(send, 200, json.dumps({"itemsReceived": 0, "itemsAccepted": 0, "errors": []}).encode())


def status_app(
    info: Callable[[], dict[str, Any]],
    fallback: Callable[[Scope, Receive, Send], Awaitable[None]],
    decision: Callable[[str], dict[str, Any] | None],
    diagnosis: Callable[[str, dict[str, str]], tuple[int, dict[str, Any]]] | None = None,
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The edge's own address: /vaultlink/status for `vaultlink status`, /vaultlink/decisions/{request id} for
    why a request was admitted or refused, /vaultlink/diagnose/{vault}?from=... for `vaultlink diagnose`,
    everything else to `fallback` (the portal's loopback site, with the managed-identity endpoint)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if path == "/vaultlink/status":
            await _drain(receive)
            await _reply(send, 200, json.dumps(info()).encode())
            return
        if path.startswith("/vaultlink/decisions/"):
            await _drain(receive)
            found = decision(path.rsplit("/", 1)[1])
            if found is None:
                await _reply(send, 404, json.dumps({"error": {"code": "NotFound", "message":
                             "No decision is recorded for that request id (only the most recent are kept)."}}).encode())
            else:
                await _reply(send, 200, json.dumps(found).encode())
            return
        if diagnosis is not None and path.startswith("/vaultlink/diagnose/") and scope["method"] == "GET":
            await _drain(receive)
            query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
            status, body = await asyncio.to_thread(diagnosis, unquote(path.rsplit("/", 1)[1]), query)
            await _reply(send, status, json.dumps(body).encode())
            return
        await fallback(scope, receive, send)

    return app

"""The edge: vaultlink's certificate authority, its HTTPS proxy, and host routing into the apps.

Owns: every byte a client sends over TCP to the proxy port. It decides the caller's location (from the proxy
credential), terminates TLS with a leaf certificate minted for the requested Azure host, speaks HTTP/1.1
with keep-alive, and hands each request to the ASGI app that serves that host. May import: network, core.
Start with `proxy.py` (the connection's life: CONNECT, direct TLS or plain HTTP), then `http.py` (HTTP/1.1
into ASGI apps), `response.py` (framing the answer), `tls.py` (TLS over memory BIOs), `ca.py` (the CA and
per-host leaves) and `hostroutes.py` (`Refusal`, the `route`/`locate` shapes the runtime supplies, `HostRoutes`).
`types.py` names the shapes; `accesslog.py` writes the line per request that `vaultlink up -v` asks for.
"""

from vaultlink.core.asgi import ASGIApp, Message, Receive, Scope, Send
from vaultlink.edge.ca import CertificateAuthority
from vaultlink.edge.hostroutes import HostRoutes, Locate, Refusal, Route, Served
from vaultlink.edge.proxy import Edge
from vaultlink.edge.request import Target

__all__ = [
    "ASGIApp",
    "CertificateAuthority",
    "Edge",
    "HostRoutes",
    "Locate",
    "Message",
    "Receive",
    "Refusal",
    "Route",
    "Scope",
    "Send",
    "Served",
    "Target",
]

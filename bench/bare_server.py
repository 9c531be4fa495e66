"""The peer for the ARM throughput benchmark: a bare ASGI app that answers every request with one fixed JSON
body, served by uvicorn (uvloop, httptools) over HTTPS.

Run as a subprocess: `python -m bench.bare_server BODY_FILE CERT KEY PORT_FILE`. It binds 127.0.0.1 on a port
the OS chooses, writes the port to PORT_FILE, and serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any


def make_app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    whole = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(start)
        await send(whole)

    return app


def main(argv: list[str]) -> None:
    import uvicorn

    body_file, cert, key, port_file = argv
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        make_app(Path(body_file).read_bytes()), loop="uvloop", http="httptools", lifespan="off",
        ssl_certfile=cert, ssl_keyfile=key, log_level="warning", access_log=False, backlog=1024,
    )
    Path(port_file).write_text(str(sock.getsockname()[1]))
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])

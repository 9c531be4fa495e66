"""Server-side TLS inside the connection's protocol, with `ssl.SSLObject` over memory BIOs.

The edge reads a connection's first bytes before it knows whether they are TLS (direct TLS) or a CONNECT
whose tunnel turns into TLS. Terminating TLS here, rather than with `loop.start_tls`, keeps the bytes already
read and gives both cases one code path, on the default event loop and on uvloop alike.
"""

from __future__ import annotations

import asyncio
import ssl

READ_SIZE = 256 * 1024


class TlsLayer:
    """The server end of one TLS session over a transport: `feed` ciphertext in, `write` plaintext out.

    It is the `Pipe` the HTTP conversation writes to. `feed` raises `ssl.SSLError` when the peer breaks the
    protocol (a garbage or failed handshake, a bad record); the caller then closes the connection.
    """

    __slots__ = ("_closed", "_handshaken", "_incoming", "_outgoing", "_sslobj", "_transport", "peer_closed")

    def __init__(self, transport: asyncio.Transport, context: ssl.SSLContext) -> None:
        self._transport = transport
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._sslobj = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._handshaken = False
        self._closed = False
        self.peer_closed = False
        """The peer sent close_notify: it will send nothing more."""

    @property
    def handshaken(self) -> bool:
        return self._handshaken

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the network; return the application bytes they complete (often none yet)."""
        if self._closed:
            return b""  # our side is done: what still arrives is dropped
        self._incoming.write(data)
        if not self._handshaken:
            try:
                self._sslobj.do_handshake()
            except ssl.SSLWantReadError:
                self._flush()
                return b""
            except ssl.SSLError:
                self._flush()  # the alert tells the client why
                raise
            self._handshaken = True
        chunks: list[bytes] = []
        sslobj, incoming = self._sslobj, self._incoming
        try:
            while True:
                chunk = sslobj.read(READ_SIZE)
                if not chunk:  # close_notify (over memory BIOs, "no data yet" raises instead)
                    self.peer_closed = True
                    break
                chunks.append(chunk)
                if not incoming.pending and not sslobj.pending():
                    break  # every byte taken and nothing decrypted left: another read would only raise WantRead
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            self.peer_closed = True
        if self._outgoing.pending:  # handshake completion, session tickets, key updates
            self._flush()
        if len(chunks) == 1:
            return chunks[0]
        return b"".join(chunks)

    def write(self, data: bytes) -> None:
        if self._closed:
            return
        sslobj = self._sslobj
        view = memoryview(data)
        written = sslobj.write(view)
        while written < len(view):
            written += sslobj.write(view[written:])
        self._transport.write(self._outgoing.read())

    def close(self) -> None:
        """Send close_notify after what was written, then close the transport."""
        self._notify_close()
        self._transport.close()

    def shutdown_write(self) -> None:
        """Send close_notify and EOF after what was written; keep reading (and dropping) what comes."""
        self._notify_close()
        if self._transport.can_write_eof() and not self._transport.is_closing():
            self._transport.write_eof()

    def _notify_close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._handshaken and not self._transport.is_closing():
            try:
                self._sslobj.unwrap()
            except ssl.SSLError:
                pass  # it waits for the peer's close_notify, which we do not wait for
            self._flush()

    def pause_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.resume_reading()

    def _flush(self) -> None:
        if self._outgoing.pending and not self._transport.is_closing():
            self._transport.write(self._outgoing.read())

"""The server's sockets: UDP and TCP listeners per view on loopback addresses, under asyncio and uvloop."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable, Iterator

import pytest
from tests.unit.dns.dns_support import LINKED, UNLINKED, topology

from vaultlink.dns.server import DnsServer, require_loopback
from vaultlink.dns.wire import Message, decode_message, encode_query
from vaultlink.network.topology import Topology, region_address

LOOPS = ["asyncio", "uvloop"]


@pytest.fixture(params=LOOPS)
def run(request: pytest.FixtureRequest) -> Iterator[Callable[[Awaitable[None]], None]]:
    def runner(coroutine: Awaitable[None]) -> None:
        if request.param == "uvloop":
            uvloop = pytest.importorskip("uvloop")
            uvloop.run(coroutine)  # type: ignore[arg-type]
        else:
            asyncio.run(coroutine)  # type: ignore[arg-type]

    yield runner


async def udp(address: tuple[str, int], data: bytes, timeout: float = 2.0) -> bytes:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
        await loop.sock_sendall(sock, data)
        return await asyncio.wait_for(loop.sock_recv(sock, 65535), timeout)


async def ask(address: tuple[str, int], name: str, qtype: str = "A") -> Message:
    return decode_message(await udp(address, encode_query(name, qtype)))


async def tcp_exchange(address: tuple[str, int], queries: list[bytes]) -> list[Message]:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(b"".join(len(q).to_bytes(2, "big") + q for q in queries))  # pipelined
    await writer.drain()
    out = []
    for _ in queries:
        size = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), 2), "big")
        out.append(decode_message(await reader.readexactly(size)))
    writer.close()
    await writer.wait_closed()
    return out


def server(snapshot: Topology | None = None, **options: float | None) -> DnsServer:
    fixed = snapshot or topology()
    return DnsServer(lambda: fixed, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.0.4", "192.168.1.1", "::1", "localhost", "8.8.8.8", ""])
def test_only_loopback_addresses_are_bound(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(host)
    require_loopback("127.0.3.7")


def test_each_view_on_its_own_loopback_address(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server()
        internet = await s.add_view(None, "127.0.3.21", 0)
        linked = await s.add_view(LINKED, "127.0.3.22", 0)
        assert internet[0] == "127.0.3.21" and internet[1] > 0 and s.views == {None: internet, LINKED: linked}
        assert (await ask(linked, "fabrikam.vault.azure.net")).answer[-1].value == "10.1.0.4"
        assert (await ask(internet, "fabrikam.vault.azure.net")).answer[-1].value == region_address("eastus")
        with pytest.raises(ValueError, match="already listens"):
            await s.add_view(LINKED, "127.0.3.23", 0)
        with pytest.raises(ValueError):
            await s.add_view(UNLINKED, "0.0.0.0", 0)
        await s.remove_view(LINKED)
        assert LINKED not in s.views
        with pytest.raises(OSError):  # nobody listens there any more
            await asyncio.open_connection(*linked)
        await s.close()
        assert s.views == {}

    run(main())


def test_a_fixed_port_binds_udp_and_tcp(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server()
        first = await s.add_view(None, "127.0.3.24", 0)
        again = await s.add_view(LINKED, "127.0.3.25", first[1])  # the same port on another address
        assert again == ("127.0.3.25", first[1])
        with pytest.raises(OSError):
            await s.add_view(UNLINKED, "127.0.3.24", first[1])  # taken
        assert UNLINKED not in s.views
        await s.close()

    run(main())


def test_tcp_answers_several_queries_per_connection(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server()
        address = await s.add_view(LINKED, "127.0.3.26", 0)
        queries = [encode_query("fabrikam.vault.azure.net", ident=1), encode_query("big.contoso.internal", "TXT", ident=2),
                   encode_query("example.com", ident=3)]
        answers = await tcp_exchange(address, queries)
        assert [m.id for m in answers] == [1, 2, 3]
        assert [m.rcode for m in answers] == ["NOERROR", "NOERROR", "REFUSED"]
        assert len(answers[1].answer) == 8  # no truncation over TCP
        await s.close()

    run(main())


def test_tcp_drops_idle_and_garbage_connections(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server(tcp_idle=0.2)
        address = await s.add_view(LINKED, "127.0.3.27", 0)
        reader, writer = await asyncio.open_connection(*address)
        assert await asyncio.wait_for(reader.read(), 3) == b""  # closed by the server after 0.2 s of silence
        writer.close()
        reader, writer = await asyncio.open_connection(*address)
        writer.write(b"\x00\x03abc")  # a message shorter than a header
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
        await s.close()

    run(main())


def test_garbage_never_stops_the_listener(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server()
        address = await s.add_view(LINKED, "127.0.3.28", 0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for junk in (b"", b"\x00", b"\xff" * 11, b"\xff" * 12, b"\x00" * 12 + b"\xc0\x0c\x00\x01\x00\x01",
                         encode_query("fabrikam.vault.azure.net")[:20], bytes(range(256)) * 2):
                sock.sendto(junk, address)
        formerr = await udp(address, struct.pack("!6H", 9, 0x100, 2, 0, 0, 0))
        assert decode_message(formerr).rcode == "FORMERR"
        assert (await ask(address, "fabrikam.vault.azure.net")).rcode == "NOERROR"
        await s.close()

    run(main())


def test_redirected_and_refusing_views(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        s = server()
        # UNLINKED's DNS servers setting points at a forwarder in LINKED: it answers as LINKED does
        forwarded = await s.add_view(UNLINKED, "127.0.3.29", 0, answer_as=LINKED)
        public = await s.add_view("/other", "127.0.3.30", 0, answer_as=None)
        dead = await s.add_view(LINKED, "127.0.3.31", 0, refuse=True)
        assert (await ask(forwarded, "fabrikam.vault.azure.net")).answer[-1].value == "10.1.0.4"
        assert (await ask(public, "fabrikam.vault.azure.net")).answer[-1].value == region_address("eastus")
        assert (await ask(dead, "fabrikam.vault.azure.net")).rcode == "REFUSED"
        await s.close()

    run(main())


def test_invalidate_and_recheck(run: Callable[[Awaitable[None]], None]) -> None:
    async def main() -> None:
        current = [topology()]
        s = DnsServer(lambda: current[0], recheck=0.05)
        address = await s.add_view(LINKED, "127.0.3.32", 0)
        assert (await ask(address, "fabrikam.vault.azure.net")).answer[-1].value == "10.1.0.4"
        current[0] = topology(fabrikam_address="10.1.0.50")
        s.invalidate()
        assert (await ask(address, "fabrikam.vault.azure.net")).answer[-1].value == "10.1.0.50"
        current[0] = topology(fabrikam_address="10.1.0.60")  # nobody calls invalidate: the recheck notices
        await asyncio.sleep(0.3)
        assert (await ask(address, "fabrikam.vault.azure.net")).answer[-1].value == "10.1.0.60"
        await s.close()

    run(main())


def test_tcp_closes_a_message_that_trickles_in(run: Callable[[Awaitable[None]], None]) -> None:
    """A byte at a time, each well within the idle time, still does not hold the connection: a message must be
    whole within the idle time of its first byte."""
    async def main() -> None:
        s = server(tcp_idle=0.5)
        address = await s.add_view(LINKED, "127.0.3.29", 0)
        reader, writer = await asyncio.open_connection(*address)
        writer.write(b"\x01\x2c")  # a 300-byte message is coming
        closed = False
        for _ in range(300):  # a byte every 0.1 s would take 30 s
            writer.write(b"\x00")
            try:
                closed = await asyncio.wait_for(reader.read(), 0.1) == b""
            except TimeoutError:
                continue
            break
        assert closed, "the connection stayed open while the message trickled"
        writer.close()
        assert (await ask(address, "fabrikam.vault.azure.net")).rcode == "NOERROR"
        await s.close()

    run(main())

"""The responder, bytes in and bytes out: answers per view, header flags, EDNS, truncation, errors, the cache,
and a fuzz that nothing it is sent breaks it."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.dns.dns_support import BIG_TXT, LINKED, REDIRECTED, UNLINKED, topology

from vaultlink.dns.responder import Responder, Source
from vaultlink.dns.wire import AA, CD, QR, RA, RD, TC, Message, decode_message, encode_query, opt_record
from vaultlink.network.topology import Topology, region_address

PUBLIC = region_address("eastus")


def responder(view: str | None = None, snapshot: Topology | None = None, **options: object) -> Responder:
    fixed = snapshot or topology()
    return Responder(Source(lambda: fixed), view, **options)  # type: ignore[arg-type]


def ask(r: Responder, name: str, qtype: str = "A", *, udp: bool = True, **query: object) -> Message:
    reply = r.answer(encode_query(name, qtype, **query), udp)  # type: ignore[arg-type]
    assert reply is not None
    return decode_message(reply)


def rows(message: Message) -> list[tuple[str, str, int, str]]:
    return [(r.name, r.type, r.ttl, r.value) for r in message.answer]


def test_linked_network_gets_the_private_address() -> None:
    m = ask(responder(LINKED), "fabrikam.vault.azure.net")
    assert m.rcode == "NOERROR" and m.authority == ()
    assert rows(m) == [("fabrikam.vault.azure.net", "CNAME", 60, "fabrikam.privatelink.vaultcore.azure.net"),
                       ("fabrikam.privatelink.vaultcore.azure.net", "A", 600, "10.1.0.4")]


@pytest.mark.parametrize("view", [None, UNLINKED])
def test_internet_and_unlinked_networks_get_the_public_chain(view: str | None) -> None:
    m = ask(responder(view), "fabrikam.vault.azure.net")
    assert [r.type for r in m.answer] == ["CNAME", "CNAME", "CNAME", "CNAME", "A"]
    assert m.answer[1].name == "fabrikam.privatelink.vaultcore.azure.net" and m.answer[-1].value == PUBLIC


def test_missing_private_record_is_nxdomain_with_the_zone_soa() -> None:
    m = ask(responder(LINKED), "contoso.vault.azure.net")
    assert m.rcode == "NXDOMAIN" and [r.type for r in m.answer] == ["CNAME"]
    (soa,) = m.authority
    assert soa.name == "privatelink.vaultcore.azure.net" and soa.type == "SOA"
    assert soa.value == "azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10"
    assert soa.ttl == 10  # RFC 2308: the smaller of the SOA's TTL (3600) and its minimum (10)


def test_nx_domain_redirect_falls_back_to_the_public_answer() -> None:
    m = ask(responder(REDIRECTED), "contoso.vault.azure.net")
    assert m.rcode == "NOERROR" and m.answer[-1].value == PUBLIC


def test_unknown_vault_is_nxdomain_with_azure_soa() -> None:
    m = ask(responder(None), "nosuch.vault.azure.net")
    assert m.rcode == "NXDOMAIN" and m.answer == ()
    assert m.authority[0].name == "vault.azure.net" and m.authority[0].value.startswith("ns1-01.azure-dns.com ")


def test_nodata_carries_the_soa() -> None:
    m = ask(responder(LINKED), "fabrikam.vault.azure.net", "AAAA")
    assert m.rcode == "NOERROR" and [r.type for r in m.answer] == ["CNAME"]
    assert m.authority[0].type == "SOA" and m.authority[0].name == "privatelink.vaultcore.azure.net"


def test_names_outside_vaultlink_are_refused() -> None:
    m = ask(responder(LINKED), "example.com")
    assert m.rcode == "REFUSED" and m.answer == () and m.authority == ()
    assert m.question == (("example.com", "A", 1),)


@pytest.mark.parametrize(("name", "qtype", "values"), [
    ("contoso.internal", "TXT", ["v=spf1 -all", "hello world"]),
    ("contoso.internal", "MX", ["10 mail.contoso.internal", "20 backup.contoso.internal"]),
    ("_ldap._tcp.contoso.internal", "SRV", ["1 2 389 dc1.contoso.internal"]),
    ("dc1.contoso.internal", "AAAA", ["fd00::10"]),
    ("host4.contoso.internal", "PTR", ["dc1.contoso.internal"]),
    ("contoso.internal", "SOA", ["azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10"]),
    ("www.contoso.internal", "A", ["dc1.contoso.internal", "10.1.0.10"]),
    ("www.contoso.internal", "CNAME", ["dc1.contoso.internal"]),
])
def test_private_zone_record_types(name: str, qtype: str, values: list[str]) -> None:
    m = ask(responder(LINKED), name, qtype)
    assert m.rcode == "NOERROR" and [r.value for r in m.answer] == values


def test_header_flags_and_the_question_as_sent() -> None:
    r = responder(LINKED)
    for rd in (True, False):
        for _ in range(2):  # the miss, then the cached answer
            data = encode_query("FaBrIkAm.VAULT.azure.net", ident=0xBEEF, rd=rd)
            reply = r.answer(data, True)
            assert reply is not None
            m = decode_message(reply)
            assert m.id == 0xBEEF and m.has(QR) and m.has(RA) and not m.has(AA) and not m.has(TC)
            assert m.has(RD) == rd and not m.has(CD)
            assert reply[12:12 + len(data) - 12] == data[12:]  # letter case preserved
            assert m.answer[0].name == "FaBrIkAm.VAULT.azure.net"


def test_hot_and_slow_paths_give_the_same_bytes() -> None:
    r = responder(None)
    query = encode_query("fabrikam.vault.azure.net")
    first = r.answer(query, True)
    assert r.cache and first == r.answer(query, True) == r.answer_slowly(query, True)


def test_edns_answer_carries_our_opt_record() -> None:
    m = ask(responder(LINKED), "fabrikam.vault.azure.net", edns=4096)
    assert m.edns is not None and m.edns.size == 1232 and m.edns.version == 0
    assert ask(responder(LINKED), "fabrikam.vault.azure.net").edns is None


def test_unsupported_edns_version_is_badvers() -> None:
    query = bytearray(encode_query("fabrikam.vault.azure.net", edns=1232))
    query[-5] = 1  # the OPT record's version byte
    reply = responder(LINKED).answer(bytes(query), True)
    assert reply is not None
    m = decode_message(reply)
    assert m.rcode == "BADVERS" and m.answer == () and m.edns is not None


def test_truncation_over_udp() -> None:
    r = responder(LINKED)
    plain = ask(r, "big.contoso.internal", "TXT")
    assert plain.has(TC) and plain.answer == () and plain.question == (("big.contoso.internal", "TXT", 1),)
    whole = ask(r, "big.contoso.internal", "TXT", udp=False)
    assert not whole.has(TC) and [a.value for a in whole.answer] == list(BIG_TXT)
    assert not ask(r, "big.contoso.internal", "TXT", edns=1232).has(TC)
    small = ask(r, "big.contoso.internal", "TXT", edns=600)
    assert small.has(TC) and small.edns is not None and small.answer == ()


def test_an_answer_over_1232_is_truncated_even_for_a_client_offering_more() -> None:
    big = topology()
    zone = big.zones[1]
    zone.records[("huge", "TXT")] = zone.records[("big", "TXT")].__class__("TXT", 60, ("y" * 200,) * 8)
    r = responder(LINKED, big)
    assert ask(r, "huge.contoso.internal", "TXT", edns=4096).has(TC)
    assert len(ask(r, "huge.contoso.internal", "TXT", udp=False).answer) == 8


def test_other_opcodes_are_not_implemented() -> None:
    reply = responder(None).answer(encode_query("fabrikam.vault.azure.net", opcode=2), True)  # STATUS
    assert reply is not None
    m = decode_message(reply)
    assert m.rcode == "NOTIMP" and m.has(QR) and (m.flags >> 11) & 0xF == 2


def test_malformed_queries_are_formerr_and_garbage_is_dropped() -> None:
    r = responder(None)
    two = bytearray(encode_query("fabrikam.vault.azure.net"))
    two[5] = 2
    reply = r.answer(bytes(two), True)
    assert reply is not None and decode_message(reply).rcode == "FORMERR" and reply[:2] == two[:2]
    assert r.answer(encode_query("fabrikam.vault.azure.net")[:-1], True) is not None
    assert r.answer(b"\x12\x34\x01\x00", True) is None  # shorter than a header
    response = bytearray(encode_query("fabrikam.vault.azure.net"))
    response[2] |= 0x80
    assert r.answer(bytes(response), True) is None  # a response: never answered (no loops)


@pytest.mark.parametrize("qtype", ["AXFR", "IXFR"])
def test_zone_transfers_are_refused(qtype: str) -> None:
    assert ask(responder(LINKED), "contoso.internal", qtype, udp=False).rcode == "REFUSED"


def test_other_classes_and_odd_names_are_refused() -> None:
    chaos = bytearray(encode_query("version.bind", "TXT"))
    chaos[-1] = 3
    reply = responder(None).answer(bytes(chaos), True)
    assert reply is not None and decode_message(reply).rcode == "REFUSED"
    odd = struct.pack("!6H", 1, 0x100, 1, 0, 0, 0) + b"\x03a.b\x05vault\x05azure\x03net\x00\x00\x01\x00\x01"
    reply = responder(None).answer(odd, True)
    assert reply is not None and decode_message(reply).rcode == "REFUSED"


def test_a_refusing_view_refuses_everything() -> None:
    m = ask(responder(LINKED, refuse=True), "fabrikam.vault.azure.net", edns=1232)
    assert m.rcode == "REFUSED" and m.answer == () and m.edns is not None


def test_unknown_types_get_nodata() -> None:
    m = ask(responder(LINKED), "fabrikam.vault.azure.net", "TYPE65")
    assert m.rcode == "NOERROR" and m.authority and m.question[0][1] == "TYPE65"


# ---- the cache -------------------------------------------------------------------------------------------

def test_invalidate_drops_cached_answers() -> None:
    current = [topology()]
    source = Source(lambda: current[0])
    r = Responder(source, LINKED)
    assert ask(r, "fabrikam.vault.azure.net").answer[-1].value == "10.1.0.4"
    current[0] = topology(fabrikam_address="10.1.0.99")
    assert ask(r, "fabrikam.vault.azure.net").answer[-1].value == "10.1.0.4"  # cached until told
    source.invalidate()
    assert not r.cache
    assert ask(r, "fabrikam.vault.azure.net").answer[-1].value == "10.1.0.99"


def test_recheck_notices_a_new_snapshot() -> None:
    current = [topology()]
    source = Source(lambda: current[0])
    r = Responder(source, LINKED)
    ask(r, "fabrikam.vault.azure.net")
    source.recheck()
    assert r.cache  # same snapshot: kept
    current[0] = topology(fabrikam_address="10.1.0.99")
    source.recheck()
    assert ask(r, "fabrikam.vault.azure.net").answer[-1].value == "10.1.0.99"


def test_an_answer_computed_across_an_invalidation_is_not_cached() -> None:
    source: Source

    def snapshot() -> Topology:
        source.invalidate()  # the topology changes while the answer is computed
        return topology()

    source = Source(snapshot)
    r = Responder(source, LINKED)
    assert ask(r, "fabrikam.vault.azure.net").rcode == "NOERROR" and not r.cache


def test_the_cache_is_bounded() -> None:
    r = responder(None, cache_size=3)
    for name in ("fabrikam", "contoso", "northwind", "nosuch1", "nosuch2"):
        ask(r, f"{name}.vault.azure.net")
        assert len(r.cache) <= 3


def test_a_broken_snapshot_answers_servfail() -> None:
    def broken() -> Topology:
        raise RuntimeError("store down")

    r = Responder(Source(broken), LINKED)
    assert ask(r, "fabrikam.vault.azure.net").rcode == "SERVFAIL" and not r.cache


# ---- fuzz -----------------------------------------------------------------------------------------------------

REAL = [encode_query("fabrikam.vault.azure.net"), encode_query("big.contoso.internal", "TXT", edns=1232),
        encode_query("_ldap._tcp.contoso.internal", "SRV", edns=4096), encode_query("example.com", "MX")]
FUZZED = responder(LINKED)


def _check(data: bytes) -> None:
    for udp in (True, False):
        reply = FUZZED.answer(data, udp)
        if reply is None:
            continue
        assert reply[:2] == data[:2] and reply[2] & 0x80
        decode_message(reply)  # whatever was sent, what comes back is well formed


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_break_it(data: bytes) -> None:
    _check(data)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_cut_and_flipped_queries_never_break_it(query: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(query)))
    _check(query[:cut])
    flipped = bytearray(query)
    for _ in range(data.draw(st.integers(1, 4))):
        flipped[data.draw(st.integers(0, len(query) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    _check(bytes(flipped))
    _check(query + data.draw(st.binary(max_size=40)))
    _check(query[:12] + opt_record() + query[12:])


def test_every_prefix_of_real_queries() -> None:
    for query in REAL:
        for cut in range(len(query) + 1):
            _check(query[:cut])


def test_an_independent_parser_reads_the_same_answers() -> None:
    dnslib = pytest.importorskip("dnslib")
    r = responder(LINKED)
    for name, qtype in [("fabrikam.vault.azure.net", "A"), ("contoso.vault.azure.net", "A"),
                        ("contoso.internal", "MX"), ("_ldap._tcp.contoso.internal", "SRV"),
                        ("contoso.internal", "TXT"), ("dc1.contoso.internal", "AAAA"), ("contoso.internal", "SOA")]:
        reply = r.answer(encode_query(name, qtype, edns=1232), True)
        assert reply is not None
        theirs = dnslib.DNSRecord.parse(reply)
        ours = decode_message(reply)
        assert dnslib.RCODE[theirs.header.rcode] == ours.rcode
        assert [str(rr.rname).rstrip(".") for rr in theirs.rr] == [a.name for a in ours.answer]
        assert [dnslib.QTYPE[rr.rtype] for rr in theirs.rr] == [a.type for a in ours.answer]
        assert [rr.ttl for rr in theirs.auth] == [a.ttl for a in ours.authority]
        assert theirs.ar and theirs.ar[0].rtype == 41 and theirs.ar[0].rclass == 1232


def test_detaching_one_view_keeps_the_others_cache_invalidated() -> None:
    """Two views' caches are equal while empty; detaching one must not unhook the other's (a resolver that
    failed to bind once left the internet's answers cached forever)."""
    from vaultlink.dns.responder import Responder, Source
    from vaultlink.network.topology import Topology

    source = Source(lambda: Topology())
    kept, dropped = Responder(source, None), Responder(source, "vnet")
    dropped.detach()
    assert any(c is kept.cache for c in source.caches) and not any(c is dropped.cache for c in source.caches)
    kept.cache[b"q"] = None  # type: ignore[assignment]
    source.invalidate()
    assert kept.cache == {}

"""The wire format: reading queries, encoding names and record data, decoding messages."""

from __future__ import annotations

import struct

import pytest

from vaultlink.dns.wire import (
    EDNS_UDP,
    FormatError,
    NameWriter,
    decode_message,
    encode_name,
    encode_query,
    name_labels,
    opt_record,
    parse_query,
    read_name,
    write_rdata,
)


def test_names_encode_and_read_back() -> None:
    wire = encode_name("Fabrikam.vault.azure.net.")
    assert wire == b"\x08Fabrikam\x05vault\x05azure\x03net\x00"
    assert read_name(wire, 0) == ((b"Fabrikam", b"vault", b"azure", b"net"), len(wire))
    assert encode_name(".") == b"\x00" and name_labels("") == ()


@pytest.mark.parametrize("bad", ["a" * 64 + ".com", ".".join(["abcdefghi"] * 26), "a..b"])
def test_invalid_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        encode_name(bad)


def test_compression_points_at_earlier_names() -> None:
    buffer = bytearray()
    writer = NameWriter(buffer, 12)
    writer.remember((b"Fabrikam", b"vault", b"azure", b"net"), 100)
    writer.write("fabrikam.vault.azure.net")  # the question's name, at 100
    assert buffer == struct.pack("!H", 0xC000 | 100)
    writer.write("fabrikam.privatelink.vaultcore.azure.net")  # no pointer into the question's suffixes
    assert buffer.endswith(b"\x08fabrikam\x0bprivatelink\x09vaultcore\x05azure\x03net\x00")
    writer.write("vaultcore.azure.net")  # written above at 12 + 2 + 9 + 12
    assert buffer.endswith(struct.pack("!H", 0xC000 | 35))


def test_reading_a_pointer_loop_fails() -> None:
    data = b"\x00" * 12 + b"\xc0\x0c"
    with pytest.raises(FormatError):
        read_name(data, 12)


@pytest.mark.parametrize(("rtype", "value", "rdata"), [
    ("A", "10.1.0.4", bytes([10, 1, 0, 4])),
    ("AAAA", "fd00::10", bytes.fromhex("fd000000000000000000000000000010")),
    ("CNAME", "a.b", b"\x01a\x01b\x00"),
    ("PTR", "a.b", b"\x01a\x01b\x00"),
    ("MX", "10 mail.b", b"\x00\x0a\x04mail\x01b\x00"),
    ("SRV", "1 2 443 t.b", b"\x00\x01\x00\x02\x01\xbb\x01t\x01b\x00"),
    ("TXT", "hi", b"\x02hi"),
    ("TXT", "", b"\x00"),
    ("SOA", "m.b r.b 1 2 3 4 5", b"\x01m\x01b\x00\x01r\xc0\x02" + struct.pack("!5I", 1, 2, 3, 4, 5)),
])
def test_record_data(rtype: str, value: str, rdata: bytes) -> None:
    buffer = bytearray()
    write_rdata(NameWriter(buffer, 0), rtype, value)
    assert bytes(buffer) == rdata


def test_long_text_is_split_into_strings_of_255() -> None:
    buffer = bytearray()
    write_rdata(NameWriter(buffer, 0), "TXT", "x" * 600)
    assert buffer[0] == 255 and buffer[256] == 255 and buffer[512] == 90 and len(buffer) == 603


@pytest.mark.parametrize(("rtype", "value"), [("A", "fd00::1"), ("AAAA", "10.0.0.1"), ("MX", "mail"),
                                              ("SRV", "1 2 target"), ("SOA", "a b 1"), ("HINFO", "x")])
def test_values_that_do_not_fit_the_type(rtype: str, value: str) -> None:
    with pytest.raises(ValueError):
        write_rdata(NameWriter(bytearray(), 0), rtype, value)


def test_parse_a_plain_query() -> None:
    query = parse_query(encode_query("FabriKam.Vault.azure.net", "AAAA", ident=7))
    assert (query.id, query.qtype, query.qclass, query.edns, query.opcode) == (7, 28, 1, None, 0)
    assert query.name == "FabriKam.Vault.azure.net"
    assert query.question == encode_name("FabriKam.Vault.azure.net") + b"\x00\x1c\x00\x01"


def test_parse_edns() -> None:
    query = parse_query(encode_query("a.b", edns=4096))
    assert query.edns is not None and query.edns.size == 4096 and query.edns.version == 0
    with_do = encode_query("a.b")[:11] + b"\x01" + encode_query("a.b")[12:] + b"\x00" + struct.pack(
        "!HHIH", 41, 1232, 0x0001_8000, 0)
    parsed = parse_query(with_do)
    assert parsed.edns is not None and parsed.edns.do and parsed.edns.version == 1


@pytest.mark.parametrize("mutate", [
    lambda q: q[:5] + b"\x02" + q[6:],                      # two questions announced
    lambda q: q[:5] + b"\x00" + q[6:],                      # no question
    lambda q: q + b"\x00",                                  # trailing garbage
    lambda q: q[:-2],                                       # question cut short
    lambda q: q[:11] + b"\x02" + q[12:] + opt_record() * 2,  # two OPT records
    lambda q: q[:11] + b"\x01" + q[12:] + b"\x01a" + opt_record(),  # OPT not owned by the root
    lambda q: q[:12] + b"\xc0\x0c" + q[-4:],                # a pointer in the question
    lambda q: q[:12] + b"\x40" + b"a" * 64 + b"\x00" + q[-4:],  # label of 64
    lambda q: q[:-4] + b"\x00\x29\x00\x01",                 # OPT as the question type
    lambda q: q[:7] + b"\x01" + q[8:],                      # an answer record that is not there
])
def test_malformed_queries(mutate: object) -> None:
    assert callable(mutate)
    with pytest.raises(FormatError):
        parse_query(mutate(encode_query("fabrikam.vault.azure.net")))


def test_names_with_bytes_no_host_name_has_are_not_named() -> None:
    for label in (b"a.b", b"a b", b"caf\xc3\xa9", b"a\x00"):
        query = parse_query(b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + bytes((len(label),)) + label +
                            b"\x03com\x00\x00\x01\x00\x01")
        assert query.name == ""
    assert parse_query(encode_query("_ldap._tcp.contoso.internal", "SRV")).name == "_ldap._tcp.contoso.internal"


def test_decode_a_message_with_every_section() -> None:
    buffer = bytearray(struct.pack("!6H", 9, 0x8180, 1, 2, 1, 1))
    buffer += encode_name("www.b") + b"\x00\x01\x00\x01"
    writer = NameWriter(buffer, 0)
    writer.remember((b"www", b"b"), 12)
    for rtype, value in (("CNAME", "dc1.b"), ("A", "10.0.0.1")):
        writer.write("www.b" if rtype == "CNAME" else "dc1.b")
        buffer += struct.pack("!HHIH", {"CNAME": 5, "A": 1}[rtype], 1, 300, 0)
        start = len(buffer)
        write_rdata(writer, rtype, value)
        struct.pack_into("!H", buffer, start - 2, len(buffer) - start)
    writer.write("b")
    buffer += struct.pack("!HHIH", 6, 1, 10, 0)
    start = len(buffer)
    write_rdata(writer, "SOA", "m.b r.b 1 2 3 4 10")
    struct.pack_into("!H", buffer, start - 2, len(buffer) - start)
    buffer += opt_record()
    message = decode_message(bytes(buffer))
    assert message.id == 9 and message.rcode == "NOERROR" and message.question == (("www.b", "A", 1),)
    assert [(r.name, r.type, r.value) for r in message.answer] == [("www.b", "CNAME", "dc1.b"), ("dc1.b", "A", "10.0.0.1")]
    assert message.authority[0].value == "m.b r.b 1 2 3 4 10" and message.authority[0].ttl == 10
    assert message.edns is not None and message.edns.size == EDNS_UDP and message.additional == ()

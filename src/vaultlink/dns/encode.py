"""Answers to bytes: the network model's Answer becomes the part of a response that does not depend on the
query's ID, RD bit or letter case, so that it can be cached and reused.

A response is `ID | flags byte 1 | Entry.head | question as sent | Entry.body`: flags byte 1 (QR, opcode, AA, TC,
RD) comes from the query; `head` is flags byte 2 (RA and the rcode) and the four counts; `body` is the answer
section (the CNAME chain, then the records of the type asked for), the authority section (the zone's SOA for
NXDOMAIN and NODATA) and our OPT record when the query had one. Names in the body point back into the
question, so the owner names come out in the query's own letter case.
"""

from __future__ import annotations

import logging
import struct
from typing import NamedTuple

from vaultlink.dns.wire import (
    CLASS_IN,
    HEADER,
    RCODES,
    TYPES,
    NameWriter,
    opt_record,
    write_rdata,
)
from vaultlink.network.resolve import Answer, Soa

log = logging.getLogger("vaultlink.dns")

OPT = opt_record()
_RA = 0x80


class Entry(NamedTuple):
    head: bytes
    """Flags byte 2 and the counts (QD, AN, NS, AR)."""
    body: bytes
    """Answer, authority and additional sections."""
    short: bytes
    """The head of the truncated form: the same rcode, no answer or authority records."""
    opt: bytes
    """The additional section of the truncated form (our OPT record, or nothing)."""


_interned: dict[bytes, bytes] = {}


def _intern(value: bytes) -> bytes:
    """Heads repeat across entries: keep one copy of each."""
    return _interned.setdefault(value, value)


def head(rcode: int, answers: int, authority: int, edns: bool) -> bytes:
    return _intern(struct.pack("!BHHHH", _RA | (rcode & 0xF), 1, answers, authority, 1 if edns else 0))


def encode_answer(labels: tuple[bytes, ...], question_length: int, answer: Answer, *, edns: bool) -> Entry:
    """The cacheable part of the response to a question of `labels` (as sent, `question_length` bytes with
    type and class)."""
    buffer = bytearray()
    names = NameWriter(buffer, HEADER + question_length)
    names.remember(labels, HEADER)
    count = 0
    for record in answer.records:
        if _write_record(names, record.name, record.type, record.ttl, record.value):
            count += 1
    authority = 0
    if answer.authority is not None and answer.rcode != "REFUSED":
        authority = int(_write_soa(names, answer.authority))
    opt = OPT if edns else b""
    rcode = RCODES.get(answer.rcode, RCODES["SERVFAIL"])
    return Entry(head(rcode, count, authority, edns), bytes(buffer) + opt, head(rcode, 0, 0, edns), opt)


def _write_record(names: NameWriter, name: str, rtype: str, ttl: int, value: str) -> bool:
    """Appends one resource record; a value that cannot be encoded is left out (and logged)."""
    buffer = names.buffer
    mark = len(buffer)
    try:
        names.write(name)
        buffer += struct.pack("!HHIH", TYPES[rtype], CLASS_IN, max(0, min(ttl, 0x7FFFFFFF)), 0)
        start = len(buffer)
        write_rdata(names, rtype, value)
    except (KeyError, ValueError, struct.error) as error:
        del buffer[mark:]
        # names remembered from the dropped bytes must not be pointed at
        names.seen = {k: v for k, v in names.seen.items() if v < names.base + mark}
        log.warning("dns: left out %s %s %r: %s", name, rtype, value, error)
        return False
    struct.pack_into("!H", buffer, start - 2, len(buffer) - start)
    return True


def _write_soa(names: NameWriter, soa: Soa) -> bool:
    # RFC 2308: a negative answer's SOA lives for the smaller of its TTL and its minimum field
    value = f"{soa.mname} {soa.rname} {soa.serial} {soa.refresh} {soa.retry} {soa.expire} {soa.minimum}"
    return _write_record(names, soa.zone, "SOA", min(soa.ttl, soa.minimum), value)


def error_reply(data: bytes, rcode: int, *, question: bytes = b"", edns: bool = False) -> bytes:
    """A response carrying no records: the query's ID, opcode and RD bit, the question if given, our OPT record
    if the query had one. Extended rcodes (BADVERS) go in the OPT record."""
    flags1 = 0x80 | (data[2] & 0x79)  # QR, the opcode and RD as sent
    counts = struct.pack("!HHHH", 1 if question else 0, 0, 0, 1 if edns else 0)
    opt = opt_record(extended_rcode=rcode >> 4) if edns else b""
    return data[:2] + bytes((flags1, _RA | (rcode & 0xF))) + counts + question + opt

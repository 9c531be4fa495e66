"""The DNS wire format (RFC 1035, EDNS0 of RFC 6891): reading a query, encoding names and record data, and
decoding a whole message (for tests, tools and diagnostics, never on the server's hot path).

Record values are the strings the network model holds: A/AAAA an address, CNAME/NS/PTR a name, MX
"10 mail.contoso.com", SRV "1 2 443 target", TXT the text, SOA "mname rname serial refresh retry expire minimum".
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41,
         "IXFR": 251, "AXFR": 252, "ANY": 255}
TYPE_NAMES = {number: name for name, number in TYPES.items()}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5, "BADVERS": 16}
RCODE_NAMES = {number: name for name, number in RCODES.items()}
CLASS_IN = 1
OPT = 41
HEADER = 12
MAX_NAME = 255
MAX_LABEL = 63
PLAIN_UDP = 512
"""What a client without EDNS accepts over UDP."""
EDNS_UDP = 1232
"""The UDP size this server advertises and never exceeds (the 2020 DNS flag day's figure)."""

QR, AA, TC, RD = 0x8000, 0x0400, 0x0200, 0x0100
RA, AD, CD = 0x0080, 0x0020, 0x0010

_HOST_BYTES = frozenset(range(0x21, 0x7F)) - {ord("."), ord("\\")}


class FormatError(ValueError):
    """The message is malformed."""


def type_name(number: int) -> str:
    return TYPE_NAMES.get(number, f"TYPE{number}")


@dataclass(frozen=True, slots=True)
class Edns:
    size: int
    version: int = 0
    do: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    id: int
    flags: int
    question: bytes
    """The question as sent: name (case preserved), type and class."""
    labels: tuple[bytes, ...]
    qtype: int
    qclass: int
    edns: Edns | None

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF

    @property
    def name(self) -> str:
        """The name as text, or "" when a label holds bytes no host name has (a dot, a space, non-ASCII)."""
        if any(not _HOST_BYTES.issuperset(label) for label in self.labels):
            return ""
        return ".".join(label.decode("ascii") for label in self.labels)


def read_name(data: bytes, offset: int, *, pointers: bool = True) -> tuple[tuple[bytes, ...], int]:
    """The labels of the name at `offset` and the offset just after it (after its first pointer, if any)."""
    labels: list[bytes] = []
    size = 1
    end = -1
    jumps = 0
    while True:
        if offset >= len(data):
            raise FormatError("the name runs past the end of the message")
        length = data[offset]
        if length == 0:
            return tuple(labels), offset + 1 if end < 0 else end
        if length & 0xC0 == 0xC0:
            if not pointers or offset + 1 >= len(data):
                raise FormatError("a compression pointer where none may be")
            jumps += 1
            if jumps > 64:
                raise FormatError("a compression loop")
            if end < 0:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        if length > MAX_LABEL:
            raise FormatError("a label longer than 63 bytes")
        size += length + 1
        if size > MAX_NAME or offset + 1 + length > len(data):
            raise FormatError("the name is too long or runs past the end")
        labels.append(data[offset + 1:offset + 1 + length])
        offset += 1 + length


def _skip_record(data: bytes, offset: int) -> tuple[int, int, int, int, bool]:
    """One resource record: (offset after it, type, class, ttl, whether its owner is the root)."""
    labels, offset = read_name(data, offset)
    if offset + 10 > len(data):
        raise FormatError("a resource record is cut short")
    rtype, rclass, ttl, rdlength = struct.unpack_from("!HHIH", data, offset)
    offset += 10 + rdlength
    if offset > len(data):
        raise FormatError("record data runs past the end of the message")
    return offset, rtype, rclass, ttl, not labels


def parse_query(data: bytes) -> Query:
    """A query with exactly one question; its EDNS OPT record, if any. Raises FormatError."""
    if len(data) < HEADER:
        raise FormatError("shorter than a header")
    ident, flags, qdcount, ancount, nscount, arcount = struct.unpack_from("!6H", data)
    if qdcount != 1:
        raise FormatError("a query carries exactly one question")
    labels, offset = read_name(data, HEADER, pointers=False)
    if offset + 4 > len(data):
        raise FormatError("the question is cut short")
    qtype, qclass = struct.unpack_from("!HH", data, offset)
    question = data[HEADER:offset + 4]
    offset += 4
    for _ in range(ancount + nscount):
        offset = _skip_record(data, offset)[0]
    edns: Edns | None = None
    for _ in range(arcount):
        offset, rtype, rclass, ttl, root = _skip_record(data, offset)
        if rtype == OPT:
            if edns is not None or not root:
                raise FormatError("more than one OPT record, or one not owned by the root")
            edns = Edns(rclass, (ttl >> 16) & 0xFF, bool(ttl & 0x8000))
    if offset != len(data):
        raise FormatError("bytes after the last record")
    if qtype == OPT:
        raise FormatError("OPT is not a question type")
    return Query(ident, flags, question, labels, qtype, qclass, edns)


# ---- encoding ------------------------------------------------------------------------------------------------

class NameWriter:
    """Appends names to a message being built, compressing against the names already in it (keyed by the
    lower-cased text of every suffix written)."""

    def __init__(self, buffer: bytearray, base: int) -> None:
        self.buffer = buffer
        self.base = base
        """The message offset of buffer[0]."""
        self.seen: dict[str, int] = {}

    def remember(self, labels: tuple[bytes, ...], offset: int) -> None:
        """The question's name, so that records owned by it point at it (and read in the client's letter case).
        Only the whole name: a suffix pointing into the question would lend its case to other names."""
        if offset <= 0x3FFF:
            self.seen.setdefault(b".".join(labels).decode("latin-1").lower(), offset)

    def write(self, name: str, *, compress: bool = True) -> None:
        text = name.removesuffix(".")
        if len(text.encode("utf-8")) > MAX_NAME - 2:
            raise ValueError(f"not a valid DNS name: {name!r}")
        lower, buffer, seen, start = text.lower(), self.buffer, self.seen, 0
        while text:
            suffix = lower[start:]
            if compress and suffix in seen:
                buffer += (0xC000 | seen[suffix]).to_bytes(2, "big")
                return
            here = self.base + len(buffer)
            if here <= 0x3FFF:
                seen.setdefault(suffix, here)
            dot = text.find(".", start)
            label = (text[start:] if dot < 0 else text[start:dot]).encode("utf-8")
            if not 0 < len(label) <= MAX_LABEL:
                raise ValueError(f"not a valid DNS name: {name!r}")
            buffer.append(len(label))
            buffer += label
            if dot < 0:
                break
            start = dot + 1
        buffer.append(0)


def name_labels(name: str) -> tuple[bytes, ...]:
    text = name.rstrip(".")
    labels = tuple(label.encode("utf-8") for label in text.split(".")) if text else ()
    if any(not 0 < len(label) <= MAX_LABEL for label in labels) or sum(len(x) + 1 for x in labels) + 1 > MAX_NAME:
        raise ValueError(f"not a valid DNS name: {name!r}")
    return labels


def encode_name(name: str) -> bytes:
    return b"".join(bytes((len(label),)) + label for label in name_labels(name)) + b"\x00"


def write_rdata(out: NameWriter, rtype: str, value: str) -> None:
    """Appends the record data of one value (without its length). Raises ValueError for a value that does not
    fit the type."""
    buffer = out.buffer
    if rtype == "A":
        buffer += ipaddress.IPv4Address(value).packed
    elif rtype == "AAAA":
        buffer += ipaddress.IPv6Address(value).packed
    elif rtype in ("CNAME", "NS", "PTR"):
        out.write(value)
    elif rtype == "MX":
        preference, exchange = value.split()
        buffer += struct.pack("!H", int(preference))
        out.write(exchange)
    elif rtype == "SRV":
        priority, weight, port, target = value.split()
        buffer += struct.pack("!HHH", int(priority), int(weight), int(port))
        out.write(target, compress=False)  # RFC 2782: no compression in SRV targets
    elif rtype == "TXT":
        text = value.encode("utf-8")
        for i in range(0, max(len(text), 1), 255):
            chunk = text[i:i + 255]
            buffer += bytes((len(chunk),)) + chunk
    elif rtype == "SOA":
        mname, rname, *numbers = value.split()
        if len(numbers) != 5:
            raise ValueError(f"an SOA value has 7 fields: {value!r}")
        out.write(mname)
        out.write(rname)
        buffer += struct.pack("!5I", *(int(n) for n in numbers))
    else:
        raise ValueError(f"record type {rtype} is not served")


def opt_record(size: int = EDNS_UDP, extended_rcode: int = 0) -> bytes:
    """The server's own OPT record: root owner, its UDP size, no options."""
    return b"\x00" + struct.pack("!HHIH", OPT, size, extended_rcode << 24, 0)


# ---- decoding a whole message (tests, tools) ----------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    name: str
    type: str
    ttl: int
    value: str


@dataclass(frozen=True)
class Message:
    id: int
    flags: int
    rcode: str
    question: tuple[tuple[str, str, int], ...]
    answer: tuple[Section, ...]
    authority: tuple[Section, ...]
    additional: tuple[Section, ...]
    edns: Edns | None

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


def _text(labels: tuple[bytes, ...]) -> str:
    return ".".join(label.decode("utf-8", "replace") for label in labels)


def _rdata_text(data: bytes, rtype: int, start: int, end: int) -> str:
    body = data[start:end]
    if rtype == 1 and len(body) == 4:
        return str(ipaddress.IPv4Address(body))
    if rtype == 28 and len(body) == 16:
        return str(ipaddress.IPv6Address(body))
    if rtype in (2, 5, 12):
        return _text(read_name(data, start)[0])
    if rtype == 15:
        return f"{struct.unpack_from('!H', data, start)[0]} {_text(read_name(data, start + 2)[0])}"
    if rtype == 33:
        priority, weight, port = struct.unpack_from("!HHH", data, start)
        return f"{priority} {weight} {port} {_text(read_name(data, start + 6)[0])}"
    if rtype == 16:
        parts, i = [], 0
        while i < len(body):
            parts.append(body[i + 1:i + 1 + body[i]].decode("utf-8", "replace"))
            i += 1 + body[i]
        return "".join(parts)
    if rtype == 6:
        mname, offset = read_name(data, start)
        rname, offset = read_name(data, offset)
        numbers = struct.unpack_from("!5I", data, offset)
        return " ".join([_text(mname), _text(rname), *(str(n) for n in numbers)])
    return body.hex()


def decode_message(data: bytes) -> Message:
    """Every section of a message, values as text. Raises FormatError."""
    if len(data) < HEADER:
        raise FormatError("shorter than a header")
    ident, flags, qdcount, ancount, nscount, arcount = struct.unpack_from("!6H", data)
    offset = HEADER
    questions = []
    for _ in range(qdcount):
        labels, offset = read_name(data, offset)
        if offset + 4 > len(data):
            raise FormatError("the question is cut short")
        qtype, qclass = struct.unpack_from("!HH", data, offset)
        offset += 4
        questions.append((_text(labels), type_name(qtype), qclass))
    sections: list[list[Section]] = [[], [], []]
    edns: Edns | None = None
    rcode = flags & 0xF
    for index, count in enumerate((ancount, nscount, arcount)):
        for _ in range(count):
            labels, start = read_name(data, offset)
            end, rtype, rclass, ttl, _root = _skip_record(data, offset)
            if rtype == OPT:
                edns = Edns(rclass, (ttl >> 16) & 0xFF, bool(ttl & 0x8000))
                rcode |= (ttl >> 24) << 4
            else:
                sections[index].append(Section(_text(labels), type_name(rtype), ttl,
                                               _rdata_text(data, rtype, start + 10, end)))
            offset = end
    return Message(ident, flags, RCODE_NAMES.get(rcode, str(rcode)), tuple(questions), tuple(sections[0]),
                   tuple(sections[1]), tuple(sections[2]), edns)


def encode_query(name: str, qtype: str = "A", *, ident: int = 0x1234, rd: bool = True,
                 edns: int | None = None, opcode: int = 0) -> bytes:
    """A query as a stub resolver sends it (tests and the benchmark's warm-up)."""
    flags = (RD if rd else 0) | (opcode << 11)
    question = encode_name(name) + struct.pack("!HH", TYPES.get(qtype, 0) or int(qtype.removeprefix("TYPE")),
                                               CLASS_IN)
    header = struct.pack("!6H", ident, flags, 1, 0, 0, 1 if edns is not None else 0)
    return header + question + (opt_record(edns) if edns is not None else b"")

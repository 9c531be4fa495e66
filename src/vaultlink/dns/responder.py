"""A query's bytes in, the response's bytes out, for one view: no sockets here.

The hot path is a dictionary lookup. A query that is one plain question (no EDNS, nothing else in the message)
is looked up by its question bytes, name lower-cased, exactly as they follow the header; a hit only has the ID,
the RD bit and the question (in the client's letter case) copied in front of the cached rest. Everything else
(EDNS, other opcodes, malformed messages, cache misses) takes the slow path, which parses the whole message,
asks the network model and caches the encoded answer per (EDNS or not, question name lower-cased, type,
class). Answers depend only on the topology snapshot, so the cache is dropped whenever it changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vaultlink.dns.encode import Entry, encode_answer, error_reply
from vaultlink.dns.wire import (
    CLASS_IN,
    EDNS_UDP,
    PLAIN_UDP,
    RCODES,
    TC,
    FormatError,
    parse_query,
    type_name,
)
from vaultlink.network.resolve import FORWARD_TIMEOUT, resolve
from vaultlink.network.topology import Topology

log = logging.getLogger("vaultlink.dns")

CACHE_SIZE = 131_072
"""Entries per view; a full cache is dropped whole (cheaper than tracking use, and misses are cheap)."""
TCP_LIMIT = 65_535
_ONE_QUESTION = b"\x00\x01\x00\x00\x00\x00\x00\x00"
_EDNS_KEY = b"\xff"  # never the first byte of a name, so EDNS keys never meet plain ones
_NOT_SERVED = frozenset({251, 252, 253, 254})  # IXFR, AXFR, MAILB, MAILA: no zone transfers here
_FLAGS1 = [bytes((0x80 | (b & 0x01),)) for b in range(256)]
_FLAGS1_TC = [bytes((0x80 | (TC >> 8) | (b & 0x01),)) for b in range(256)]
_FORMERR, _SERVFAIL, _NOTIMP, _REFUSED = (RCODES[n] for n in ("FORMERR", "SERVFAIL", "NOTIMP", "REFUSED"))


class Delayed(bytes):
    """A response to send only after `delay` seconds: a forwarder that never answered makes the asking server
    wait out its timeout before it answers SERVFAIL. Never cached, so the wait is every asker's."""

    delay = FORWARD_TIMEOUT


class Source:
    """The topology snapshot the answers come from, shared by every view of a server; `generation` moves on
    every invalidation so that an answer computed from an older snapshot is not cached."""

    def __init__(self, snapshot: Callable[[], Topology]) -> None:
        self.snapshot = snapshot
        self.generation = 0
        self.caches: list[dict[bytes, Entry]] = []
        self._current: Topology | None = None
        self._lock = threading.Lock()

    def topology(self) -> Topology:
        current = self._current
        if current is None:
            current = self._current = self.snapshot()
        return current

    def invalidate(self) -> None:
        """Safe from any thread: dict.clear is atomic, and the generation stops in-flight misses from caching."""
        with self._lock:
            self.generation += 1
            self._current = None
            for cache in self.caches:
                cache.clear()

    def recheck(self) -> None:
        """Drops everything if the snapshot is no longer the one the answers came from (a change nobody
        announced, e.g. a write by another process sharing the store)."""
        if self._current is not None and self.snapshot() is not self._current:
            self.invalidate()


class Responder:
    """Answers queries for one view: `view` is the virtual network whose resolver answers (None: the
    internet's); `refuse` answers REFUSED to everything (a custom DNS server nobody serves)."""

    def __init__(self, source: Source, view: str | None, *, refuse: bool = False, cache_size: int = CACHE_SIZE) -> None:
        self.source = source
        self.view = view
        self.refuse = refuse
        self.cache_size = cache_size
        self.cache: dict[bytes, Entry] = {}
        source.caches.append(self.cache)

    def detach(self) -> None:
        # by identity: list.remove compares dicts by value, and two empty caches are equal
        with self.source._lock:
            self.source.caches[:] = [c for c in self.source.caches if c is not self.cache]

    def answer(self, data: bytes, udp: bool) -> bytes | None:
        """The response to send, or None to send nothing (too short to be DNS, or itself a response)."""
        if data[4:12] == _ONE_QUESTION and not data[2] & 0xF8 and len(data) > 16:
            question = data[12:]
            entry = self.cache.get(question[:-4].lower() + question[-4:])
            if entry is not None and len(data) + len(entry.body) <= (PLAIN_UDP if udp else TCP_LIMIT):
                return data[:2] + _FLAGS1[data[2]] + entry.head + question + entry.body
        return self.answer_slowly(data, udp)

    def answer_slowly(self, data: bytes, udp: bool) -> bytes | None:
        if len(data) < 12 or data[2] & 0x80:
            return None
        if data[2] & 0x78:
            return error_reply(data, _NOTIMP)
        try:
            query = parse_query(data)
        except FormatError:
            return error_reply(data, _FORMERR)
        edns = query.edns is not None
        if query.edns is not None and query.edns.version != 0:
            return error_reply(data, RCODES["BADVERS"], question=query.question, edns=True)
        name = query.name
        if self.refuse or query.qclass != CLASS_IN or query.qtype in _NOT_SERVED or not name:
            return error_reply(data, _REFUSED, question=query.question, edns=edns)
        key = (_EDNS_KEY if edns else b"") + query.question[:-4].lower() + query.question[-4:]
        entry = self.cache.get(key)
        if entry is None:
            generation = self.source.generation
            try:
                answer = resolve(self.source.topology(), self.view, name, type_name(query.qtype))
                entry = encode_answer(query.labels, len(query.question), answer, edns=edns)
            except Exception:  # a broken snapshot answers SERVFAIL; it never stops the listener
                log.exception("dns: answering %s %s failed", name, type_name(query.qtype))
                return error_reply(data, _SERVFAIL, question=query.question, edns=edns)
            if answer.rcode == "SERVFAIL":
                return Delayed(error_reply(data, _SERVFAIL, question=query.question, edns=edns))
            if generation == self.source.generation:
                if len(self.cache) >= self.cache_size:
                    self.cache.clear()
                self.cache[key] = entry
        limit = TCP_LIMIT if not udp else min(max(query.edns.size, PLAIN_UDP), EDNS_UDP) if query.edns else PLAIN_UDP
        return assemble(data, query.question, entry, limit)


def assemble(data: bytes, question: bytes, entry: Entry, limit: int) -> bytes:
    """ID and RD from the query, the question as sent, the cached rest; only the question (TC set) when the
    whole would not fit the client's limit."""
    if 12 + len(question) + len(entry.body) <= limit:
        return data[:2] + _FLAGS1[data[2]] + entry.head + question + entry.body
    return data[:2] + _FLAGS1_TC[data[2]] + entry.short + question + entry.opt

"""IPv4 addressing as Azure virtual networks use it.

Prefixes and their checks (CIDR form, network address, containment, overlap), the five addresses Azure keeps
in every subnet (the network address, .1 the default gateway, .2 and .3 for Azure DNS, and the broadcast
address), and the allocator's rule: a dynamic address is the lowest usable one nobody holds.

Pure: values in, values out. Who holds which address is asked through a callback, so the store (or a test's
dict) answers with point lookups and allocation never reads a whole subnet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Sequence
from ipaddress import IPv4Address, IPv4Network

RESERVED_AT_START = 4
"""The network address, the default gateway and Azure's two DNS addresses."""

SMALLEST_SUBNET = 29
"""A /29 leaves three usable addresses, the smallest subnet Azure accepts."""

LARGEST_SUBNET = 2

UNUSABLE = tuple(
    IPv4Network(p) for p in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.16/32")
)
"""Ranges a virtual network's address space cannot use (multicast, broadcast, loopback, link-local, and the
platform's virtual public address 168.63.129.16)."""


class AddressError(ValueError):
    """A prefix or address that is not valid; `problem` says which rule it breaks."""

    FORMAT = "format"
    HOST_BITS = "host-bits"
    IPV6 = "ipv6"

    def __init__(self, text: str, problem: str, network: IPv4Network | None = None) -> None:
        super().__init__(f"'{text}' is not a valid IPv4 {'prefix' if problem != 'address' else 'address'} ({problem})")
        self.text = text
        self.problem = problem
        self.network = network
        """For HOST_BITS, the network the prefix would name with its host bits cleared."""


def parse_prefix(text: object) -> IPv4Network:
    """`10.0.0.0/16` -> the network. Refuses text that is not `address/length` (FORMAT), IPv6 (IPV6), and a
    prefix whose address is not its network's address, such as `10.0.0.1/16` (HOST_BITS)."""
    if not isinstance(text, str) or "/" not in text:
        raise AddressError(str(text), AddressError.FORMAT)
    address, _, length = text.strip().partition("/")
    if not length.isdigit() or (len(length) > 1 and length.startswith("0")):
        raise AddressError(text, AddressError.FORMAT)
    try:
        parsed = ipaddress.ip_network(f"{address}/{length}", strict=False)
    except ValueError:
        raise AddressError(text, AddressError.FORMAT) from None
    if not isinstance(parsed, IPv4Network):
        raise AddressError(text, AddressError.IPV6)
    if parsed.network_address != IPv4Address(address):
        raise AddressError(text, AddressError.HOST_BITS, parsed)
    return parsed


def parse_address(text: object) -> IPv4Address:
    """A dotted-quad IPv4 address; AddressError (problem "address") otherwise."""
    if not isinstance(text, str):
        raise AddressError(str(text), "address")
    try:
        return IPv4Address(text.strip())
    except ValueError:
        raise AddressError(text, "address") from None


def to_int(address: IPv4Address | str) -> int:
    return int(IPv4Address(address))


def to_text(address: int) -> str:
    return str(IPv4Address(address))


def contains(outer: IPv4Network, inner: IPv4Network) -> bool:
    return inner.subnet_of(outer)


def within_any(spaces: Iterable[IPv4Network], inner: IPv4Network) -> bool:
    """True when one of the spaces holds the whole of `inner` (a subnet must fit in one address range)."""
    return any(contains(space, inner) for space in spaces)


def overlaps(a: IPv4Network, b: IPv4Network) -> bool:
    return a.overlaps(b)


def first_overlap(prefixes: Sequence[IPv4Network]) -> tuple[IPv4Network, IPv4Network] | None:
    """The first pair of the prefixes that overlap, in their order; None when all are disjoint."""
    for i, a in enumerate(prefixes):
        for b in prefixes[i + 1:]:
            if overlaps(a, b):
                return a, b
    return None


def unusable_overlap(prefix: IPv4Network) -> IPv4Network | None:
    """The platform range a virtual network's address space would take in, if any."""
    return next((u for u in UNUSABLE if overlaps(prefix, u)), None)


def reserved(prefix: IPv4Network) -> frozenset[int]:
    """The addresses Azure keeps in a subnet: the first four and the last."""
    start = int(prefix.network_address)
    last = int(prefix.broadcast_address)
    return frozenset({*range(start, min(start + RESERVED_AT_START, last + 1)), last})


def is_reserved(prefix: IPv4Network, address: int) -> bool:
    start, last = int(prefix.network_address), int(prefix.broadcast_address)
    return start <= address < start + RESERVED_AT_START or address == last


def first_usable(prefix: IPv4Network) -> int:
    return int(prefix.network_address) + RESERVED_AT_START


def last_usable(prefix: IPv4Network) -> int:
    return int(prefix.broadcast_address) - 1


def capacity(prefix: IPv4Network) -> int:
    """How many addresses of the subnet can be handed out."""
    return max(prefix.num_addresses - RESERVED_AT_START - 1, 0)


def holding(prefixes: Iterable[IPv4Network], address: int) -> IPv4Network | None:
    """The prefix that holds the address, if any."""
    ip = IPv4Address(address)
    return next((p for p in prefixes if ip in p), None)


def ordered(prefixes: Iterable[IPv4Network]) -> list[IPv4Network]:
    """A subnet's prefixes in address order: the order the allocator walks them."""
    return sorted(prefixes, key=lambda p: int(p.network_address))


def next_candidate(prefixes: Sequence[IPv4Network], start: int) -> int | None:
    """The lowest usable address at or after `start` in any of the (ordered) prefixes; None past the last."""
    for prefix in prefixes:
        lo, hi = first_usable(prefix), last_usable(prefix)
        if hi < lo or hi < start:
            continue
        return max(lo, start)
    return None


def candidates(prefixes: Sequence[IPv4Network], start: int) -> Iterator[int]:
    """Every usable address from `start` upwards, in order."""
    c = next_candidate(prefixes, start)
    while c is not None:
        yield c
        c = next_candidate(prefixes, c + 1)


Taken = Callable[[int], bool]


def first_free(prefixes: Sequence[IPv4Network], hint: int, taken: Taken) -> int | None:
    """The lowest usable address at or after `hint` that is not taken; None when the subnet is full.

    The caller keeps `hint` below or at the lowest free address (every usable address under it is taken), so
    this is the lowest free address of the subnet, found with as many lookups as there are taken addresses
    between the hint and it (one, in a subnet that only grows)."""
    return next((c for c in candidates(prefixes, hint) if not taken(c)), None)


def free_from(prefixes: Sequence[IPv4Network], start: int, taken: Taken, count: int) -> list[int]:
    """Up to `count` free usable addresses at or after `start`, in order."""
    out: list[int] = []
    for c in candidates(prefixes, start):
        if len(out) >= count:
            break
        if not taken(c):
            out.append(c)
    return out


def start_hint(prefixes: Sequence[IPv4Network]) -> int:
    """Where a fresh subnet's allocator starts: its first usable address."""
    return first_usable(prefixes[0]) if prefixes else 0


def hint_after_release(hint: int, released: int) -> int:
    """A released address below the hint becomes the lowest possibly free one."""
    return min(hint, released)

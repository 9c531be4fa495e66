"""The addressing rules of Azure virtual networks, and the allocator's: properties over random subnets and
random sets of taken addresses."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultlink.network import addressing as a

# ---- prefixes -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["10.0.0.0/16", "10.1.2.0/24", "192.168.0.0/29", "0.0.0.0/0", "10.0.0.4/32"])
def test_network_prefixes_parse(text: str) -> None:
    assert str(a.parse_prefix(text)) == text


@pytest.mark.parametrize(("text", "network"), [("10.0.0.1/16", "10.0.0.0/16"), ("10.1.2.3/24", "10.1.2.0/24")])
def test_a_prefix_must_be_its_network_address(text: str, network: str) -> None:
    with pytest.raises(a.AddressError) as err:
        a.parse_prefix(text)
    assert err.value.problem == a.AddressError.HOST_BITS and str(err.value.network) == network


@pytest.mark.parametrize("text", ["10.0.0.0", "10.0.0.0/33", "10.0.0/16", "ten/8", "10.0.0.0/", "/16", "10.0.0.0/016",
                                  "", 42, None, "10.0.0.0/1 6"])
def test_malformed_prefixes(text: object) -> None:
    with pytest.raises(a.AddressError) as err:
        a.parse_prefix(text)
    assert err.value.problem == a.AddressError.FORMAT


def test_ipv6_is_named_as_such() -> None:
    with pytest.raises(a.AddressError) as err:
        a.parse_prefix("fd00::/64")
    assert err.value.problem == a.AddressError.IPV6


@pytest.mark.parametrize("text", ["10.0.0", "10.0.0.256", "x", "10.0.0.1/32", ""])
def test_malformed_addresses(text: str) -> None:
    with pytest.raises(a.AddressError):
        a.parse_address(text)


def test_containment_and_overlap() -> None:
    vnet, sub, other = IPv4Network("10.0.0.0/16"), IPv4Network("10.0.1.0/24"), IPv4Network("10.1.0.0/24")
    assert a.contains(vnet, sub) and not a.contains(vnet, other) and not a.contains(sub, vnet)
    assert a.within_any([other, vnet], sub)
    assert a.overlaps(vnet, sub) and not a.overlaps(sub, other)
    assert a.first_overlap([other, sub, vnet]) == (sub, vnet)
    assert a.first_overlap([sub, other]) is None


def test_platform_ranges_are_unusable() -> None:
    assert a.unusable_overlap(IPv4Network("168.63.0.0/16")) == IPv4Network("168.63.129.16/32")
    assert a.unusable_overlap(IPv4Network("224.0.0.0/8")) == IPv4Network("224.0.0.0/4")
    assert a.unusable_overlap(IPv4Network("10.0.0.0/8")) is None


# ---- the reserved five and the first free --------------------------------------------------------------

def test_reserved_addresses_of_a_slash_24() -> None:
    p = IPv4Network("10.0.1.0/24")
    assert {a.to_text(x) for x in a.reserved(p)} == {"10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"}
    assert a.capacity(p) == 251
    assert a.capacity(IPv4Network("10.0.1.0/29")) == 3


def test_fresh_subnet_hands_out_4_then_5() -> None:
    prefixes = [IPv4Network("10.0.1.0/24")]
    taken: set[int] = set()
    hint = a.start_hint(prefixes)
    first = a.first_free(prefixes, hint, taken.__contains__)
    assert first is not None and a.to_text(first) == "10.0.1.4"
    taken.add(first)
    second = a.first_free(prefixes, first + 1, taken.__contains__)
    assert second is not None and a.to_text(second) == "10.0.1.5"


def test_a_slash_29_holds_three_and_never_the_broadcast() -> None:
    prefixes = [IPv4Network("10.0.0.8/29")]
    taken: set[int] = set()
    hint = a.start_hint(prefixes)
    got = []
    while (address := a.first_free(prefixes, hint, taken.__contains__)) is not None:
        got.append(a.to_text(address))
        taken.add(address)
        hint = address + 1
    assert got == ["10.0.0.12", "10.0.0.13", "10.0.0.14"]


def test_several_prefixes_are_walked_in_address_order() -> None:
    prefixes = a.ordered([IPv4Network("10.0.2.0/29"), IPv4Network("10.0.1.0/29")])
    assert [a.to_text(c) for c in a.candidates(prefixes, 0)] == [
        "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.2.4", "10.0.2.5", "10.0.2.6"]


# ---- properties ----------------------------------------------------------------------------------------

@st.composite
def subnets_with_holders(draw: st.DrawFn) -> tuple[IPv4Network, set[int]]:
    length = draw(st.integers(min_value=22, max_value=29))
    network = IPv4Network((draw(st.integers(min_value=0, max_value=2**32 - 1)) >> (32 - length) << (32 - length), length))
    start, end = int(network.network_address), int(network.broadcast_address)
    taken = draw(st.sets(st.integers(min_value=start, max_value=end), max_size=64))
    return network, taken


@given(subnets_with_holders())
@settings(max_examples=300)
def test_allocation_is_the_lowest_usable_free_address(case: tuple[IPv4Network, set[int]]) -> None:
    network, taken = case
    prefixes = [network]
    got = a.first_free(prefixes, a.start_hint(prefixes), taken.__contains__)
    usable_free = [x for x in range(int(network.network_address), int(network.broadcast_address) + 1)
                   if not a.is_reserved(network, x) and x not in taken]
    if not usable_free:
        assert got is None
        return
    assert got == usable_free[0]
    assert got is not None and IPv4Address(got) in network
    assert got not in taken and got not in a.reserved(network)
    assert got >= int(network.network_address) + 4 and got != int(network.broadcast_address)


@given(subnets_with_holders(), st.lists(st.booleans(), min_size=1, max_size=80))
@settings(max_examples=200)
def test_the_hint_never_skips_a_free_address(case: tuple[IPv4Network, set[int]], ops: list[bool]) -> None:
    """Allocate (True) and release (False) in any order, keeping the hint as the stored allocator does: every
    allocation is the lowest free usable address, inside the subnet, never reserved, never held twice."""
    network, _ = case
    prefixes = [network]
    held: set[int] = set()
    hint = a.start_hint(prefixes)
    for allocate in ops:
        if allocate:
            got = a.first_free(prefixes, hint, held.__contains__)
            lowest = next((c for c in a.candidates(prefixes, 0) if c not in held), None)
            assert got == lowest
            if got is None:
                continue
            assert IPv4Address(got) in network and not a.is_reserved(network, got) and got not in held
            held.add(got)
            hint = got + 1
        elif held:
            freed = max(held) if len(held) % 2 else min(held)
            held.discard(freed)
            hint = a.hint_after_release(hint, freed)


@given(subnets_with_holders(), st.integers(min_value=1, max_value=8))
def test_free_from_lists_free_usable_addresses_in_order(case: tuple[IPv4Network, set[int]], count: int) -> None:
    network, taken = case
    prefixes = [network]
    out = a.free_from(prefixes, 0, taken.__contains__, count)
    assert out == sorted(out) and len(out) <= count
    assert all(x not in taken and not a.is_reserved(network, x) and IPv4Address(x) in network for x in out)
    if out:
        assert out[0] == a.first_free(prefixes, a.start_hint(prefixes), taken.__contains__)


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=2, max_value=30))
def test_parse_prefix_accepts_exactly_network_addresses(value: int, length: int) -> None:
    text = f"{IPv4Address(value)}/{length}"
    network = IPv4Network((value, length), strict=False)
    if int(network.network_address) == value:
        assert a.parse_prefix(text) == network
    else:
        with pytest.raises(a.AddressError):
            a.parse_prefix(text)

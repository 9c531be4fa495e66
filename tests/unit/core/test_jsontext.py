"""The depth bound on JSON bodies: brackets inside strings do not count, escapes do not end strings, and any
text json.loads reads within the bound is read the same."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultlink.core import jsontext


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_the_bound_is_64_levels() -> None:
    assert jsontext.loads(deep(64)) is not None
    with pytest.raises(jsontext.TooDeep) as refused:
        jsontext.loads(deep(65))
    assert refused.value.position == 64
    assert isinstance(refused.value, ValueError)


def test_a_million_levels_are_refused_without_recursion() -> None:
    with pytest.raises(ValueError, match="MaxDepth of 64"):
        jsontext.loads(b'{"a":' * 1_000_000)


def test_brackets_in_strings_and_escaped_quotes_do_not_count() -> None:
    text = b'{"a": "' + b"[{" * 500 + b'\\"' + b"[" * 100 + b'", "b": ' + deep(60) + b"}"
    assert jsontext.loads(text) == json.loads(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\a'), inner, max_size=3),
    max_leaves=30,
)


@given(JSON)
def test_anything_within_the_bound_reads_as_json_reads_it(value: object) -> None:
    text = json.dumps(value).encode()
    assert jsontext.loads(text) == json.loads(text)
    assert jsontext.loads(text.decode()) == value

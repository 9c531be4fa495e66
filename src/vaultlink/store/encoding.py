"""What both backends agree on: how a body becomes text, how a prefix becomes a key range, what a conflict says.

Keys compare in Unicode code-point order everywhere: Python's `str` order, SQLite's BINARY collation and
PostgreSQL's "C" collation all order UTF-8 that way. So a prefix is a half-open key range the primary-key
index can serve, never a LIKE (which needs escaping and, under a linguistic collation, cannot use the index).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vaultlink.store.base import ANY_VERSION, StoreConflict

_MAX_CHAR = "\U0010ffff"
_SURROGATES = range(0xD800, 0xE000)


def encode_body(body: dict[str, Any]) -> str:
    """Compact JSON; NaN and Infinity are refused because no other JSON reader accepts them."""
    if not isinstance(body, dict):
        raise TypeError(f"a record body is a JSON object, not {type(body).__name__}")
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode_body(text: str) -> dict[str, Any]:
    body = json.loads(text)
    if not isinstance(body, dict):
        raise TypeError("stored record body is not a JSON object")
    return body


def prefix_end(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`; None when no bound exists.

    `prefix + U+10FFFF` would miss keys that continue with U+10FFFF itself, so the last character is
    incremented instead (dropping trailing U+10FFFF, stepping over surrogates, which UTF-8 cannot hold).
    """
    stem = prefix.rstrip(_MAX_CHAR)
    if not stem:
        return None
    successor = ord(stem[-1]) + 1
    if successor in _SURROGATES:
        successor = _SURROGATES.stop
    return stem[:-1] + chr(successor)


@dataclass(frozen=True)
class KeyRange:
    """`low <= key < high` (or `low < key` when `low_exclusive`); `high` None means unbounded."""

    low: str
    low_exclusive: bool
    high: str | None


def key_range(prefix: str, after: str | None) -> KeyRange:
    """The keys under `prefix` that sort after `after`, as one range for an index seek."""
    high = prefix_end(prefix)
    if after is not None and after >= prefix:
        return KeyRange(after, True, high)
    return KeyRange(prefix, False, high)


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be zero or more, not {limit}")


def check_expect(expect: int) -> None:
    if expect < ANY_VERSION:
        raise ValueError(f"expect must be a version, 0 (absent) or ANY_VERSION, not {expect}")


def conflict(kind: str, key: str, expect: int, found: int | None) -> StoreConflict:
    """The error for a write whose expected version is not the current one."""
    wanted = "no record" if expect == 0 else f"version {expect}"
    actual = "none" if found is None else f"version {found}"
    return StoreConflict(f"{kind} '{key}': expected {wanted}, found {actual}")


def list_statement(
    kind: str, prefix: str, *, limit: int | None = None, after: str | None = None, containing: str | None = None,
    mark: str = "?", position: str = "instr",
) -> tuple[str, tuple[Any, ...]]:
    """The SELECT behind `list`: a primary-key range seek; `mark` is the backend's parameter placeholder and
    `position` its function giving where a text first occurs in a string (1-based, 0 when absent), which
    filters on `containing` without a LIKE pattern to escape."""
    bounds = key_range(prefix, after)
    low = ">" if bounds.low_exclusive else ">="
    sql = f"SELECT key, version, body FROM records WHERE kind = {mark} AND key {low} {mark}"
    params: tuple[Any, ...] = (kind, bounds.low)
    if bounds.high is not None:
        sql += f" AND key < {mark}"
        params += (bounds.high,)
    if containing:
        sql += f" AND {position}(substr(key, {len(prefix) + 1}), {mark}) > 0"
        params += (containing,)
    sql += " ORDER BY key"
    if limit is not None:
        sql += f" LIMIT {mark}"
        params += (limit,)
    return sql, params

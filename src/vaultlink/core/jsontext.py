"""JSON request bodies, parsed with their nesting bounded before the parser sees them.

Python's json module recurses once per level, so a body of a few thousand `[` exhausts the interpreter's stack
(RecursionError, not ValueError). Azure's front ends refuse such bodies (their JSON readers stop at a depth of
64, Json.NET's default), and so does vaultlink: `loads` counts the depth in one pass of a C regular expression
over the text, strings skipped, and raises `TooDeep` (a ValueError, so every caller's existing handler for bad
JSON answers it) before parsing anything deeper than `MAX_DEPTH`. `NaN` and `Infinity`, which JSON does not have
(and which no store can keep), and numbers too large for a double are refused the same way.

Standard library only.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64

_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


class TooDeep(ValueError):
    """The JSON text nests deeper than vaultlink reads."""

    def __init__(self, depth: int, position: int) -> None:
        super().__init__(f"The reader's MaxDepth of {depth} has been exceeded at position {position}.")
        self.depth = depth
        self.position = position


def depth_exceeded(data: bytes, limit: int = MAX_DEPTH) -> int | None:
    """The offset where `data`'s nesting first passes `limit` levels, or None when it never does."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return None  # cannot pass the limit: skip the scan (the common case)
    depth = 0
    for match in _TOKENS.finditer(data):
        first = data[match.start()]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return match.start()
        elif first != 0x22:  # a closing bracket (strings are skipped whole)
            depth -= 1
    return None


def loads(data: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """json.loads, refusing text nested deeper than `limit` with TooDeep (a ValueError)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    position = depth_exceeded(raw, limit)
    if position is not None:
        raise TooDeep(limit, position)
    return json.loads(data, parse_constant=_no_constant, parse_float=_finite)


def _no_constant(name: str) -> Any:
    raise ValueError(f"'{name}' is not a JSON value.")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"The number {text[:40]} is too large.")
    return value

"""ETags and conditional requests, as ARM's resource providers apply them.

| request                 | absent | present                    |
| PUT, If-Match: *        | 412    | go on                      |
| PUT, If-Match: <etag>   | 412    | go on, or 412 on mismatch  |
| PUT, If-None-Match: *   | go on  | 412                        |
"""

from __future__ import annotations

import uuid

from vaultlink.arm.dispatch import Call
from vaultlink.core import errors


def new_etag() -> str:
    return f'"{uuid.uuid4()}"'


def _same(a: str, b: str) -> bool:
    return a.strip().strip('W/').strip('"') == b.strip().strip('W/').strip('"')


def check_conditions(call: Call, current: str | None, exists: bool, what: str) -> None:
    """Raises PreconditionFailed when If-Match / If-None-Match do not hold for the current etag."""
    if_match = call.headers.get("if-match")
    if_none = call.headers.get("if-none-match")
    if if_none is not None and if_none.strip() == "*" and exists:
        raise errors.PreconditionFailed(
            f"The resource '{what}' already exists and the request asked to create it only (If-None-Match: *)."
        )
    if if_match is None:
        return
    if not exists:
        raise errors.PreconditionFailed(f"The resource '{what}' does not exist, and the request required it (If-Match).")
    if if_match.strip() != "*" and (current is None or not _same(if_match, current)):
        raise errors.PreconditionFailed(
            f"The etag '{if_match}' in If-Match does not match the current etag '{current}' of '{what}'."
        )

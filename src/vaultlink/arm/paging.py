"""How ARM's list operations page: up to `$top` items in key order, and a `nextLink` carrying `$skipToken`, the
key of the last item listed (opaque to clients), so the next page reads on from there and not from the start."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

from vaultlink.arm.dispatch import Call
from vaultlink.arm.resources import RESOURCE
from vaultlink.core import errors
from vaultlink.store import Reader, Record, iterate


def top_of(call: Call, default: int | None) -> int | None:
    """`$top`, a whole number from 1; `default` when it is not given."""
    text = call.query.get("$top")
    if text is None:
        return default
    try:
        top = int(text)
    except ValueError:
        raise errors.InvalidParameter(value=text, name="$top") from None
    if top < 1:
        raise errors.InvalidParameter(value=text, name="$top")
    return top


def skip_token(call: Call) -> str | None:
    """The key the previous page ended at, from `$skipToken` (either spelling)."""
    token = call.query.get("$skipToken") or call.query.get("$skiptoken")
    if not token:
        return None
    try:
        return base64.b64decode(token.encode() + b"=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.InvalidParameter(value=token, name="$skipToken") from None


def page(call: Call, records: Iterator[Record], render: Callable[[Record], dict[str, Any] | None],
         default_top: int | None) -> dict[str, Any]:
    """Up to $top rendered items (render returns None to leave a record out), and a nextLink when more remain;
    with neither $top nor a default, every item."""
    top = top_of(call, default_top)
    value: list[dict[str, Any]] = []
    last: str | None = None
    for rec in records:
        item = render(rec)
        if item is None:
            continue
        if len(value) == top:
            query = {k: v for k, v in call.query.items() if k.lower() != "$skiptoken"}
            assert last is not None
            query["$skipToken"] = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")
            return {"value": value, "nextLink": call.url(call.path, **query)}
        value.append(item)
        last = rec.key
    return {"value": value}


def walk(reader: Reader, prefix: str, after: str | None = None) -> Iterator[Record]:
    """Every resource record under a prefix, in key order, in reads that double in size up to 256, so a page
    that stops early has read about as many records as it shows."""
    return iterate(reader, RESOURCE, prefix, 256, after=after, first=1)


def walk_top_level(reader: Reader, prefix: str, depth: int, after: str | None = None,
                   containing: str | None = None) -> Iterator[Record]:
    """The records `depth` segments under a prefix (zones under `.../privatednszones/` at 1, a subscription's
    resources under `/subscriptions/{s}/` at 6), in key order, jumping over each one's children (subnets,
    connections, record sets): a read that meets a child goes on past its parent's last descendant. Reads
    double in size while they meet none and start again at one after a jump, so a flat list costs a few reads
    and a list of resources that hold many children reads about one child for each."""
    batch = 1
    while True:
        got = reader.list(RESOURCE, prefix, limit=batch, after=after, containing=containing)
        for rec in got:
            parts = rec.key[len(prefix):].split("/")
            if len(parts) > depth:  # a child: every key up to its parent's last descendant is one too
                after = prefix + "/".join(parts[:depth]) + "/\U0010ffff"
                batch = 1
                break
            yield rec
            after = rec.key
        else:
            if len(got) < batch:
                return
            batch = min(batch * 2, 256)

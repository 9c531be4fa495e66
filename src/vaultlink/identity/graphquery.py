"""Microsoft Graph's `$filter` as a predicate over directory objects: `core.odata`'s tree with Graph's meaning.
Comparisons (`eq`, `ne`), `startswith` and `endswith` on text, `any` over a collection, `and`, `or`, `not`.
Property names and text compare case-insensitively, as Graph compares directory strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultlink.core import odata
from vaultlink.core.odata import FilterError

__all__ = ["FilterError", "Predicate", "parse"]

Predicate = Callable[[dict[str, Any]], bool]


def parse(text: str) -> Predicate:
    return _predicate(odata.parse(text))


def _predicate(node: odata.Node) -> Predicate:
    if isinstance(node, odata.Or):
        parts = [_predicate(p) for p in node.parts]
        return lambda o: any(p(o) for p in parts)
    if isinstance(node, odata.And):
        parts = [_predicate(p) for p in node.parts]
        return lambda o: all(p(o) for p in parts)
    if isinstance(node, odata.Not):
        inner = _predicate(node.inner)
        return lambda o: not inner(o)
    if isinstance(node, odata.Compare):
        return _comparison(node, lambda o: _value(o, node.path))
    if isinstance(node, odata.Lambda):
        test = _comparison(node.test, lambda item: item)
        return lambda o: any(test(item) for item in (_value(o, node.path) or []))
    return _text_call(node)


def _text_call(call: odata.Call) -> Predicate:
    if call.name not in ("startswith", "endswith"):
        raise FilterError(f"Unsupported function '{call.name}'.")
    if len(call.args) != 2 or not isinstance(call.args[0], odata.Path):
        raise FilterError(f"{call.name} takes a property and a text.")
    path, wanted = call.args[0].name, call.args[1]
    if not isinstance(wanted, odata.Literal) or not isinstance(wanted.value, str):
        raise FilterError(f"{call.name} compares text.")
    text = wanted.value.lower()
    if call.name == "startswith":
        return lambda o: str(_value(o, path) or "").lower().startswith(text)
    return lambda o: str(_value(o, path) or "").lower().endswith(text)


def _comparison(node: odata.Compare, get: Callable[[Any], Any]) -> Predicate:
    wanted = node.value.value
    if node.equal:
        return lambda o: _same(get(o), wanted)
    return lambda o: not _same(get(o), wanted)


def _value(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)

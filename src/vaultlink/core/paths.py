"""Path templates, matched segment by segment, shared by every plane's router.

Literal segments compare case-insensitively (Azure ignores case in paths), `{name}` captures one segment.
When several templates match, the one with more literal segments wins, so `/secrets/{name}/versions`
beats `/secrets/{name}/{version}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from vaultlink.core import errors

T = TypeVar("T")


@dataclass(frozen=True)
class Template:
    text: str
    segments: tuple[str, ...] = field(init=False, repr=False)
    literals: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        segs = tuple(s for s in self.text.split("/") if s)
        object.__setattr__(self, "segments", segs)
        object.__setattr__(self, "literals", sum(1 for s in segs if not s.startswith("{")))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for seg, part in zip(self.segments, parts, strict=True):
            if seg.startswith("{"):
                params[seg[1:-1]] = part
            elif seg.lower() != part.lower():
                return None
        return params


class PathTable(Generic[T]):
    """Entries of (method, template, value); `find` returns the value and the captured parameters."""

    def __init__(self, entries: Iterable[tuple[str, str, T]]) -> None:
        self._by_length: dict[int, list[tuple[str, Template, T]]] = {}
        self._found: dict[tuple[str, str], tuple[T, dict[str, str]]] = {}
        rows = [(m, Template(t), v) for m, t, v in entries]
        for row in sorted(rows, key=lambda r: -r[1].literals):
            self._by_length.setdefault(len(row[1].segments), []).append(row)

    CACHE_LIMIT = 4096

    def find(self, method: str, path: str) -> tuple[T, dict[str, str]]:
        """A pure function of the table, so answers are remembered (clients repeat the same paths)."""
        key = (method, path)
        found = self._found.get(key)
        if found is None:
            found = self._find(method, path)
            if len(self._found) >= self.CACHE_LIMIT:
                self._found.clear()
            self._found[key] = found
        return found[0], dict(found[1])

    def _find(self, method: str, path: str) -> tuple[T, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        matches = [(m, v, p) for m, t, v in self._by_length.get(len(parts), []) if (p := t.match(parts)) is not None]
        for wanted in (method, "GET") if method == "HEAD" else (method,):
            for m, value, params in matches:  # ordered: more literal segments first
                if m == wanted:
                    return value, params
        if matches:
            raise errors.HttpMethodNotSupported(method=method, path=path)
        raise errors.PathNotFound(path=path)

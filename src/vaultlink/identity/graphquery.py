"""Microsoft Graph's `$filter`: the OData subset directory queries use, parsed into a predicate.

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | call | compare | any
    call    := ('startswith' | 'endswith') '(' path ',' literal ')'
    compare := path ('eq' | 'ne') literal
    any     := path '/any(' name ':' name ('eq' | 'ne') literal ')'
    literal := 'text' ('' is a quote) | true | false | null | a number or guid

Property names and text compare case-insensitively, as Graph compares directory strings. Anything outside
the grammar is refused with the position it stopped at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),:/])|(?P<word>[A-Za-z_$@.][\w.$@-]*|[\d.-]+))")


class FilterError(ValueError):
    """The filter is not one Graph accepts."""


def parse(text: str) -> Predicate:
    tokens = _tokens(text)
    parser = _Parser(tokens)
    predicate = parser.expr()
    if parser.i != len(tokens):
        raise FilterError(f"Syntax error at position {parser.position()} in '{text}'.")
    return predicate


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if m is None:
            raise FilterError(f"Syntax error at position {i} in '{text}'.")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind), m.start(kind)))
        i = m.end()
    return out


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


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.i = 0

    def position(self) -> int:
        return self.tokens[self.i][2] if self.i < len(self.tokens) else -1

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        if self.i >= len(self.tokens):
            raise FilterError("The filter ends too early.")
        k, t, pos = self.tokens[self.i]
        if (kind and k != kind) or (text and t.lower() != text):
            raise FilterError(f"Syntax error: '{t}' at position {pos} is not what the filter needs there.")
        self.i += 1
        return t

    def expr(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek().lower() == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda o: any(p(o) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek().lower() == "and":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda o: all(p(o) for p in parts))

    def unary(self) -> Predicate:
        word = self.peek().lower()
        if word == "not":
            self.take()
            inner = self.unary()
            return lambda o: not inner(o)
        if word == "(":
            self.take()
            inner = self.expr()
            self.take(text=")")
            return inner
        name = self.take("word")
        if name.lower() in ("startswith", "endswith") and self.peek() == "(":
            self.take(text="(")
            path = self.path()
            self.take(text=",")
            wanted = self.literal()
            self.take(text=")")
            if not isinstance(wanted, str):
                raise FilterError(f"{name} compares text.")
            if name.lower() == "startswith":
                return lambda o: str(_value(o, path) or "").lower().startswith(wanted.lower())
            return lambda o: str(_value(o, path) or "").lower().endswith(wanted.lower())
        path = self.path(name)
        if self.peek() == "/":  # a lambda over a collection: path/any(x:x eq 'v')
            self.take(text="/")
            self.take(text="any")
            self.take(text="(")
            var = self.take("word")
            self.take(text=":")
            if self.take("word").lower() != var.lower():
                raise FilterError("The lambda must compare its own variable.")
            test = self.comparison(lambda item: item)
            self.take(text=")")
            return lambda o: any(test(item) for item in (_value(o, path) or []))
        return self.comparison(lambda o: _value(o, path))

    def path(self, first: str | None = None) -> str:
        parts = [first or self.take("word")]
        while self.peek() == "/" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1].lower() != "any":
            self.take()
            parts.append(self.take("word"))
        return "/".join(parts)

    def comparison(self, get: Callable[[Any], Any]) -> Callable[[Any], bool]:
        op = self.take("word").lower()
        if op not in ("eq", "ne"):
            raise FilterError(f"Unsupported operator '{op}'.")
        wanted = self.literal()
        if op == "eq":
            return lambda o: _same(get(o), wanted)
        return lambda o: not _same(get(o), wanted)

    def literal(self) -> Any:
        kind, text, _ = self.tokens[self.i] if self.i < len(self.tokens) else ("", "", -1)
        self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if kind == "word" or kind == "punct":
            try:
                return int(text)
            except ValueError:
                return text
        return text

"""OData's `$filter`, the subset Azure's list operations take (Microsoft Graph's directory queries, ARM's
resource listings), parsed into a tree; each plane gives the tree its own meaning.

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | call | compare | any
    call    := name '(' arg (',' arg)* ')'          arg := path | literal
    compare := path ('eq' | 'ne') literal
    any     := path '/any(' name ':' name ('eq' | 'ne') literal ')'
    literal := 'text' ('' is a quote) | true | false | null | a number, a guid or another bare word

Parentheses nest at most `DEPTH` deep: a filter is a query parameter, not a program. Anything outside the
grammar raises `FilterError` saying where it stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEPTH = 32
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),:/])|(?P<word>[A-Za-z_$@.][\w.$@-]*|[\d.-]+))")


class FilterError(ValueError):
    """The filter is outside the grammar."""


@dataclass(frozen=True)
class Literal:
    value: Any
    quoted: bool


@dataclass(frozen=True)
class Path:
    name: str


@dataclass(frozen=True)
class Compare:
    path: str
    equal: bool
    value: Literal


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Path | Literal, ...]


@dataclass(frozen=True)
class Lambda:
    """`path/any(x: x eq 'v')`: some item of the collection at `path` passes `test` (whose path is the item)."""

    path: str
    test: Compare


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Compare | Call | Lambda | Not | And | Or


def parse(text: str) -> Node:
    tokens = _tokens(text)
    parser = _Parser(tokens)
    tree = parser.expr()
    if parser.i != len(tokens):
        raise FilterError(f"Syntax error at position {parser.position()} in '{text}'.")
    return tree


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


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

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

    def expr(self) -> Node:
        parts = [self.conjunction()]
        while self.peek().lower() == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while self.peek().lower() == "and":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        word = self.peek().lower()
        if word in ("not", "("):
            self.depth += 1
            if self.depth > DEPTH:
                raise FilterError(f"The filter nests deeper than {DEPTH} levels.")
            self.take()
            if word == "not":
                inner: Node = Not(self.unary())
            else:
                inner = self.expr()
                self.take(text=")")
            self.depth -= 1
            return inner
        name = self.take("word")
        if self.peek() == "(":
            return self.call(name)
        path = self.path(name)
        if self.peek() == "/":
            self.take(text="/")
            self.take(text="any")
            self.take(text="(")
            var = self.take("word")
            self.take(text=":")
            if self.take("word").lower() != var.lower():
                raise FilterError("The lambda must compare its own variable.")
            test = self.comparison(var)
            self.take(text=")")
            return Lambda(path, test)
        return self.comparison(path)

    def call(self, name: str) -> Call:
        self.take(text="(")
        args = [self.argument()]
        while self.peek() == ",":
            self.take()
            args.append(self.argument())
        self.take(text=")")
        return Call(name.lower(), tuple(args))

    def argument(self) -> Path | Literal:
        kind = self.tokens[self.i][0] if self.i < len(self.tokens) else ""
        lowered = self.peek().lower()
        if kind == "word" and lowered not in ("true", "false", "null") and not lowered[:1].isdigit():
            return Path(self.path())
        return self.literal()

    def path(self, first: str | None = None) -> str:
        parts = [first or self.take("word")]
        while self.peek() == "/" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1].lower() != "any":
            self.take()
            parts.append(self.take("word"))
        return "/".join(parts)

    def comparison(self, path: str) -> Compare:
        op = self.take("word").lower()
        if op not in ("eq", "ne"):
            raise FilterError(f"Unsupported operator '{op}'.")
        return Compare(path, op == "eq", self.literal())

    def literal(self) -> Literal:
        kind, text, _ = self.tokens[self.i] if self.i < len(self.tokens) else ("", "", -1)
        self.take()
        if kind == "str":
            return Literal(text[1:-1].replace("''", "'"), True)
        lowered = text.lower()
        if lowered in ("true", "false"):
            return Literal(lowered == "true", False)
        if lowered == "null":
            return Literal(None, False)
        if kind in ("word", "punct"):
            try:
                return Literal(int(text), False)
            except ValueError:
                return Literal(text, False)
        return Literal(text, False)

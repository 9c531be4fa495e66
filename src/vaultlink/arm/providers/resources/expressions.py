"""ARM template expressions: `[function(args).property[index]]`, parsed into a tree and evaluated.

    value      := '[' expression ']'     (a string starting '[[' is the literal text from the second '[')
    expression := primary ( '.' name | '[' expression ']' )*
    primary    := 'text' ('' is a quote) | number | name '(' [expression (',' expression)*] ')'

Functions come from functions.py; evaluation errors are InvalidTemplate with the expression they came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultlink.core import errors


class InvalidTemplate(errors.BadRequest):
    """Deployment template validation failed: '{detail}'."""


class InvalidTemplateExpression(InvalidTemplate):
    """Deployment template language expression evaluation failed: '{detail}'."""

    code = "InvalidTemplate"


DEPTH = 64  # calls, indexes and property selections nest at most this deep in one expression
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w]*)|(?P<p>[().,\[\]]))")


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class FunctionCall:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Member:
    target: Node
    key: Node | str


Node = Literal | FunctionCall | Member


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def parse(text: str) -> Node:
    """The tree of one expression (the text between the outer brackets)."""
    tokens = _tokens(text)
    parser = _Parser(tokens, text)
    node = parser.expression()
    if parser.i != len(tokens):
        raise InvalidTemplate(detail=f"The template language expression '{text}' is not valid: unexpected "
                              f"'{tokens[parser.i][1]}'.")
    return node


def _tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        if not text[i:].strip():
            break
        m = _TOKEN.match(text, i)
        if m is None:
            raise InvalidTemplate(detail=f"The template language expression '{text}' is not valid: the character "
                                  f"at position {i} is not expected.")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        i = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens, self.text, self.i = tokens, text, 0
        self.depth = 0

    def _fail(self, why: str) -> InvalidTemplate:
        return InvalidTemplate(detail=f"The template language expression '{self.text}' is not valid: {why}.")

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self, text: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise self._fail("it ends too early")
        token = self.tokens[self.i]
        if text is not None and token[1] != text:
            raise self._fail(f"'{text}' was expected where '{token[1]}' is")
        self.i += 1
        return token

    def expression(self) -> Node:
        start = self.depth
        self.depth += 1
        if self.depth > DEPTH:
            raise self._fail(f"it nests deeper than {DEPTH} levels")
        node = self.primary()
        while self.peek() in (".", "["):
            self.depth += 1
            if self.depth > DEPTH:
                raise self._fail(f"it nests deeper than {DEPTH} levels")
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "name":
                    raise self._fail(f"a property name was expected after '.', not '{name}'")
                node = Member(node, name)
            else:
                node = Member(node, self.expression())
                self.take("]")
        self.depth = start
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "str":
            return Literal(text[1:-1].replace("''", "'"))
        if kind == "num":
            return Literal(float(text) if "." in text else int(text))
        if kind != "name":
            raise self._fail(f"'{text}' cannot start an expression")
        self.take("(")
        args: list[Node] = []
        if self.peek() != ")":
            args.append(self.expression())
            while self.peek() == ",":
                self.take()
                args.append(self.expression())
        self.take(")")
        return FunctionCall(text.lower(), tuple(args))


Function = Callable[..., Any]


def evaluate(node: Node, functions: dict[str, Function], text: str) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, FunctionCall):
        fn = functions.get(node.name)
        if fn is None:
            raise InvalidTemplateExpression(detail=f"The template function '{node.name}' is not valid. Please see "
                                            "https://aka.ms/arm-functions for usage details.")
        args = [evaluate(a, functions, text) for a in node.args]
        try:
            return fn(*args)
        except errors.AzureError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as e:
            raise InvalidTemplateExpression(detail=f"The template language function '{node.name}' in '{text}' "
                                            f"failed: {e}") from None
    target = evaluate(node.target, functions, text)
    key = node.key if isinstance(node.key, str) else evaluate(node.key, functions, text)
    if isinstance(target, dict):
        for k, v in target.items():
            if isinstance(key, str) and k.lower() == key.lower():
                return v
        raise InvalidTemplateExpression(detail=f"The language expression property '{key}' doesn't exist, available "
                                        f"properties are '{', '.join(target)}'.")
    if isinstance(target, list) and isinstance(key, int) and 0 <= key < len(target):
        return target[key]
    raise InvalidTemplateExpression(detail=f"The language expression '{text}' cannot select '{key}' from a "
                                    f"{type(target).__name__}.")


def evaluate_text(value: str, functions: dict[str, Function]) -> Any:
    """A template string: an expression's value, the literal for '[[...', or the text itself."""
    if is_expression(value):
        inner = value[1:-1]
        return evaluate(parse(inner), functions, inner)
    if value.startswith("[["):
        return value[1:]
    return value


def calls(value: Any, name: str) -> list[tuple[Any, ...]]:
    """The literal-free argument trees of every call to `name` inside template values (for implicit ordering
    from reference()); each entry is the call node's arguments."""
    found: list[tuple[Any, ...]] = []

    def walk(node: Node) -> None:
        if isinstance(node, FunctionCall):
            if node.name == name:
                found.append(node.args)
            for a in node.args:
                walk(a)
        elif isinstance(node, Member):
            walk(node.target)
            if not isinstance(node.key, str):
                walk(node.key)

    def scan(v: Any) -> None:
        if is_expression(v):
            walk(parse(v[1:-1]))
        elif isinstance(v, dict):
            for item in v.values():
                scan(item)
        elif isinstance(v, list):
            for item in v:
                scan(item)

    scan(value)
    return found

"""The `$filter` of a resource listing (Resources_List, Resources_ListByResourceGroup), as ARM documents it:
`eq` and `ne` on `location`, `resourceType`, `name` and `resourceGroup`; `substringof('text', name)` and
`substringof('text', resourceGroup)`; `tagName eq 'x'`, alone or with `tagValue eq 'y'` beside it; clauses
joined by `and` and `or` (`and` binds tighter), with parentheses. Comparisons ignore case, as resource names do.

`parse` turns the text into a tree, `Filter.matches` tests one resource's envelope, and `Filter.narrowing` names
a text that the key of every resource the filter keeps must contain, so the store can drop the rest unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vaultlink.core import errors, regions
from vaultlink.core.ids import ResourceId

DEPTH = 32  # parentheses nest at most this deep: a filter is a query parameter, not a program
COMPARABLE = ("location", "resourcetype", "name", "resourcegroup")
SUBSTRING = ("name", "resourcegroup")
SUPPORTED = ("it takes eq and ne on location, resourceType, name and resourceGroup, substringof('text', name) and "
             "substringof('text', resourceGroup), tagName eq 'x' with an optional tagValue eq 'y', joined by and, "
             "or and parentheses")
_TOKEN = re.compile(r"\s*(?:(?P<punct>[(),])|'(?P<text>(?:[^']|'')*)'|(?P<word>[A-Za-z_][\w/]*))")


@dataclass(frozen=True)
class Compare:
    field: str
    equal: bool
    value: str

    def matches(self, facts: dict[str, str], tags: dict[str, str]) -> bool:
        return (facts[self.field] == _fold(self.field, self.value)) == self.equal


@dataclass(frozen=True)
class Substring:
    field: str
    value: str

    def matches(self, facts: dict[str, str], tags: dict[str, str]) -> bool:
        return self.value.lower() in facts[self.field]


@dataclass(frozen=True)
class Tag:
    name: str
    value: str | None

    def matches(self, facts: dict[str, str], tags: dict[str, str]) -> bool:
        held = tags.get(self.name.lower())
        return held is not None and (self.value is None or held == self.value)


@dataclass(frozen=True)
class Every:
    parts: tuple[Node, ...]

    def matches(self, facts: dict[str, str], tags: dict[str, str]) -> bool:
        return all(p.matches(facts, tags) for p in self.parts)


@dataclass(frozen=True)
class Either:
    parts: tuple[Node, ...]

    def matches(self, facts: dict[str, str], tags: dict[str, str]) -> bool:
        return any(p.matches(facts, tags) for p in self.parts)


Node = Compare | Substring | Tag | Every | Either


@dataclass(frozen=True)
class Filter:
    tree: Node | None

    def matches(self, body: dict[str, Any]) -> bool:
        if self.tree is None:
            return True
        rid = ResourceId.parse(body["id"])
        facts = {"name": rid.name.lower(), "resourcetype": rid.type.lower(),
                 "resourcegroup": (rid.resource_group or "").lower(),
                 "location": regions.normalize(str(body.get("location", "")))}
        tags = {str(k).lower(): str(v) for k, v in (body.get("tags") or {}).items()}
        return self.tree.matches(facts, tags)

    @property
    def by_tag_value(self) -> bool:
        """ARM leaves the tags out of the listing when it is filtered by a tag's name and value."""
        return any(isinstance(n, Tag) and n.value is not None for n in _walk(self.tree))

    def narrowing(self) -> str | None:
        """A text held by the key (after the scope's prefix) of every resource this filter keeps, or None."""
        for node in (self.tree.parts if isinstance(self.tree, Every) else (self.tree,)):
            if isinstance(node, Compare) and node.equal and node.field == "resourcetype":
                return f"providers/{node.value.lower()}/"
            if isinstance(node, Compare) and node.equal and node.field == "name":
                return f"/{node.value.lower()}"
            if isinstance(node, Substring) and node.field == "name" and node.value:
                return node.value.lower()
        return None


def parse(text: str) -> Filter:
    """The filter `text` names; anything outside the documented grammar is refused as the whole text."""
    if not text.strip():
        return Filter(None)
    parser = _Parser(text)
    tree = parser.either()
    if parser.peek() is not None:
        raise parser.refused()
    return Filter(tree)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(text):
            m = _TOKEN.match(text, at)
            if m is None or m.end() == at:
                if text[at:].strip():
                    raise self.refused()
                break
            kind = m.lastgroup or ""
            value = m.group(kind)
            self.tokens.append((kind, value.replace("''", "'") if kind == "text" else value))
            at = m.end()
        self.at = 0
        self.depth = 0

    def refused(self) -> errors.InvalidFilterInQueryString:
        clause = self.text.strip()
        return errors.InvalidFilterInQueryString(
            clause=clause if len(clause) <= 200 else clause[:200] + "...", supported=SUPPORTED)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, word: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (word is not None and token[1].lower() != word):
            raise self.refused()
        self.at += 1
        return token[1]

    def taking(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.at += 1
            return True
        return False

    def either(self) -> Node:
        parts = [self.every()]
        while self.taking("or"):
            parts.append(self.every())
        return parts[0] if len(parts) == 1 else Either(tuple(parts))

    def every(self) -> Node:
        parts = [self.one()]
        while self.taking("and"):
            parts.append(self.one())
        return _tags_paired(parts, self)

    def one(self) -> Node:
        if self.peek() == ("punct", "("):
            self.at += 1
            self.depth += 1
            if self.depth > DEPTH:
                raise self.refused()
            inner = self.either()
            self.take("punct", ")")
            self.depth -= 1
            return inner
        word = self.take("word").lower()
        if word == "substringof":
            self.take("punct", "(")
            value = self.take("text")
            self.take("punct", ",")
            field = self.take("word").lower()
            self.take("punct", ")")
            if field not in SUBSTRING:
                raise self.refused()
            return Substring(field, value)
        op = self.take("word").lower()
        value = self.take("text")
        if word in ("tagname", "tagvalue") and op == "eq":
            return Tag(value, None) if word == "tagname" else Compare("tagvalue", True, value)
        if word not in COMPARABLE or op not in ("eq", "ne"):
            raise self.refused()
        return Compare(word, op == "eq", value)


def _tags_paired(parts: list[Node], parser: _Parser) -> Node:
    """`tagName eq 'x' and tagValue eq 'y'` is one test: the tag x holds y. A tagValue needs its tagName."""
    values = [p for p in parts if isinstance(p, Compare) and p.field == "tagvalue"]
    if values:
        names = [p for p in parts if isinstance(p, Tag) and p.value is None]
        if len(values) != 1 or len(names) != 1:
            raise parser.refused()
        parts = [Tag(names[0].name, values[0].value) if p is names[0] else p for p in parts if p is not values[0]]
    return parts[0] if len(parts) == 1 else Every(tuple(parts))


def _fold(field: str, value: str) -> str:
    return regions.normalize(value) if field == "location" else value.lower()


def _walk(node: Node | None) -> list[Node]:
    if node is None:
        return []
    if isinstance(node, Every | Either):
        return [node, *(n for p in node.parts for n in _walk(p))]
    return [node]

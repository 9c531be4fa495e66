"""The `$filter` of a resource listing (Resources_List, Resources_ListByResourceGroup), as ARM documents it:
`eq` and `ne` on `location`, `resourceType`, `name` and `resourceGroup`; `substringof('text', name)` and
`substringof('text', resourceGroup)`; `tagName eq 'x'`, alone or with `tagValue eq 'y'` beside it; clauses
joined by `and` and `or` (`and` binds tighter), with parentheses. Comparisons ignore case, as resource names do.

`parse` turns the text into a tree, `Filter.matches` tests one resource's envelope, and `Filter.narrowing` names
a text that the key of every resource the filter keeps must contain, so the store can drop the rest unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultlink.core import errors, odata, regions
from vaultlink.core.ids import ResourceId

COMPARABLE = ("location", "resourcetype", "name", "resourcegroup")
SUBSTRING = ("name", "resourcegroup")
SUPPORTED = ("it takes eq and ne on location, resourceType, name and resourceGroup, substringof('text', name) and "
             "substringof('text', resourceGroup), tagName eq 'x' with an optional tagValue eq 'y', joined by and, "
             "or and parentheses")


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

    def matches(self, body: dict[str, Any], rid: ResourceId | None = None) -> bool:
        """Whether the resource `body` (whose id the caller may have parsed already) passes the filter."""
        if self.tree is None:
            return True
        rid = rid or ResourceId.parse(body["id"])
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
    """The filter `text` names; anything outside ARM's grammar is refused, naming the whole text."""
    if not text.strip():
        return Filter(None)
    try:
        tree = _node(odata.parse(text), text)
    except odata.FilterError:
        raise _refused(text) from None
    if any(isinstance(n, Compare) and n.field == "tagvalue" for n in _walk(tree)):
        raise _refused(text)  # a tagValue stands beside its tagName
    return Filter(tree)


def _node(node: odata.Node, text: str) -> Node:
    if isinstance(node, odata.Or):
        return Either(tuple(_node(p, text) for p in node.parts))
    if isinstance(node, odata.And):
        return _tags_paired([_node(p, text) for p in node.parts], text)
    if isinstance(node, odata.Compare) and isinstance(node.value.value, str) and node.value.quoted:
        field, value = node.path.lower(), node.value.value
        if field in ("tagname", "tagvalue") and node.equal:
            return Tag(value, None) if field == "tagname" else Compare("tagvalue", True, value)
        if field in COMPARABLE:
            return Compare(field, node.equal, value)
    if isinstance(node, odata.Call) and node.name == "substringof" and len(node.args) == 2:
        text_arg, field_arg = node.args
        if isinstance(text_arg, odata.Literal) and text_arg.quoted and isinstance(field_arg, odata.Path) \
                and field_arg.name.lower() in SUBSTRING:
            return Substring(field_arg.name.lower(), str(text_arg.value))
    raise _refused(text)


def _refused(text: str) -> errors.InvalidFilterInQueryString:
    clause = text.strip()
    return errors.InvalidFilterInQueryString(
        clause=clause if len(clause) <= 200 else clause[:200] + "...", supported=SUPPORTED)


def _tags_paired(parts: list[Node], text: str) -> Node:
    """`tagName eq 'x' and tagValue eq 'y'` is one test: the tag x holds y. A tagValue needs its tagName."""
    values = [p for p in parts if isinstance(p, Compare) and p.field == "tagvalue"]
    if values:
        names = [p for p in parts if isinstance(p, Tag) and p.value is None]
        if len(values) != 1 or len(names) != 1:
            raise _refused(text)
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

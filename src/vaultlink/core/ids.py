"""ARM resource ids.

Azure compares resource ids case-insensitively but echoes the casing the resource was created with. A
`ResourceId` keeps both: `str(rid)` is the id as written, `rid.key` the form state is keyed by.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class InvalidResourceId(ValueError):
    pass


@dataclass(frozen=True)
class ResourceId:
    """/subscriptions/{s}[/resourceGroups/{g}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]"""

    subscription: str
    resource_group: str | None = None
    namespace: str | None = None
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    key: str = field(init=False, compare=True, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", str(self).lower())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResourceId) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        parts = [f"/subscriptions/{self.subscription}"]
        if self.resource_group is not None:
            parts.append(f"/resourceGroups/{self.resource_group}")
        if self.namespace is not None:
            parts.append(f"/providers/{self.namespace}")
            for t, n in zip(self.types, self.names, strict=True):
                parts.append(f"/{t}/{n}")
        return "".join(parts)

    @property
    def type(self) -> str:
        """The full resource type, e.g. Microsoft.Network/virtualNetworks/subnets."""
        if self.namespace is None:
            return "Microsoft.Resources/resourceGroups" if self.resource_group else "Microsoft.Resources/subscriptions"
        return "/".join((self.namespace, *self.types))

    @property
    def name(self) -> str:
        if self.names:
            return self.names[-1]
        return self.resource_group if self.resource_group is not None else self.subscription

    @property
    def group_id(self) -> ResourceId:
        return ResourceId(self.subscription, self.resource_group)

    @property
    def subscription_id(self) -> ResourceId:
        return ResourceId(self.subscription)

    @property
    def parent(self) -> ResourceId | None:
        if len(self.names) > 1:
            return ResourceId(self.subscription, self.resource_group, self.namespace, self.types[:-1], self.names[:-1])
        if self.namespace is not None:
            return self.group_id if self.resource_group is not None else self.subscription_id
        if self.resource_group is not None:
            return self.subscription_id
        return None

    def child(self, type_: str, name: str) -> ResourceId:
        if self.namespace is None:
            raise InvalidResourceId("a child needs a provider namespace; use provider()")
        return ResourceId(self.subscription, self.resource_group, self.namespace, (*self.types, type_), (*self.names, name))

    def provider(self, namespace: str, type_: str, name: str) -> ResourceId:
        return ResourceId(self.subscription, self.resource_group, namespace, (type_,), (name,))

    @classmethod
    def parse(cls, text: str) -> ResourceId:
        segs = [s for s in text.strip().split("/") if s]
        if len(segs) < 2 or segs[0].lower() != "subscriptions":
            raise InvalidResourceId(f"'{text}' is not a valid resource id")
        sub, rest = segs[1], segs[2:]
        group: str | None = None
        if rest and rest[0].lower() == "resourcegroups":
            if len(rest) < 2:
                raise InvalidResourceId(f"'{text}' is not a valid resource id")
            group, rest = rest[1], rest[2:]
        if not rest:
            return cls(sub, group)
        if rest[0].lower() != "providers" or len(rest) < 4 or len(rest[2:]) % 2:
            raise InvalidResourceId(f"'{text}' is not a valid resource id")
        ns, pairs = rest[1], rest[2:]
        return cls(sub, group, ns, tuple(pairs[0::2]), tuple(pairs[1::2]))

    @classmethod
    def try_parse(cls, text: str) -> ResourceId | None:
        try:
            return cls.parse(text)
        except InvalidResourceId:
            return None

"""The template functions a deployment's expressions call: scope (resourceGroup, subscription, deployment),
ids (resourceId and its kin), reference, parameters and variables, strings, logic, arrays and objects.

`uniqueString` hashes its arguments joined by '-' with MurmurHash64A and writes the first 13 characters of
the lower-case base32 of the hash; `guid` is the name-based UUID (SHA-1) of the same text. Both are
deterministic as Azure's are; byte-for-byte equality with Azure's values is [UNCONFIRMED].
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultlink.arm.providers.resources.expressions import Function, InvalidTemplateExpression
from vaultlink.core import jsontext
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId

_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


@dataclass
class Scope:
    """Where and as what a template is evaluated."""

    subscription_id: str
    tenant_id: str
    deployment_name: str
    group: dict[str, Any] | None
    location: str
    parameter: Callable[[str], Any]
    variable: Callable[[str], Any]
    reference: Callable[[str, str | None, bool], Any]
    copy_index: dict[str, int] = field(default_factory=dict)
    """The current index of each copy loop being expanded ('' for the innermost, by name for the rest)."""


def murmur64a(data: bytes, seed: int = 0) -> int:
    m, r, mask = 0xC6A4A7935BD1E995, 47, (1 << 64) - 1
    h = (seed ^ (len(data) * m)) & mask
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        k = int.from_bytes(data[i:i + 8], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h ^= k
        h = (h * m) & mask
    tail = data[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    h ^= h >> r
    return h


def unique_string(*values: str) -> str:
    digest = murmur64a("-".join(values).encode()).to_bytes(8, "big")
    return base64.b32encode(digest).decode().lower()[:13]


def _names(values: tuple[Any, ...]) -> tuple[list[str], str, list[str]]:
    """(scope args, resource type, names) of a resourceId-style call."""
    strings = [str(v) for v in values]
    at = next((i for i, v in enumerate(strings) if "/" in v), None)
    if at is None:
        raise ValueError("resourceId needs a resource type such as 'Microsoft.Network/virtualNetworks'")
    return strings[:at], strings[at], strings[at + 1:]


def build_id(prefix: str, type_: str, names: list[str]) -> str:
    if type_.lower() == "microsoft.resources/resourcegroups" and len(names) == 1:  # ARM's own spelling of a group
        return f"{prefix.split('/resourceGroups/')[0]}/resourceGroups/{names[0]}"
    namespace, *types = type_.split("/")
    if len(types) != len(names):
        raise ValueError(f"the type '{type_}' needs {len(types)} name(s), not {len(names)}")
    return prefix + f"/providers/{namespace}" + "".join(f"/{t}/{n}" for t, n in zip(types, names, strict=True))


def table(scope: Scope) -> dict[str, Function]:
    def resource_group() -> dict[str, Any]:
        if scope.group is None:
            raise InvalidTemplateExpression(detail="The template function 'resourceGroup' is not expected at this "
                                            "location: the deployment is at subscription scope.")
        return {"id": scope.group["id"], "name": scope.group["name"], "type": "Microsoft.Resources/resourceGroups",
                "location": scope.group["location"], "tags": scope.group.get("tags", {}),
                "properties": {"provisioningState": "Succeeded"}}

    def resource_id(*args: Any) -> str:
        lead, type_, names = _names(args)
        sub = lead[0] if len(lead) == 2 else scope.subscription_id
        group = lead[-1] if lead else (scope.group or {}).get("name")
        if type_.lower() == "microsoft.resources/resourcegroups" and len(lead) <= 1:
            return f"/subscriptions/{lead[0] if lead else sub}/resourceGroups/{names[0]}"
        if group is None:
            return build_id(f"/subscriptions/{sub}", type_, names)
        return build_id(f"/subscriptions/{sub}/resourceGroups/{group}", type_, names)

    def subscription_resource_id(*args: Any) -> str:
        lead, type_, names = _names(args)
        return build_id(f"/subscriptions/{lead[0] if lead else scope.subscription_id}", type_, names)

    def tenant_resource_id(*args: Any) -> str:
        _, type_, names = _names(args)
        return build_id("", type_, names)

    def extension_resource_id(parent: str, type_: str, *names: str) -> str:
        return build_id(parent.rstrip("/"), type_, list(names))

    def copy_index(*args: Any) -> int:
        loop = next((a for a in args if isinstance(a, str)), "")
        offset = next((a for a in args if isinstance(a, int) and not isinstance(a, bool)), 0)
        key = loop.lower()
        if key not in scope.copy_index:
            raise InvalidTemplateExpression(detail=f"The template function 'copyIndex' is not expected at this "
                                            f"location{f' for the loop {loop!r}' if loop else ''}.")
        return scope.copy_index[key] + offset

    def reference(target: str, api_version: str | None = None, full: str | None = None) -> Any:
        return scope.reference(target, api_version, (full or "").lower() == "full")

    def format_(text: str, *args: Any) -> str:
        return text.format(*[_text(a) for a in args])

    def concat(*args: Any) -> Any:
        if args and all(isinstance(a, list) for a in args):
            return [x for a in args for x in a]
        return "".join(_text(a) for a in args)

    def contains(container: Any, item: Any) -> bool:
        if isinstance(container, str):
            return str(item).lower() in container.lower()
        if isinstance(container, dict):
            return any(k.lower() == str(item).lower() for k in container)
        return item in container

    def union(*args: Any) -> Any:
        if all(isinstance(a, dict) for a in args):
            out: dict[str, Any] = {}
            for a in args:
                out.update(a)
            return out
        merged: list[Any] = []
        for a in args:
            merged += [x for x in a if x not in merged]
        return merged

    def create_object(*args: Any) -> dict[str, Any]:
        return {str(args[i]): args[i + 1] for i in range(0, len(args), 2)}

    def deployment() -> dict[str, Any]:
        return {"name": scope.deployment_name, "properties": {"templateLink": None}, "location": scope.location}

    fns: dict[str, Function] = {
        "parameters": scope.parameter, "variables": scope.variable,
        "resourcegroup": resource_group,
        "subscription": lambda: {"id": f"/subscriptions/{scope.subscription_id}",
                                 "subscriptionId": scope.subscription_id, "tenantId": scope.tenant_id,
                                 "displayName": ""},
        "tenant": lambda: {"tenantId": scope.tenant_id, "countryCode": "US", "displayName": ""},
        "deployment": deployment,
        "environment": lambda: {"name": "AzureCloud", "gallery": "https://gallery.azure.com/",
                                "resourceManager": "https://management.azure.com/",
                                "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                                                   "audiences": ["https://management.core.windows.net/",
                                                                 "https://management.azure.com/"]},
                                "suffixes": {"keyvaultDns": ".vault.azure.net"}},
        "resourceid": resource_id, "subscriptionresourceid": subscription_resource_id,
        "tenantresourceid": tenant_resource_id, "extensionresourceid": extension_resource_id,
        "reference": reference,
        "copyindex": copy_index,
        "concat": concat, "format": format_, "string": _text,
        "tolower": lambda s: str(s).lower(), "toupper": lambda s: str(s).upper(),
        "trim": lambda s: str(s).strip(), "replace": lambda s, a, b: str(s).replace(a, b),
        "substring": lambda s, start, length=None: str(s)[start:None if length is None else start + length],
        "split": lambda s, sep: str(s).split(sep) if isinstance(sep, str) else _split_any(str(s), sep),
        "startswith": lambda s, p: str(s).lower().startswith(str(p).lower()),
        "endswith": lambda s, p: str(s).lower().endswith(str(p).lower()),
        "indexof": lambda s, p: str(s).lower().find(str(p).lower()),
        "padleft": lambda s, n, c=" ": _text(s).rjust(n, c),
        "uniquestring": lambda *v: unique_string(*[str(x) for x in v]),
        "guid": lambda *v: str(uuid.uuid5(_GUID_NAMESPACE, "-".join(str(x) for x in v))),
        "newguid": lambda: str(uuid.uuid4()),
        "utcnow": lambda fmt="yyyyMMddTHHmmssZ": clock.utcnow().strftime("%Y%m%dT%H%M%SZ"),
        "base64": lambda s: base64.b64encode(str(s).encode()).decode(),
        "uri": lambda base, rel: base.rsplit("/", 1)[0] + "/" + rel.lstrip("/") if not base.endswith("/") else base + rel,
        "length": lambda v: len(v),
        "empty": lambda v: v is None or len(v) == 0,
        "contains": contains, "union": union,
        "first": lambda v: v[0] if v else None, "last": lambda v: v[-1] if v else None,
        "take": lambda v, n: v[:max(n, 0)], "skip": lambda v, n: v[max(n, 0):],
        "range": lambda start, count: list(range(start, start + count)),
        "createarray": lambda *v: list(v), "array": lambda v: v if isinstance(v, list) else [v],
        "createobject": create_object, "json": lambda s: jsontext.loads(s),
        "coalesce": lambda *v: next((x for x in v if x is not None), None),
        "equals": lambda a, b: a == b, "not": lambda a: not a,
        "and": lambda *v: all(v), "or": lambda *v: any(v),
        "if": lambda c, a, b: a if c else b,
        "true": lambda: True, "false": lambda: False, "null": lambda: None,
        "greater": lambda a, b: a > b, "less": lambda a, b: a < b,
        "greaterorequals": lambda a, b: a >= b, "lessorequals": lambda a, b: a <= b,
        "int": lambda v: int(v), "bool": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a // b, "mod": lambda a, b: a % b,
        "min": lambda *v: min(v[0] if len(v) == 1 else v), "max": lambda *v: max(v[0] if len(v) == 1 else v),
    }
    return fns


def _split_any(text: str, separators: list[str]) -> list[str]:
    parts = [text]
    for sep in separators:
        parts = [p for part in parts for p in part.split(sep)]
    return parts


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def resource_id_of(scope_prefix: str, type_: str, name: str) -> ResourceId:
    """The id of a template resource, its full type ('Microsoft.Network/virtualNetworks/subnets') and its
    full name ('vnet/default')."""
    return ResourceId.parse(build_id(scope_prefix, type_, name.split("/")))

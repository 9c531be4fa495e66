"""A template deployment's plan: parameters checked and resolved, variables, and every resource (copy loops,
conditions, children nested or by name) with its id, api-version and what it depends on (dependsOn, the
implicit order of reference() and of a nested child after its parent).

Bodies are evaluated when their resource runs, so reference() sees what the resources before it made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultlink.arm.providers.resources import expressions, functions
from vaultlink.arm.providers.resources.expressions import InvalidTemplate

LANGUAGE_VERSIONS = ("1.0", "1.9-experimental")
PARAMETER, VARIABLE = "parameter", "variable"
RESOURCES = 800  # a template's resources, copies and children counted
COUNTED = 100 * RESOURCES  # how far a template's resources are counted to say how many it has
RESERVED = {"name", "type", "apiversion", "dependson", "copy", "condition", "resources", "comments", "metadata",
            "scope", "resourcegroup", "subscriptionid", "existing"}
TYPES = {"string": str, "securestring": str, "int": int, "bool": bool, "object": dict, "secureobject": dict,
         "array": list}


@dataclass
class Planned:
    name: str
    type: str
    api_version: str
    id: str
    raw: dict[str, Any]
    copy_index: dict[str, int]
    copy_name: str | None
    condition: bool
    depends_on: set[str] = field(default_factory=set)
    """Lower-cased ids of the planned resources this one waits for."""


class Template:
    def __init__(self, template: Any, parameters: Any, scope: functions.Scope, prefix: str) -> None:
        if not isinstance(template, dict):
            raise InvalidTemplate(detail="The template must be a JSON object.")
        version = template.get("languageVersion")
        if version is not None and str(version) not in LANGUAGE_VERSIONS:
            raise InvalidTemplate(detail=f"The template language version '{version}' is not supported by vaultlink: "
                                  "symbolic resource names (languageVersion 2.0) are not built. Compile Bicep to a "
                                  "template without languageVersion 2.0 features, or deploy the resources one by one.")
        if not isinstance(template.get("resources", []), list):
            raise InvalidTemplate(detail="The template 'resources' must be an array.")
        self.template = template
        self.scope = scope
        self.prefix = prefix
        self.given = _parameter_values(parameters)
        self.declared = {k.lower(): (k, v) for k, v in (template.get("parameters") or {}).items()}
        unknown = [k for k in self.given if k.lower() not in self.declared]
        if unknown:
            raise InvalidTemplate(detail=f"The template parameters '{', '.join(unknown)}' in the parameters file are "
                                  "not valid; they are not present in the original template and can therefore not be "
                                  "provided at deployment time. The only supported parameters for this template are "
                                  f"'{', '.join(k for k, _ in self.declared.values())}'.")
        self.variables_raw = {k.lower(): v for k, v in (template.get("variables") or {}).items()}
        self._params: dict[str, Any] = {}
        self._vars: dict[str, Any] = {}
        self._evaluating: set[tuple[str, str]] = set()
        scope.parameter = self.parameter
        scope.variable = self.variable
        self.functions = functions.table(scope)
        for key in self.declared:
            self.parameter(key)
        self.resources = self._plan()

    # ---- parameters and variables ------------------------------------------------------------------------
    def parameter(self, name: str) -> Any:
        key = str(name).lower()
        if key in self._params:
            return self._params[key]
        if key not in self.declared:
            raise InvalidTemplate(detail=f"The template parameter '{name}' is not found.")
        self._resolve(PARAMETER, key)
        return self._params[key]

    def _default(self, key: str) -> Any:
        """A parameter's default when no value was given for it (expressions unevaluated), or _MISSING."""
        given = next((v for k, v in self.given.items() if k.lower() == key), _MISSING)
        return self.declared[key][1].get("defaultValue", _MISSING) if given is _MISSING else _MISSING

    def _evaluate_parameter(self, key: str) -> None:
        declared_name, spec = self.declared[key]
        given = next((v for k, v in self.given.items() if k.lower() == key), _MISSING)
        if given is _MISSING:
            if "defaultValue" not in spec:
                raise InvalidTemplate(detail=f"The value for the template parameter '{declared_name}' is not provided.")
            given = self._guarded(PARAMETER, key, declared_name, spec["defaultValue"])
        kind = str(spec.get("type", "string")).lower()
        expected = TYPES.get(kind)
        if expected is None:
            raise InvalidTemplate(detail=f"The template parameter '{declared_name}' has the type '{spec.get('type')}', "
                                  f"which is not one of {', '.join(TYPES)}.")
        if expected is int and isinstance(given, str) and given.lstrip("-").isdigit():
            given = int(given)
        if not isinstance(given, expected) or (expected is int and isinstance(given, bool)):
            raise InvalidTemplate(detail=f"Template parameter '{declared_name}' was provided an invalid value. Expected "
                                  f"a value of type '{spec.get('type', 'string')}', but received a value of type "
                                  f"'{type(given).__name__}'.")
        allowed = spec.get("allowedValues")
        if isinstance(allowed, list) and given not in allowed:
            raise InvalidTemplate(detail=f"The provided value '{given}' for the template parameter '{declared_name}' is "
                                  f"not valid. The value must be one of {allowed}.")
        value: Any = given
        size = len(value) if isinstance(value, (str, list)) else value
        for bound, low in (("minLength", True), ("maxLength", False), ("minValue", True), ("maxValue", False)):
            if bound in spec and (size < spec[bound] if low else size > spec[bound]):
                raise InvalidTemplate(detail=f"The provided value for the template parameter '{declared_name}' is not "
                                      f"valid: it breaks its {bound} of {spec[bound]}.")
        self._params[key] = given

    def parameter_listing(self) -> dict[str, Any]:
        """The deployment's `properties.parameters`: each value with its type; secure ones without a value."""
        out: dict[str, Any] = {}
        for key, (name, spec) in self.declared.items():
            kind = str(spec.get("type", "string"))
            entry: dict[str, Any] = {"type": _type_name(kind)}
            if not kind.lower().startswith("secure"):
                entry["value"] = self._params.get(key)
            out[name] = entry
        return out

    def variable(self, name: str) -> Any:
        key = str(name).lower()
        if key in self._vars:
            return self._vars[key]
        if key not in self.variables_raw:
            raise InvalidTemplate(detail=f"The template variable '{name}' is not found. Please see "
                                  "https://aka.ms/arminvalidfunction for usage details.")
        self._resolve(VARIABLE, key)
        return self._vars[key]

    def _evaluate_variable(self, key: str) -> None:
        self._vars[key] = self._guarded(VARIABLE, key, key, self.variables_raw[key])

    def _guarded(self, kind: str, key: str, name: str, raw: Any) -> Any:
        """`raw` evaluated, refusing a reference back to the parameter or variable being evaluated."""
        if (kind, key) in self._evaluating:
            raise InvalidTemplate(detail=f"The template {kind} '{name}' refers to itself.")
        self._evaluating.add((kind, key))
        try:
            return self.evaluate(raw, dict(self.scope.copy_index) if kind == VARIABLE else {})
        finally:
            self._evaluating.discard((kind, key))

    def _resolve(self, kind: str, key: str) -> None:
        """Evaluates `kind`/`key` after every parameter and variable it names (`parameters('x')`, `variables('y')`),
        dependencies first, walking them with a stack of its own: a chain of references hundreds long costs no
        deeper a recursion than one reference. A cycle among them is refused."""
        stack: list[tuple[str, str, bool]] = [(kind, key, False)]
        started: set[tuple[str, str]] = set()  # on the path from `key` to the reference in hand
        while stack:
            k, name, ready = stack.pop()
            if self._known(k, name):
                continue
            if ready:
                started.discard((k, name))
                if k == PARAMETER:
                    self._evaluate_parameter(name)
                else:
                    self._evaluate_variable(name)
                continue
            started.add((k, name))
            stack.append((k, name, True))
            raw = self._default(name) if k == PARAMETER else self.variables_raw[name]
            for ref in _references(raw):
                if ref in started:
                    shown = self.declared[ref[1]][0] if ref[0] == PARAMETER else ref[1]
                    raise InvalidTemplate(detail=f"The template {ref[0]} '{shown}' refers to itself.")
                if (ref[1] in self.declared if ref[0] == PARAMETER else ref[1] in self.variables_raw):
                    stack.append((*ref, False))

    def _known(self, kind: str, key: str) -> bool:
        return key in (self._params if kind == PARAMETER else self._vars)

    # ---- evaluation ----------------------------------------------------------------------------------------
    def evaluate(self, value: Any, copy_index: dict[str, int], skip: Callable[[list[str]], bool] | None = None,
                 path: list[str] | None = None) -> Any:
        """A template value with every expression in it evaluated (a `copy` property array expanded)."""
        path = path or []
        if skip is not None and skip(path):
            return value
        saved = self.scope.copy_index
        self.scope.copy_index = copy_index
        try:
            if isinstance(value, str):
                return expressions.evaluate_text(value, self.functions)
            if isinstance(value, list):
                return [self.evaluate(v, copy_index, skip, [*path, str(i)]) for i, v in enumerate(value)]
            if isinstance(value, dict):
                out: dict[str, Any] = {}
                for k, v in value.items():
                    if k == "copy" and isinstance(v, list) and path:
                        for loop in v:
                            out[loop["name"]] = [self.evaluate(loop["input"], {**copy_index, loop["name"].lower(): i,
                                                                               "": i}, skip, [*path, loop["name"]])
                                                 for i in range(self._count(loop, copy_index))]
                        continue
                    out[k] = self.evaluate(v, copy_index, skip, [*path, k])
                return out
            return value
        finally:
            self.scope.copy_index = saved

    def _count(self, loop: dict[str, Any], copy_index: dict[str, int]) -> int:
        count = self.evaluate(loop.get("count", 0), copy_index, path=["count"])
        if not isinstance(count, int) or count < 0 or count > 800:
            raise InvalidTemplate(detail=f"The copy count of '{loop.get('name')}' must be an integer from 0 to 800.")
        return count

    # ---- the plan --------------------------------------------------------------------------------------------
    def _plan(self) -> list[Planned]:
        actual = self._declared(self.template.get("resources", []), {}, COUNTED)
        if actual > RESOURCES:
            shown = f"more than {COUNTED}" if actual > COUNTED else str(actual)
            raise InvalidTemplate(detail=f"The number of template resources limit exceeded. Limit: '{RESOURCES}' and "
                                  f"actual: '{shown}'. Please see https://aka.ms/arm-template/#resources for usage "
                                  "details.")
        planned: list[Planned] = []
        for raw in self.template.get("resources", []):
            self._expand(raw, None, {}, planned)
        by_id = {p.id.lower(): p for p in planned}
        for p in planned:
            for dep in p.depends_on | self._explicit(p, planned) | self._implicit(p, by_id):
                if dep != p.id.lower() and dep in by_id:
                    p.depends_on.add(dep)
            p.depends_on = {d for d in p.depends_on if d in by_id and d != p.id.lower()}
        return _ordered(planned)

    def _declared(self, raws: Any, copy_index: dict[str, int], bound: int) -> int:
        """How many resources `raws` expand to, copies and nested children counted as `_expand` makes them,
        before any is planned; counting stops once it passes `bound` (nested copy loops multiply)."""
        total = 0
        for raw in raws if isinstance(raws, list) else []:
            if not isinstance(raw, dict):
                continue
            loop, children = raw.get("copy"), raw.get("resources") or []
            if not isinstance(loop, dict):
                total += 1 + self._declared(children, copy_index, bound - total)
            else:
                name = str(loop.get("name", "")).lower()
                for i in range(self._count(loop, copy_index)):
                    total += 1 + self._declared(children, {**copy_index, name: i, "": i}, bound - total)
                    if total > bound:
                        return total
            if total > bound:
                return total
        return total

    def _expand(self, raw: Any, parent: Planned | None, copy_index: dict[str, int], out: list[Planned]) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or "name" not in raw:
            raise InvalidTemplate(detail="Each template resource needs a 'type', a 'name' and an 'apiVersion'.")
        loop = raw.get("copy")
        if isinstance(loop, dict):
            name = str(loop.get("name", ""))
            for i in range(self._count(loop, copy_index)):
                self._one(raw, parent, {**copy_index, name.lower(): i, "": i}, name, out)
            return
        self._one(raw, parent, copy_index, None, out)

    def _one(self, raw: dict[str, Any], parent: Planned | None, copy_index: dict[str, int], copy_name: str | None,
             out: list[Planned]) -> None:
        type_ = str(self.evaluate(raw["type"], copy_index))
        name = str(self.evaluate(raw["name"], copy_index))
        if parent is not None and "/" not in type_:  # a nested child names its type and name after its parent's
            type_ = f"{parent.type}/{type_}"
        if parent is not None and "/" not in name:
            name = f"{parent.name}/{name}"
        api = raw.get("apiVersion")
        if not isinstance(api, str) or not api:
            raise InvalidTemplate(detail=f"The resource '{type_}/{name}' has no 'apiVersion'.")
        condition = raw.get("condition", True)
        condition = bool(self.evaluate(condition, copy_index)) and (parent is None or parent.condition)
        prefix = self.prefix
        group, sub = raw.get("resourceGroup"), raw.get("subscriptionId")
        if group is not None or sub is not None:
            sub_id = str(self.evaluate(sub, copy_index)) if sub else self.scope.subscription_id
            prefix = f"/subscriptions/{sub_id}" + (f"/resourceGroups/{self.evaluate(group, copy_index)}" if group else "")
        if raw.get("scope") is not None:  # an extension resource (a role assignment on a vault): under its scope
            prefix = str(self.evaluate(raw["scope"], copy_index)).rstrip("/")
            if not prefix.startswith("/"):  # a template resource named by name ('vault1'): under its id
                prefix = next((q.id for q in out if q.name.lower() == prefix.lower()), prefix)
        try:
            if type_.lower() == "microsoft.resources/resourcegroups":
                rid = f"/subscriptions/{self.scope.subscription_id}/resourceGroups/{name}"
            else:
                rid = functions.build_id(prefix, type_, name.split("/"))
        except ValueError as e:
            raise InvalidTemplate(detail=f"The template resource '{name}' of type '{type_}' is not valid: {e}.") from None
        planned = Planned(name, type_, api, rid, raw, dict(copy_index), copy_name, condition)
        if parent is not None:
            planned.depends_on.add(parent.id.lower())
        out.append(planned)
        for child in raw.get("resources") or []:
            self._expand(child, planned, copy_index, out)

    def _explicit(self, p: Planned, planned: list[Planned]) -> set[str]:
        found: set[str] = set()
        for entry in p.raw.get("dependsOn") or []:
            text = str(self.evaluate(entry, p.copy_index)).lower()
            matches = [q for q in planned if text in (q.id.lower(), q.name.lower(), f"{q.type}/{q.name}".lower())
                       or (q.copy_name and q.copy_name.lower() == text)]
            if not matches:
                raise InvalidTemplate(detail=f"The resource '{entry}' that '{p.type}/{p.name}' depends on is not "
                                      "defined in the template.")
            found |= {q.id.lower() for q in matches}
        return found

    def _implicit(self, p: Planned, by_id: dict[str, Planned]) -> set[str]:
        """reference() of a template resource orders its caller after it, as Azure does."""
        found: set[str] = set()
        for args in expressions.calls({k: v for k, v in p.raw.items() if k != "resources"}, "reference"):
            if not args:
                continue
            try:
                target = str(expressions.evaluate(args[0], self.functions, "reference"))
            except InvalidTemplate:
                continue
            found |= {i for i, q in by_id.items() if target.lower() in (i, q.name.lower())}
        return found


_MISSING = object()


def _parameter_values(parameters: Any) -> dict[str, Any]:
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise InvalidTemplate(detail="The deployment 'parameters' must be an object.")
    out = {}
    for name, entry in parameters.items():
        if isinstance(entry, dict) and "reference" in entry:
            raise InvalidTemplate(detail=f"The parameter '{name}' takes its value from a key vault reference, which "
                                  "vaultlink does not resolve for deployments; give the value itself.")
        if not isinstance(entry, dict) or "value" not in entry:
            raise InvalidTemplate(detail=f"The parameter '{name}' must be an object with a 'value'.")
        out[name] = entry["value"]
    return out


def _type_name(kind: str) -> str:
    names = {"securestring": "SecureString", "secureobject": "SecureObject"}
    return names.get(kind.lower(), kind[:1].upper() + kind[1:])


def _ordered(planned: list[Planned]) -> list[Planned]:
    """Template order, each resource after what it depends on; a cycle is refused as Azure refuses it."""
    by_id = {p.id.lower(): p for p in planned}
    done: set[str] = set()
    visiting: set[str] = set()
    out: list[Planned] = []
    for first in planned:
        stack: list[tuple[Planned, bool]] = [(first, False)]  # depth first with a stack of its own
        while stack:
            p, ready = stack.pop()
            key = p.id.lower()
            if key in done:
                continue
            if ready:
                visiting.discard(key)
                done.add(key)
                out.append(p)
                continue
            visiting.add(key)
            stack.append((p, True))
            for dep in sorted(p.depends_on, reverse=True):
                if dep in visiting:
                    raise InvalidTemplate(detail=f"Circular dependency detected on resource: '{by_id[dep].id}'. "
                                          "Please see https://aka.ms/arm-syntax-resources for usage details.")
                stack.append((by_id[dep], False))
    return out


def _references(raw: Any) -> list[tuple[str, str]]:
    """The parameters and variables a template value names with a literal: `parameters('x')`, `variables('y')`."""
    out: list[tuple[str, str]] = []
    pending: list[Any] = [raw]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif expressions.is_expression(value):
            try:
                nodes: list[Any] = [expressions.parse(value[1:-1])]
            except InvalidTemplate:
                continue  # evaluating it says what is wrong, where it is used
            while nodes:
                node = nodes.pop()
                if isinstance(node, expressions.FunctionCall):
                    named = node.args[0] if len(node.args) == 1 else None
                    if node.name in ("parameters", "variables") and isinstance(named, expressions.Literal) \
                            and isinstance(named.value, str):
                        out.append((PARAMETER if node.name == "parameters" else VARIABLE, named.value.lower()))
                    nodes.extend(node.args)
                elif isinstance(node, expressions.Member):
                    nodes.extend([node.target] if isinstance(node.key, str) else [node.target, node.key])
    return out

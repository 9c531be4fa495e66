"""The template expression parser and the plan a template makes: functions, member access, escapes, copy loops,
conditions, nested children and ordering (dependsOn, reference(), cycles refused)."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.arm.providers.resources import expressions, functions
from vaultlink.arm.providers.resources.expressions import InvalidTemplate
from vaultlink.arm.providers.resources.template import Template

SUB, TENANT = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-0000000000aa"
GROUP = {"id": f"/subscriptions/{SUB}/resourceGroups/rg", "name": "rg", "location": "eastus"}


def scope() -> functions.Scope:
    def no_reference(target: str, api: str | None, full: bool) -> Any:
        return {"target": target}

    return functions.Scope(SUB, TENANT, "d", GROUP, "eastus", lambda n: None, lambda n: None, no_reference)


def plan(resources: list[dict[str, Any]], values: dict[str, Any] | None = None, **extra: Any) -> Template:
    return Template({"resources": resources, **extra}, values, scope(), f"/subscriptions/{SUB}/resourceGroups/rg")


def value(text: str, **template: Any) -> Any:
    return plan([], **template).evaluate(text, {})


@pytest.mark.parametrize(("text", "expected"), [
    ("[concat('a', 'b', string(1))]", "ab1"),
    ("[format('{0}-{1}', 'x', 2)]", "x-2"),
    ("[toLower('ABC')]", "abc"),
    ("[resourceGroup().location]", "eastus"),
    ("[subscription().subscriptionId]", SUB),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
     f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"),
    ("[resourceId('other', 'Microsoft.KeyVault/vaults', 'kv')]",
     f"/subscriptions/{SUB}/resourceGroups/other/providers/Microsoft.KeyVault/vaults/kv"),
    ("[createObject('a', createArray(1, 2)).a[1]]", 2),
    ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    ("[[not an expression]", "[not an expression]"),
    ("plain", "plain"),
    ("['it''s']", "it's"),
    ("[" + "concat(" * 60 + "'a'" + ")" * 60 + "]", "a"),
])
def test_expressions(text: str, expected: Any) -> None:
    assert value(text) == expected


def test_unique_string_and_guid_are_deterministic() -> None:
    a, b = value("[uniqueString('x', 'y')]"), value("[uniqueString('x', 'y')]")
    assert a == b and len(a) == 13 and a != value("[uniqueString('x', 'z')]")
    assert value("[guid('a')]") == value("[guid('a')]") != value("[guid('b')]")


@pytest.mark.parametrize("bad", ["[concat('a']", "[nosuch()]", "[concat('a') extra]", "[createObject('a', 1).b]",
                                 "[" + "concat(" * 5000 + "'a'" + ")" * 5000 + "]",
                                 "[createObject('a', 1)" + ".a" * 5000 + "]",
                                 "[createArray(1)" + "[0]" * 5000 + "]"])
def test_bad_expressions_are_invalid_templates(bad: str) -> None:
    with pytest.raises(InvalidTemplate):
        value(bad)


def test_parameters_defaults_allowed_values_and_variables() -> None:
    t = plan([], {"sku": {"value": "premium"}}, parameters={
        "sku": {"type": "string", "allowedValues": ["standard", "premium"]},
        "name": {"type": "string", "defaultValue": "[concat('kv-', parameters('sku'))]"}},
        variables={"full": "[toUpper(parameters('name'))]"})
    assert t.evaluate("[variables('full')]", {}) == "KV-PREMIUM"
    with pytest.raises(InvalidTemplate, match="must be one of"):
        plan([], {"sku": {"value": "gold"}}, parameters={"sku": {"type": "string", "allowedValues": ["standard"]}})
    with pytest.raises(InvalidTemplate, match="is not provided"):
        plan([], parameters={"sku": {"type": "string"}})


def vnet(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name, **extra}


def test_chains_of_references_hundreds_long_and_cycles() -> None:
    chain = {f"v{i}": f"[variables('v{i + 1}')]" for i in range(3000)} | {"v3000": "end"}
    assert value("[variables('v0')]", variables=chain) == "end"
    params = {f"p{i}": {"type": "string", "defaultValue": f"[parameters('p{i + 1}')]"} for i in range(3000)}
    assert plan([], parameters=params | {"p3000": {"type": "string", "defaultValue": "end"}}).evaluate(
        "[parameters('p0')]", {}) == "end"
    with pytest.raises(InvalidTemplate, match="The template parameter '(a|b)' refers to itself"):
        plan([], parameters={"a": {"type": "string", "defaultValue": "[parameters('b')]"},
                             "b": {"type": "string", "defaultValue": "[parameters('a')]"}})
    with pytest.raises(InvalidTemplate, match="The template parameter 'a' refers to itself"):
        plan([], parameters={"a": {"type": "string", "defaultValue": "[parameters(concat('a'))]"}})
    with pytest.raises(InvalidTemplate, match="The template variable 'x' refers to itself"):
        value("[variables('x')]", variables={"x": "[variables('y')]", "y": "[concat(variables('x'))]"})


def test_copy_condition_children_and_order() -> None:
    t = plan([
        {"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "z.example",
         "resources": [{"type": "virtualNetworkLinks", "apiVersion": "2020-06-01", "name": "link",
                        "dependsOn": ["vnet-0"], "properties": {"v": "[reference('vnet-1').x]"}}]},
        vnet("[concat('vnet-', copyIndex())]", copy={"name": "nets", "count": 2}),
        vnet("skipped", condition="[equals(1, 2)]"),
    ])
    names = [(p.type, p.name, p.condition) for p in t.resources]
    assert ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "z.example/link", True) in names
    assert ("Microsoft.Network/virtualNetworks", "skipped", False) in names
    order = [p.name for p in t.resources]
    assert order.index("z.example/link") > max(order.index("vnet-0"), order.index("vnet-1"), order.index("z.example"))


def test_a_dependency_cycle_is_refused() -> None:
    with pytest.raises(InvalidTemplate, match="Circular dependency"):
        plan([vnet("a", dependsOn=["b"]), vnet("b", dependsOn=["a"])])


def test_eight_hundred_resources_in_one_chain_and_no_more() -> None:
    chain = [vnet(f"n{i}", dependsOn=[f"n{i + 1}"]) for i in range(799)] + [vnet("n799")]
    assert [p.name for p in plan(chain).resources] == [f"n{i}" for i in reversed(range(800))]
    too_many = [vnet("[concat('a', copyIndex())]", copy={"name": "a", "count": 800}), vnet("one-more")]
    with pytest.raises(InvalidTemplate, match="The number of template resources limit exceeded. Limit: '800' and "
                                              "actual: '801'"):
        plan(too_many)
    with pytest.raises(InvalidTemplate, match="actual: '1600'"):
        plan([vnet("[concat('p', copyIndex())]", copy={"name": "p", "count": 800}, resources=[
            {"type": "subnets", "apiVersion": "2023-09-01", "name": "[concat('s', copyIndex())]"}])])
    # a child's copy count may use its parent's copy index, as the plan evaluates it
    nested = vnet("[concat('q', copyIndex('q'))]", copy={"name": "q", "count": 3}, resources=[
        {"type": "subnets", "apiVersion": "2023-09-01", "name": "[concat('s', copyIndex('q'), copyIndex('c'))]",
         "copy": {"name": "c", "count": "[add(copyIndex('q'), 1)]"}}])
    assert len(plan([nested]).resources) == 3 + 1 + 2 + 3
    # nested loops multiply: counting stops at a bound and says so
    with pytest.raises(InvalidTemplate, match="actual: 'more than 80000'"):
        plan([vnet("[concat('a', copyIndex('a'))]", copy={"name": "a", "count": 800}, resources=[
            {"type": "subnets", "apiVersion": "2023-09-01", "name": "[concat('b', copyIndex('b'))]",
             "copy": {"name": "b", "count": 800}, "resources": [
                 {"type": "x", "apiVersion": "1", "name": "[concat('c', copyIndex('c'))]",
                  "copy": {"name": "c", "count": 800}}]}])])


def test_symbolic_names_are_refused_clearly() -> None:
    with pytest.raises(InvalidTemplate, match="languageVersion 2.0"):
        Template({"languageVersion": "2.0", "resources": {}}, None, scope(), "/")


def test_calls_finds_reference_arguments() -> None:
    [args] = expressions.calls({"a": ["[reference('x').y]"]}, "reference")
    assert expressions.evaluate(args[0], {}, "x") == "x"

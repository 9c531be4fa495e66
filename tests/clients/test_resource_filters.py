"""The $filter of a resource listing, through the real SDK's `resources.list(filter=...)` and
`resources.list_by_resource_group`: eq and ne, substringof on name and resourceGroup, tags, and/or with
parentheses; a filter outside ARM's grammar is refused with InvalidFilterInQueryString and lists nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.clients.keyvaults import owner_credential
from tests.clients.seed_support import same_after_restarts
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def made(vaultlink: Running) -> dict[str, Any]:
    """Two groups named after one token, with three virtual networks: {token, groups, resources client}."""
    token = uuid.uuid4().hex[:8]
    c = vaultlink.credentials
    resources = ResourceManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    network = NetworkManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    apps, data = f"rg-{token}-apps", f"rg-{token}-data"
    for group in (apps, data):
        resources.resource_groups.create_or_update(group, {"location": "eastus"})
    for group, name, location, tags in ((apps, f"Demo-{token}-web", "eastus", {"env": "prod"}),
                                        (apps, f"{token}-build", "westeurope", {"env": "test"}),
                                        (data, f"demo-{token}-db", "eastus", {"Env": "prod", "team": "data", "note": "rock 'n' and roll"})):
        network.virtual_networks.begin_create_or_update(group, name, {
            "location": location, "tags": tags,
            "properties": {"addressSpace": {"addressPrefixes": ["10.90.0.0/16"]}}}).result()
    return {"token": token, "apps": apps, "data": data, "client": resources}


def names(made: dict[str, Any], flt: str, group: str | None = None) -> set[str]:
    client: ResourceManagementClient = made["client"]
    listed = client.resources.list_by_resource_group(group, filter=flt) if group else client.resources.list(filter=flt)
    return {r.name for r in listed if made["token"] in r.name}


def test_substringof_a_name_or_a_group_ignores_case(made: dict[str, Any]) -> None:
    t = made["token"]
    assert names(made, f"substringof('DEMO-{t}', name)") == {f"Demo-{t}-web", f"demo-{t}-db"}
    assert names(made, f"substringof('{t}-DATA', resourceGroup)") == {f"demo-{t}-db"}
    assert names(made, f"substringof('{t}-b', name) or substringof('{t}-d', name)") == {f"demo-{t}-db", f"{t}-build"}
    assert names(made, f"substringof('{t}', name)", made["apps"]) == {f"Demo-{t}-web", f"{t}-build"}


def test_eq_and_ne_beside_substringof(made: dict[str, Any]) -> None:
    t = made["token"]
    assert names(made, f"resourceType eq 'microsoft.network/virtualnetworks' and substringof('{t}', name) "
                       f"and location ne 'eastus'") == {f"{t}-build"}
    assert names(made, f"name eq 'demo-{t}-web'") == {f"Demo-{t}-web"}
    assert names(made, f"(location eq 'West Europe' or resourceGroup eq '{made['data']}') and "
                       f"substringof('{t}', name)") == {f"demo-{t}-db", f"{t}-build"}
    assert names(made, f"resourceType eq 'Microsoft.KeyVault/vaults' and substringof('{t}', name)") == set()


def test_tags_and_the_listing_without_tags(made: dict[str, Any]) -> None:
    t = made["token"]
    client: ResourceManagementClient = made["client"]
    by_value = [r for r in client.resources.list(filter="tagName eq 'env' and tagValue eq 'prod'") if t in r.name]
    assert {r.name for r in by_value} == {f"Demo-{t}-web", f"demo-{t}-db"}
    assert all(r.tags is None for r in by_value)  # ARM leaves the tags out when it filters by a tag's value
    by_name = {r.name: r.tags for r in client.resources.list(filter="tagName eq 'team'") if t in r.name}
    assert by_name == {f"demo-{t}-db": {"Env": "prod", "team": "data", "note": "rock 'n' and roll"}}
    # a quote is doubled inside a literal, and an "and" inside one is text
    quoted = [r.name for r in client.resources.list(filter="tagName eq 'note' and tagValue eq 'rock ''n'' and roll'")]
    assert [n for n in quoted if t in n] == [f"demo-{t}-db"]


@pytest.mark.parametrize("flt", ["startswith(name, 'x')", "substringof('x', location)", "tagValue eq 'prod'",
                                 "name eq 'x' and", "(name eq 'x'", "plan eq 'x'", "name gt 'x'",
                                 "(" * 40 + "name eq 'x'" + ")" * 40])
def test_a_filter_outside_the_grammar_is_refused(made: dict[str, Any], flt: str) -> None:
    with pytest.raises(HttpResponseError) as refused:
        names(made, flt)
    assert refused.value.status_code == 400
    assert refused.value.error is not None and refused.value.error.code == "InvalidFilterInQueryString"
    assert f"'{flt}'" in refused.value.message


def test_parentheses_nest_a_bounded_depth(made: dict[str, Any]) -> None:
    t = made["token"]
    assert names(made, "(" * 32 + f"substringof('{t}-b', name)" + ")" * 32) == {f"{t}-build"}
    with pytest.raises(HttpResponseError) as refused:
        names(made, "(" * 2000 + "name eq 'x'" + ")" * 2000)
    assert refused.value.status_code == 400 and refused.value.message.endswith(
        "joined by and, or and parentheses.")


def test_top_pages_the_listing_and_next_link_reads_on(made: dict[str, Any]) -> None:
    t = made["token"]
    client: ResourceManagementClient = made["client"]
    flt = f"substringof('{t}', name)"
    pages = list(client.resources.list(filter=flt, top=2).by_page())
    assert [len(list(p)) for p in pages] == [2, 1]  # the SDK follows nextLink, which carries $skipToken
    every = [r.name for r in client.resources.list(filter=flt)]
    assert sorted(every) == sorted(r.name for r in client.resources.list(filter=flt, top=1))
    assert len(every) == 3
    assert {r.name for r in client.resources.list_by_resource_group(made["apps"], filter=flt, top=1)} == {
        f"Demo-{t}-web", f"{t}-build"}
    with pytest.raises(HttpResponseError) as refused:
        list(client.resources.list(filter=flt, top=0))
    assert refused.value.status_code == 400 and refused.value.error.code == "InvalidParameter"


def test_children_are_not_listed_and_cost_no_page(vaultlink: Running, made: dict[str, Any]) -> None:
    """A network's subnets sort between it and a network whose name extends its own; neither they nor the
    page boundary they fall on hide the second network."""
    t, client = made["token"], made["client"]
    c = vaultlink.credentials
    network = NetworkManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    group = f"rg-{t}-kin"
    client.resource_groups.create_or_update(group, {"location": "eastus"})
    for name, subnets in ((f"{t}-kk", [{"name": f"s{i}", "properties": {"addressPrefix": f"10.91.{i}.0/24"}}
                                        for i in range(3)]), (f"{t}-kk-2", []), (f"{t}-kk0", [])):
        network.virtual_networks.begin_create_or_update(group, name, {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.91.0.0/16"]}, "subnets": subnets}}).result()
    wanted = {f"{t}-kk", f"{t}-kk-2", f"{t}-kk0"}

    def look() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for top in (None, 1, 2):
            by_group = [r.name for r in client.resources.list_by_resource_group(group, top=top)]
            assert set(by_group) == wanted
            pages = client.resources.list(filter=f"substringof('{t}-kk', name)", top=top).by_page()
            seen[f"top={top}"] = {"group": by_group, "pages": [[r.name for r in p] for p in pages]}
            assert {n for p in seen[f"top={top}"]["pages"] for n in p} == wanted
        return seen

    same_after_restarts(vaultlink, look)  # the same pages, split at the same places

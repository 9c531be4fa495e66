"""Microsoft Graph through the real az CLI: `ad app create|list`, `ad sp create|show|create-for-rbac|credential
reset`, `ad user create|list`, `ad signed-in-user show`. What Graph makes signs in at once, its role
assignment is enforced, a reset secret replaces the old one, and all of it outlives a restart. Errors come in
Graph's shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.clients import az_support
from tests.clients.az_support import Az, Raw
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

GROUP = "rg-graph"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", GROUP, "-l", "eastus")
    return az


def as_service_principal(running: Running, where: Path, app_id: str, secret: str) -> Az:
    other = Az(running, where)
    other("login", "--service-principal", "-u", app_id, "-p", secret, "--tenant", running.credentials["tenantId"])
    return other


def test_app_registration_and_its_service_principal(az: Az) -> None:
    app = az("ad", "app", "create", "--display-name", "graph-app-one")
    assert app["displayName"] == "graph-app-one" and app["id"] != app["appId"]
    assert app["signInAudience"] == "AzureADMyOrg" and app["passwordCredentials"] == []
    again = az("ad", "app", "create", "--display-name", "graph-app-one")  # az patches the one with that name
    assert again["appId"] == app["appId"]
    az("ad", "app", "create", "--display-name", "graph-other")
    listed = az("ad", "app", "list", "--display-name", "graph-app")
    assert [a["appId"] for a in listed] == [app["appId"]]
    assert az("ad", "app", "show", "--id", app["appId"])["id"] == app["id"]

    sp = az("ad", "sp", "create", "--id", app["appId"])
    assert sp["appId"] == app["appId"] and sp["servicePrincipalNames"] == [app["appId"]]
    assert az("ad", "sp", "show", "--id", app["appId"])["id"] == sp["id"]
    failed = az.fails("ad", "sp", "create", "--id", app["appId"])
    assert "already in use" in failed.stderr


def test_create_for_rbac_signs_in_at_once_with_its_role_enforced(az: Az, running: Running,
                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    scope = f"/subscriptions/{running.credentials['subscriptionId']}/resourceGroups/{GROUP}"
    made = az("ad", "sp", "create-for-rbac", "--name", "graph-rbac", "--role", "Reader", "--scopes", scope)
    assert set(made) == {"appId", "password", "displayName", "tenant"}
    assert made["tenant"] == running.credentials["tenantId"] and made["displayName"] == "graph-rbac"
    sp = az("ad", "sp", "show", "--id", made["appId"])
    [assignment] = az("role", "assignment", "list", "--assignee", made["appId"], "--scope", scope)
    assert assignment["roleDefinitionName"] == "Reader" and assignment["principalId"] == sp["id"]

    reader = as_service_principal(running, tmp_path_factory.mktemp("reader"), made["appId"], made["password"])
    assert reader("group", "show", "-n", GROUP)["name"] == GROUP
    refused = reader.fails("group", "update", "-n", GROUP, "--tags", "a=b")
    assert "(AuthorizationFailed)" in refused.stderr and sp["id"] in refused.stderr

    # `sp credential reset` puts a secret on the service principal, which signs in at once; the registration's
    # secret (create-for-rbac's) is the application's, which `app credential reset` replaces.
    reset = az("ad", "sp", "credential", "reset", "--id", made["appId"])
    assert reset["appId"] == made["appId"] and reset["password"] != made["password"]
    as_service_principal(running, tmp_path_factory.mktemp("sp-secret"), made["appId"], reset["password"])
    assert [c["hint"] for c in az("ad", "sp", "show", "--id", made["appId"])["passwordCredentials"]] == \
        [reset["password"][:3]]
    app_reset = az("ad", "app", "credential", "reset", "--id", made["appId"])
    old = Az(running, tmp_path_factory.mktemp("old"))
    failed = old.fails("login", "--service-principal", "-u", made["appId"], "-p", made["password"],
                       "--tenant", running.credentials["tenantId"])
    assert "AADSTS7000215" in failed.stderr
    as_service_principal(running, tmp_path_factory.mktemp("app-secret"), made["appId"], app_reset["password"])

    running.restart()
    again = as_service_principal(running, tmp_path_factory.mktemp("after"), made["appId"], reset["password"])
    assert again("group", "show", "-n", GROUP)["name"] == GROUP


def test_users_made_through_graph_sign_in(az: Az, running: Running, tmp_path_factory: pytest.TempPathFactory) -> None:
    domain = running.credentials["tenantDomain"]
    upn = f"ada@{domain}"
    user = az("ad", "user", "create", "--display-name", "Ada Lovelace", "--user-principal-name", upn,
              "--password", "Analytical-Engine-1843")
    assert user["userPrincipalName"] == upn and user["displayName"] == "Ada Lovelace"
    assert [u["id"] for u in az("ad", "user", "list", "--display-name", "Ada")] == [user["id"]]
    assert az("ad", "user", "list", "--upn", upn)[0]["id"] == user["id"]
    weak = az.fails("ad", "user", "create", "--display-name", "Weak", "--user-principal-name", f"weak@{domain}",
                    "--password", "password")
    assert "password complexity" in weak.stderr
    elsewhere = az.fails("ad", "user", "create", "--display-name", "X", "--user-principal-name", "x@example.com",
                         "--password", "Analytical-Engine-1843")
    assert "verified domain names" in elsewhere.stderr

    ada = Az(running, tmp_path_factory.mktemp("ada"))
    ada("login", "-u", upn, "-p", "Analytical-Engine-1843", "--allow-no-subscriptions")
    me = ada("ad", "signed-in-user", "show")
    assert me["id"] == user["id"] and me["userPrincipalName"] == upn


def test_graph_errors_have_graphs_shape(running: Running) -> None:
    graph = Raw(running, "https://graph.microsoft.com")
    missing = graph("GET", "/v1.0/applications/00000000-0000-0000-0000-000000000001")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "Request_ResourceNotFound"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    bad = graph("GET", "/v1.0/applications?$filter=displayName eq")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BadRequest"
    deep = graph("GET", "/v1.0/applications?$filter=" + "(" * 2000 + "displayName eq 'x'" + ")" * 2000)
    assert deep.status_code == 400 and "deeper than 32 levels" in deep.json()["error"]["message"]
    unknown = graph("POST", "/v1.0/applications", {"displayName": "x", "colour": "blue"})
    assert unknown.status_code == 400 and "'colour' does not exist" in unknown.json()["error"]["message"]

"""What az needs from vaultlink beyond the seed's resources, checked over plain HTTP so that it is covered
where az is not installed too: the managed HSM lists az reads beside the vault lists, and one service
principal by object id in Microsoft Graph (`az ad sp show --id APPID` reads it after the filter lookup)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from tests.clients import az_support
from tests.clients.az_support import Raw
from tests.vaultlink_process import Running

API = "api-version=2026-02-01"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def arm(running: Running) -> Raw:
    arm = Raw(running)
    assert arm("PUT", f"/subscriptions/{arm.sub}/resourcegroups/rg-hsm?api-version=2024-11-01",
               {"location": "eastus"}).status_code == 201
    return arm


def test_managed_hsm_lists_are_empty(arm: Raw) -> None:
    provider = f"/subscriptions/{arm.sub}/providers/Microsoft.KeyVault"
    for path in (f"{provider}/managedHSMs", f"{provider}/deletedManagedHSMs",
                 f"/subscriptions/{arm.sub}/resourceGroups/rg-hsm/providers/Microsoft.KeyVault/managedHSMs"):
        answer = arm("GET", f"{path}?{API}")
        assert answer.status_code == 200 and answer.json() == {"value": []}, path


def test_managed_hsm_list_of_a_missing_group(arm: Raw) -> None:
    answer = arm("GET", f"/subscriptions/{arm.sub}/resourceGroups/rg-nope/providers/Microsoft.KeyVault/managedHSMs?{API}")
    assert answer.status_code == 404
    assert answer.json()["error"] == {"code": "ResourceGroupNotFound",
                                      "message": "Resource group 'rg-nope' could not be found."}


def test_managed_hsm_lists_check_the_api_version(arm: Raw) -> None:
    answer = arm("GET", f"/subscriptions/{arm.sub}/providers/Microsoft.KeyVault/managedHSMs?api-version=2001-01-01")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_graph_service_principal_by_object_id(running: Running) -> None:
    graph = Raw(running, "https://graph.microsoft.com")
    sp = running.credentials["servicePrincipal"]
    found = graph("GET", f"/v1.0/servicePrincipals/{sp['objectId']}")
    assert found.status_code == 200
    body = found.json()
    assert body["id"] == sp["objectId"] and body["appId"] == sp["appId"]
    assert body["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity"
    # Graph addresses a service principal by object id only; an app id is not one.
    missing = graph("GET", f"/v1.0/servicePrincipals/{sp['appId']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"
    assert missing.json()["error"]["message"].startswith(f"Resource '{sp['appId']}' does not exist")


def test_graph_needs_a_graph_token(running: Running) -> None:
    arm_token = Raw(running).session.headers["Authorization"]
    graph = Raw(running, "https://graph.microsoft.com")
    graph.session.headers["Authorization"] = arm_token
    answer = graph("GET", f"/v1.0/servicePrincipals/{running.credentials['servicePrincipal']['objectId']}")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_the_cli_s_own_hosts_are_answered_locally(running: Running) -> None:
    """az's version check and its telemetry (when a user turns it on) never leave the machine; any other host
    is refused at the proxy."""
    raw = Raw(running)
    del raw.session.headers["Authorization"]
    telemetry = raw("POST", "https://dc.services.visualstudio.com/v2/track", [])
    assert telemetry.status_code == 200 and telemetry.json()["errors"] == []
    assert raw("GET", "https://azcliprod.blob.core.windows.net/cli/azure-cli-core/setup.py").status_code == 404
    with pytest.raises(requests.exceptions.ProxyError):
        raw("GET", "https://example.com/")

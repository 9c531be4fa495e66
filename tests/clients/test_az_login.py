"""Every way a user signs the real az CLI in to vaultlink, each in a profile of its own (AZURE_CONFIG_DIR), and
what `az account show` / `az account list` say right afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.clients import az_support
from tests.clients.az_support import Az
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture
def az(running: Running, tmp_path: Path) -> Az:
    return Az(running, tmp_path / "azure-cli")


def identity_show(running: Running) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "vaultlink", "identity", "show", "--data-dir", str(running.data_dir)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def check_accounts(az: Az, running: Running, user: dict[str, str]) -> None:
    """`az account show` and `az account list` name vaultlink's one subscription, as the signed-in principal."""
    sub, tenant = running.credentials["subscriptionId"], running.credentials["tenantId"]
    shown = az("account", "show")
    assert shown["id"] == sub and shown["tenantId"] == tenant and shown["homeTenantId"] == tenant
    assert shown["state"] == "Enabled" and shown["isDefault"] is True and shown["name"] == "vaultlink subscription"
    assert shown["user"] == user
    [listed] = az("account", "list")
    assert listed["id"] == sub and listed["user"] == user and listed["isDefault"] is True
    # The token works for ARM at once.
    assert az("group", "list") == []


def test_service_principal(az: Az, running: Running) -> None:
    sp = running.credentials["servicePrincipal"]
    [account] = az("login", "--service-principal", "-u", sp["appId"], "-p", sp["secret"],
                   "--tenant", running.credentials["tenantId"])
    assert account["id"] == running.credentials["subscriptionId"]
    check_accounts(az, running, {"name": sp["appId"], "type": "servicePrincipal"})
    token = az("account", "get-access-token")
    assert token["tokenType"] == "Bearer" and token["subscription"] == running.credentials["subscriptionId"]
    assert token["tenant"] == running.credentials["tenantId"] and token["accessToken"].count(".") == 2


def test_service_principal_with_a_wrong_secret(az: Az, running: Running) -> None:
    failed = az.fails("login", "--service-principal", "-u", running.credentials["servicePrincipal"]["appId"],
                      "-p", "not-the-secret", "--tenant", running.credentials["tenantId"])
    assert failed.stderr.startswith("ERROR: AADSTS7000215: Invalid client secret provided.")
    assert az.fails("account", "show").stderr.startswith("ERROR: Please run 'az login' to setup account.")


def test_managed_identity(az: Az, running: Running) -> None:
    assert az.env["IDENTITY_ENDPOINT"].endswith("/msi/token") and az.env["IDENTITY_HEADER"]
    [account] = az("login", "--identity")
    assert account["user"] == {"assignedIdentityInfo": "MSI", "name": "systemAssignedIdentity",
                               "type": "servicePrincipal"}
    check_accounts(az, running, {"assignedIdentityInfo": "MSI", "name": "systemAssignedIdentity",
                                 "type": "servicePrincipal"})


def test_managed_identity_without_its_header_is_refused(az: Az) -> None:
    failed = az.fails("login", "--identity", env={"IDENTITY_HEADER": "not-the-header"})
    assert "No managed identity matches the X-IDENTITY-HEADER" in failed.stderr


def test_username_and_password(az: Az, running: Running) -> None:
    user = identity_show(running)["user"]
    [account] = az("login", "-u", user["userPrincipalName"], "-p", user["password"])
    assert account["tenantDisplayName"] == "vaultlink" and account["tenantDefaultDomain"] == "vaultlink.onmicrosoft.com"
    check_accounts(az, running, {"name": user["userPrincipalName"], "type": "user"})
    me = az("ad", "signed-in-user", "show")
    assert me["userPrincipalName"] == user["userPrincipalName"] and me["id"] == user["objectId"]


def test_username_with_a_wrong_password(az: Az, running: Running) -> None:
    upn = identity_show(running)["user"]["userPrincipalName"]
    failed = az.fails("login", "-u", upn, "-p", "not-the-password")
    assert "ERROR: AADSTS50126: Error validating credentials due to invalid username or password." in failed.stderr
    unknown = az.fails("login", "-u", "nobody@vaultlink.onmicrosoft.com", "-p", "x")
    assert "ERROR: AADSTS50034: The user account nobody@vaultlink.onmicrosoft.com does not exist" in unknown.stderr


def test_device_code(az: Az, running: Running) -> None:
    result = az.run("login", "--use-device-code", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code" \
        in result.stderr
    [account] = result.json()
    upn = identity_show(running)["user"]["userPrincipalName"]
    assert account["user"] == {"name": upn, "type": "user"}
    check_accounts(az, running, {"name": upn, "type": "user"})


def test_unknown_tenant(az: Az, running: Running) -> None:
    """Entra answers AADSTS90002; az 2.91 reports MSAL's discovery failure with a traceback of its own, as it
    does against Azure."""
    result = az.run("login", "--service-principal", "-u", running.credentials["servicePrincipal"]["appId"],
                    "-p", "x", "--tenant", "00000000-0000-0000-0000-000000000001")
    assert result.returncode != 0
    assert "AADSTS90002: Tenant '00000000-0000-0000-0000-000000000001' not found." in result.stderr


def test_logout(az: Az) -> None:
    az.login()
    assert az.run("logout").returncode == 0
    assert az("account", "list") == []

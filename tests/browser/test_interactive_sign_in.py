"""The authorization code flow for every client that uses it: the portal as https://portal.azure.com through
vaultlink's proxy, a plain `az login` (az opens $BROWSER on the authorize URL with a loopback redirect), and an
MSAL public client's acquire_token_interactive. The "browser" is sign_in_browser.py: Playwright and Chromium
through the proxy, signing in as a person would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from playwright.sync_api import expect

from tests.browser.support import launch, shot, sign_in
from tests.clients.az_support import Az
from tests.vaultlink_process import Running

SCRIPT = Path(__file__).with_name("sign_in_browser.py")
CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM_SCOPE = "https://management.core.windows.net//.default"


def browser_env(running: Running, tmp_path: Path) -> dict[str, str]:
    user = running.credentials["user"]
    launcher = tmp_path / "browser"  # BROWSER names one program: Python's webbrowser does not split it
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{SCRIPT}" "$@"\n')
    launcher.chmod(0o755)
    return {"BROWSER": str(launcher), "VAULTLINK_SIGNIN_PROXY": running.proxy,
            "VAULTLINK_SIGNIN_USER": user["userPrincipalName"], "VAULTLINK_SIGNIN_PASSWORD": user["password"],
            "VAULTLINK_SIGNIN_LOG": str(tmp_path / "browser.log")}


def test_the_portal_as_portal_azure_com_through_the_proxy(vaultlink: Running) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, vaultlink.proxy)
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto("https://portal.azure.com/")
            assert page.url.startswith("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?")
            assert "redirect_uri=https%3A%2F%2Fportal.azure.com%2Fsignin" in page.url
            user = vaultlink.credentials["user"]
            sign_in(page, user["userPrincipalName"], user["password"])
            expect(page.get_by_role("heading", name="Azure services")).to_be_visible()
            assert page.url == "https://portal.azure.com/"
            shot(page, "portal-azure-com")
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
            page.goto("https://portal.azure.com/browse/keyvaults")
            assert page.url.startswith("https://login.microsoftonline.com/")  # the session ended
        finally:
            browser.close()


@pytest.mark.az
def test_plain_az_login(vaultlink: Running, tmp_path: Path) -> None:
    az = Az(vaultlink, tmp_path / "azure-cli")
    [account] = az("login", env=browser_env(vaultlink, tmp_path))
    user = vaultlink.credentials["user"]["userPrincipalName"]
    assert account["id"] == vaultlink.credentials["subscriptionId"]
    assert account["user"] == {"name": user, "type": "user"}
    shown = az("account", "show")
    assert shown["tenantId"] == vaultlink.credentials["tenantId"] and shown["user"]["name"] == user
    assert "landed http://localhost:" in (tmp_path / "browser.log").read_text()


def test_msal_acquire_token_interactive(vaultlink: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in browser_env(vaultlink, tmp_path).items():
        monkeypatch.setenv(name, value)
    tenant = vaultlink.credentials["tenantId"]
    app = msal.PublicClientApplication(CLI_CLIENT_ID, authority=f"https://login.microsoftonline.com/{tenant}")
    result: dict[str, Any] = app.acquire_token_interactive([ARM_SCOPE], timeout=60)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == vaultlink.credentials["user"]["userPrincipalName"]
    listed = requests.get("https://management.azure.com/subscriptions?api-version=2022-12-01", timeout=30,
                          headers={"authorization": f"Bearer {result['access_token']}"}).json()
    assert [s["subscriptionId"] for s in listed["value"]] == [vaultlink.credentials["subscriptionId"]]
    # The code was single-use: MSAL redeemed it; the refresh token it got works.
    [account] = app.get_accounts()
    assert app.acquire_token_silent([ARM_SCOPE], account=account, force_refresh=True)["access_token"]

"""What the browser tests share: Debian's Chromium driven by Playwright, a browser page signed in to the portal
(on its plain loopback address, or as https://portal.azure.com through vaultlink's proxy), screenshots kept as
artifacts in build/screenshots/, and the real SDK clients the tests judge the result by."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.vaultlink_process import Running

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("VAULTLINK_TEST_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "build" / "screenshots"


def launch(playwright: Any, proxy: str | None = None) -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")
    options: dict[str, Any] = {"executable_path": str(CHROMIUM), "args": FLAGS, "headless": True}
    if proxy:
        # Playwright sends loopback through the proxy too; a browser's loopback redirects (az's, MSAL's) must not
        options["proxy"] = {"server": proxy, "bypass": "localhost,127.0.0.1"}
    return playwright.chromium.launch(**options)


def shot(page: Any, name: str) -> None:
    """Keeps a screenshot of the page as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, upn: str, password: str) -> None:
    """On Entra's sign-in page: user name, password, Sign in."""
    page.get_by_label("Email, phone, or Skype").fill(upn)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_portal(browser: Any, running: Running, user: dict[str, str] | None = None) -> Any:
    """A new browser context on the portal's loopback address, signed in (the default user unless named)."""
    user = user or running.credentials["user"]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(running.status()["portal"])
    sign_in(page, user["userPrincipalName"], user["password"])
    page.get_by_role("heading", name="Azure services").wait_for()
    return page


def vaultlink_cli(running: Running, *args: str) -> Any:
    out = subprocess.run([sys.executable, "-m", "vaultlink", *args, "--data-dir", str(running.data_dir)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out) if out.strip().startswith(("{", "[")) else out

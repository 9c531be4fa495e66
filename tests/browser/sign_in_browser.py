"""A stand-in for the user's browser, for clients that open one on Entra's authorize URL (az login, MSAL's
acquire_token_interactive): `BROWSER="python sign_in_browser.py"`. It returns at once, as a browser launcher
does, and signs in from a child process with Playwright and Debian's Chromium, through vaultlink's proxy.

Environment: VAULTLINK_SIGNIN_PROXY (the edge), VAULTLINK_SIGNIN_USER and VAULTLINK_SIGNIN_PASSWORD,
VAULTLINK_SIGNIN_LOG (where the child writes what it saw).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def sign_in(url: str) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.browser.support import launch, shot
    from tests.browser.support import sign_in as fill_in

    log = Path(os.environ["VAULTLINK_SIGNIN_LOG"])
    with sync_playwright() as playwright:
        browser = launch(playwright, os.environ["VAULTLINK_SIGNIN_PROXY"])
        page = browser.new_context(ignore_https_errors=True).new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        log.write_text(f"opened {page.url}\n")
        fill_in(page, os.environ["VAULTLINK_SIGNIN_USER"], os.environ["VAULTLINK_SIGNIN_PASSWORD"])
        page.wait_for_url("http://localhost:*/**")
        page.wait_for_load_state()
        shot(page, "client-sign-in-done")
        with log.open("a") as f:
            f.write(f"landed {page.url}\n{page.content()}\n")
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sign_in(sys.argv[2])
    else:
        with open(os.environ["VAULTLINK_SIGNIN_LOG"] + ".err", "w") as errors:  # the child keeps its own copy
            subprocess.Popen([sys.executable, __file__, "--child", sys.argv[-1]], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=errors)

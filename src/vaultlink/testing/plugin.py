"""The pytest plugin: fixtures for tests of applications that use Azure Key Vault behind a private endpoint.

Installed with vaultlink (entry point `pytest11: vaultlink`). Nothing here runs unless a test names a
fixture: no autouse fixture, no hook with side effects, and no import beyond pytest until a fixture is set up.

- `vaultlink_server` (session): a vaultlink server for the session, started in a temporary directory on free
  ports, or the one already running that `--vaultlink-data-dir DIR` or `VAULTLINK_URL` (its proxy URL) names.
  It leaves the process's environment alone (`with vaultlink_server.environment():` applies it), so a
  session-scoped fixture of the application's can build on it.
- `vaultlink` (function): the same server, with the test's environment set as `vaultlink env` sets a shell's
  (proxy, CA bundle, the default principal), so Azure SDK clients reach vaultlink from the internet; restored
  when the test ends, so tests that do not name it never see it.
- `vaultlink_subscription` (function): a new tenant with a subscription and an Owner service principal, for one
  test; its resource groups are deleted and its vaults purged afterwards, so names can be used again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from vaultlink.testing.session import Vaultlink
    from vaultlink.testing.subscription import Subscription


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vaultlink", "vaultlink (Azure Key Vault with Private Link on this machine)")
    group.addoption("--vaultlink-data-dir", default=None, metavar="DIR",
                    help="Use the vaultlink server running for DIR instead of starting one "
                         "(or set VAULTLINK_URL to a running server's proxy URL).")


@pytest.fixture(scope="session")
def vaultlink_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vaultlink]:
    data_dir = request.config.getoption("--vaultlink-data-dir")
    url = os.environ.get("VAULTLINK_URL")
    launched = None
    if not data_dir and not url:
        from vaultlink.testing.launch import launch

        launched = launch(tmp_path_factory.mktemp("vaultlink") / "data")  # the server starts while we import
    from vaultlink.testing.session import Vaultlink

    if launched is not None:
        session = Vaultlink.started(launched)
    elif data_dir:
        session = Vaultlink.attach(data_dir)
    else:
        session = Vaultlink.at(str(url))
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def vaultlink(vaultlink_server: Vaultlink) -> Iterator[Vaultlink]:
    with vaultlink_server.environment():
        yield vaultlink_server


@pytest.fixture
def vaultlink_subscription(vaultlink: Vaultlink) -> Iterator[Subscription]:
    subscription = vaultlink.new_subscription()
    try:
        yield subscription
    finally:
        subscription.clean_up()

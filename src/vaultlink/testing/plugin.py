"""The pytest plugin: fixtures for tests of applications that use Azure Key Vault behind a private endpoint.

Installed with vaultlink (entry point `pytest11: vaultlink`). Nothing here runs unless a test names a
fixture: no autouse fixture, no hook with side effects, and no import beyond pytest until a fixture is set up.

- `vaultlink` (session): a vaultlink server for the session, started in a temporary directory on free ports, or
  the one already running that `--vaultlink-data-dir DIR` or `VAULTLINK_URL` (its proxy URL) names. While the
  session lasts, the process's environment is what `vaultlink env` prints (proxy, CA bundle, the default
  principal), so Azure SDK clients reach vaultlink from the internet; it is restored at the end.
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
def vaultlink(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vaultlink]:
    from vaultlink.testing.session import Vaultlink

    data_dir = request.config.getoption("--vaultlink-data-dir")
    url = os.environ.get("VAULTLINK_URL")
    if data_dir:
        session = Vaultlink.attach(data_dir)
    elif url:
        session = Vaultlink.at(url)
    else:
        session = Vaultlink.start(tmp_path_factory.mktemp("vaultlink") / "data")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in session.exports().items():
            patch.setenv(name, value)
        try:
            yield session
        finally:
            session.close()


@pytest.fixture
def vaultlink_subscription(vaultlink: Vaultlink) -> Iterator[Subscription]:
    subscription = vaultlink.new_subscription()
    try:
        yield subscription
    finally:
        subscription.clean_up()

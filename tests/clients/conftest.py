"""A running vaultlink for the real clients, and the environment `vaultlink env` prints, set for this package.

The environment is restored when the package's tests end, so unit tests never see the proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.vaultlink_process import Running, serving, start


@pytest.fixture(scope="package")
def vaultlink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serving(tmp_path_factory.mktemp("vaultlink") / "data") as running:
        yield running


@pytest.fixture
def fresh_vaultlink(tmp_path: Path) -> Iterator[Running]:
    """A server of its own, for tests that restart it or change its mode."""
    running = start(tmp_path / "data")
    try:
        yield running
    finally:
        running.stop()

"""Fixtures for the edge's tests: the CA, a running edge per event loop kind, and a guard against tracebacks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import vaultlink  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
if str(Path(__file__).parent) not in sys.path:  # for edge_support and edge_wire, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from edge_support import MAX_BODY, RunningEdge
from edge_wire import Wire

from vaultlink.edge import CertificateAuthority


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority.load_or_create(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def edge(request: pytest.FixtureRequest, ca: CertificateAuthority) -> Iterator[RunningEdge]:
    running = RunningEdge(ca, request.param, max_body_bytes=MAX_BODY)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def close_wires() -> Iterator[None]:
    yield
    Wire.close_all()


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Iterator[None]:
    """No test may make the edge (or the event loop) log an error, unless it says it expects one."""
    caplog.set_level(logging.DEBUG, logger="vaultlink.edge")
    yield
    if request.node.get_closest_marker("edge_logs_errors"):
        return
    bad = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("vaultlink", "asyncio")
    ]
    assert not bad, [r.getMessage() for r in bad]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "edge_logs_errors: the test makes the edge log an error on purpose")

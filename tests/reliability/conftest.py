"""What every probe shares: its size (short in `make test`, long in `make reliability`) and its one-line report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

LONG = os.environ.get("VAULTLINK_LONG") == "1"

_REPORTS = pytest.StashKey[list["Probe"]]()


def size(short: int, long: int) -> int:
    """How many cases a probe runs: `short` in `make test`, `long` in `make reliability`."""
    return long if LONG else short


@dataclass
class Probe:
    """A probe's tally, printed as one line at the end of the run. A test fails the probe by asserting on it."""

    name: str
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    def case(self, failure: str | None = None) -> None:
        self.cases += 1
        if failure is not None:
            self.failures.append(failure)

    def line(self) -> str:
        extra = "".join(f", {key} {value}" for key, value in self.figures.items())
        return f"probe {self.name}: {self.cases} cases, {len(self.failures)} failures{extra}"


@pytest.fixture
def probe(request: pytest.FixtureRequest) -> Iterator[Probe]:
    tally = Probe(request.node.name.removeprefix("test_"))
    yield tally
    request.config.stash.setdefault(_REPORTS, []).append(tally)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    reports = config.stash.get(_REPORTS, [])
    if reports:
        terminalreporter.section("reliability probes")
        for tally in reports:
            terminalreporter.write_line(tally.line())
            for failure in tally.failures[:5]:
                terminalreporter.write_line(f"    {failure}")

"""Race probes: concurrent same-name vault creates and concurrent approve/reject of one private endpoint
connection, on one node and across two nodes sharing PostgreSQL, through the real management SDK.

A case is one round (two requests released together). It fails when either request answers 5xx, when a
same-name round does not end with exactly one vault and one 409 VaultAlreadyExists, or when an approve/reject
round leaves the two sides of the connection (or the two nodes) disagreeing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.clients.nodes_support import (
    Node,
    Tally,
    one_node,
    postgres_reachable,
    race_approve_reject,
    race_same_name,
    two_nodes,
)
from tests.reliability.conftest import Probe, size


def _report(probe: Probe, tally: Tally) -> None:
    for _ in range(tally.rounds):
        probe.case()
    probe.failures.extend(tally.wrong)
    probe.figures.update({"5xx": tally.server_errors, **{o: n for o, n in sorted(tally.outcomes.items())}})


@contextmanager
def _two(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    if not postgres_reachable():
        pytest.skip("two nodes share a PostgreSQL server; none answers at 127.0.0.1:5432")
    with two_nodes(tmp_path) as pair:
        yield pair


def test_same_name_creates_one_node(probe: Probe, tmp_path: Path) -> None:
    with one_node(tmp_path) as node:
        tally = race_same_name(node, node, size(20, 200))
    _report(probe, tally)
    assert tally.server_errors == 0 and probe.failures == []


def test_approve_reject_one_node(probe: Probe, tmp_path: Path) -> None:
    with one_node(tmp_path) as node:
        tally = race_approve_reject(node, node, size(20, 200))
    _report(probe, tally)
    assert tally.server_errors == 0 and probe.failures == []


@pytest.mark.postgres
def test_same_name_creates_two_nodes(probe: Probe, tmp_path: Path) -> None:
    with _two(tmp_path) as (a, b):
        tally = race_same_name(a, b, size(20, 200))
    _report(probe, tally)
    assert tally.server_errors == 0 and probe.failures == []


@pytest.mark.postgres
def test_approve_reject_two_nodes(probe: Probe, tmp_path: Path) -> None:
    with _two(tmp_path) as (a, b):
        tally = race_approve_reject(a, b, size(20, 200))
    _report(probe, tally)
    assert tally.server_errors == 0 and probe.failures == []


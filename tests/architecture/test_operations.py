"""Operations are found by name: every route names its Azure operation id, the route tables match the
checked-in list of claimed operations, and the README's list of operations is the one generated from it."""

from __future__ import annotations

import difflib
import re

from tests.architecture import operations

SPEC_ID = re.compile(r"^[A-Z][A-Za-z]+_[A-Z][A-Za-z]+$")


def test_every_route_names_an_operation_id() -> None:
    for line in operations.route_lines():
        operation_id = line.split()[1]
        assert SPEC_ID.match(operation_id), f"not an Azure operation id: {line}"


def test_the_route_tables_are_the_claimed_operations() -> None:
    routes, claimed = operations.route_lines(), operations.claimed()
    diff = "\n".join(difflib.unified_diff(claimed, routes, "operations.txt", "the route tables", lineterm=""))
    assert routes == claimed, f"regenerate with `python -m tests.architecture.operations --write`:\n{diff}"


def test_the_readme_lists_the_claimed_operations() -> None:
    assert operations.readme_now() == operations.readme_block(operations.claimed())


def test_the_named_operations_are_where_a_reader_looks_for_them() -> None:
    claimed = operations.claimed()
    for wanted in ("arm PrivateEndpointConnections_Put PUT", "data Secrets_GetSecret GET /secrets/{name}",
                   "data Keys_Sign POST /keys/{name}/sign", "arm RecordSets_CreateOrUpdate PUT",
                   "data Keys_RotateKey POST /keys/{name}/rotate since 7.3"):
        assert any(line.startswith(wanted) for line in claimed), wanted

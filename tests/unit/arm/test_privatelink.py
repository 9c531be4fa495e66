from __future__ import annotations

import pytest

from vaultlink.arm import privatelink as pl


@pytest.mark.parametrize(("current", "wanted"), [
    (pl.PENDING, pl.APPROVED), (pl.PENDING, pl.REJECTED), (pl.APPROVED, pl.REJECTED), (pl.APPROVED, pl.APPROVED),
    (pl.REJECTED, pl.APPROVED),  # Key Vault approves a rejected connection again (recorded against Azure)
])
def test_allowed_transitions(current: str, wanted: str) -> None:
    pl.check_transition(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), [
    (pl.APPROVED, pl.PENDING), (pl.REJECTED, pl.PENDING), (pl.DISCONNECTED, pl.APPROVED),
    (pl.PENDING, pl.DISCONNECTED), (pl.PENDING, "Maybe"),
])
def test_refused_transitions(current: str, wanted: str) -> None:
    with pytest.raises(Exception) as err:
        pl.check_transition(current, wanted)
    assert getattr(err.value, "status", None) == 400


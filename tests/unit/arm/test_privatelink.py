from __future__ import annotations

import pytest

from vaultlink.arm import privatelink as pl


@pytest.mark.parametrize(("current", "wanted"), [
    (pl.PENDING, pl.APPROVED), (pl.PENDING, pl.REJECTED), (pl.APPROVED, pl.REJECTED), (pl.APPROVED, pl.APPROVED),
])
def test_allowed_transitions(current: str, wanted: str) -> None:
    pl.check_transition(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), [
    (pl.REJECTED, pl.APPROVED), (pl.APPROVED, pl.PENDING), (pl.DISCONNECTED, pl.APPROVED),
    (pl.PENDING, pl.DISCONNECTED), (pl.PENDING, "Maybe"),
])
def test_refused_transitions(current: str, wanted: str) -> None:
    with pytest.raises(Exception) as err:
        pl.check_transition(current, wanted)
    assert getattr(err.value, "status", None) == 400


def test_rejected_cannot_be_approved_in_azures_words() -> None:
    with pytest.raises(pl.PrivateEndpointConnectionStateInvalid) as err:
        pl.check_transition(pl.REJECTED, pl.APPROVED)
    assert err.value.code == "BadRequest"
    assert err.value.message == "Approving rejected private endpoint connections is not supported."

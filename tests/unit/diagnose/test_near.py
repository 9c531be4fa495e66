"""Near misses of the privatelink zone's name and of the vault's record name, by edit distance and by the known
wrong spellings (hypothesis: the distance is a metric where it is within the limit)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vaultlink.diagnose.near import distance, near_miss_records, near_miss_zones

WORDS = st.text(alphabet="abcdefghij.-", max_size=12)


def test_zone_near_misses_closest_first_and_unrelated_zones_left_out() -> None:
    names = ["contoso.internal", "privatelink.vaultcore.azure.net", "privatelink.vaultcore.azur.net",
             "privatelink.vault.azure.net", "privatelink.blob.core.windows.net"]
    assert near_miss_zones(names) == ["privatelink.vault.azure.net", "privatelink.vaultcore.azur.net"]


def test_record_near_misses_the_doubled_suffix_first_then_typos() -> None:
    names = ["fabrikam", "fabrikm", "fabrikam.privatelink.vaultcore.azure.net", "contoso", "fabrikam.vault.azure.net"]
    assert near_miss_records("fabrikam", names) == ["fabrikam.privatelink.vaultcore.azure.net",
                                                    "fabrikam.vault.azure.net", "fabrikm"]
    assert near_miss_records("kv1", ["kv2", "kv12", "xyz"]) == ["kv12", "kv2"]


@given(WORDS, WORDS)
def test_distance_is_symmetric_and_zero_only_for_equal_words(a: str, b: str) -> None:
    d = distance(a, b, 20)
    assert d == distance(b, a, 20)
    assert (d == 0) == (a == b)
    assert d <= max(len(a), len(b))


@given(WORDS, WORDS, WORDS)
def test_distance_within_the_limit_obeys_the_triangle_inequality(a: str, b: str, c: str) -> None:
    assert distance(a, c, 40) <= distance(a, b, 40) + distance(b, c, 40)

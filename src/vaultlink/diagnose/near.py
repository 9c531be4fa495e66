"""Near misses: names a person meant to be the privatelink zone or the vault's record, but spelled otherwise
(Key Vault's other zone, another cloud's suffix, the doubled suffix, typos by edit distance)."""

from __future__ import annotations

from vaultlink.network.resolve import PRIVATELINK_ZONE

WRONG_ZONES = ("privatelink.vault.azure.net", "privatelink.vaultcore.azure.com", "vaultcore.azure.net",
               "privatelink.vaultcore.azure.cn", "privatelink.vaultcore.usgovcloudapi.net")
"""Zones people create instead of privatelink.vaultcore.azure.net (the vault's public zone; a wrong top level)."""
ZONE_DISTANCE = 3
RECORD_DISTANCE = 2


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it is certainly beyond `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_miss_zones(names: list[str]) -> list[str]:
    """The zone names that look meant as privatelink.vaultcore.azure.net, closest first."""
    scored = []
    for name in names:
        if name == PRIVATELINK_ZONE:
            continue
        d = 0 if name in WRONG_ZONES else distance(name, PRIVATELINK_ZONE, ZONE_DISTANCE)
        if d <= ZONE_DISTANCE:
            scored.append((d, name))
    return [name for _, name in sorted(scored)]


def near_miss_records(vault: str, names: list[str]) -> list[str]:
    """Record names in the zone that look meant as the vault's bare name: the name with a suffix (the doubled
    suffix `<vault>.privatelink.vaultcore.azure.net`, `<vault>.vault.azure.net`), or a typo of it."""
    scored = []
    limit = RECORD_DISTANCE if len(vault) > 4 else 1
    for name in names:
        if name == vault:
            continue
        if name.startswith(vault + "."):
            scored.append((0, name))
            continue
        d = distance(name, vault, limit)
        if d <= limit:
            scored.append((d, name))
    return [name for _, name in sorted(scored)]

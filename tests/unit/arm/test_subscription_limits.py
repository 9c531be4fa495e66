"""Azure's per-subscription limits: private DNS zones (1,000), key vaults with private endpoints (400), private
endpoints (64,000), each one counter read in the writing transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultlink.arm import dnsrecords, privatelink, tracked
from vaultlink.core.ids import ResourceId
from vaultlink.store import open_store


def test_zone_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dnsrecords, "ZONES_PER_SUBSCRIPTION", 2)
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    zones = [ResourceId("s", "rg", "Microsoft.Network", ("privateDnsZones",), (f"z{i}.example",)) for i in range(3)]
    with store.transaction() as tx:
        dnsrecords.start_zone(tx, zones[0])
        dnsrecords.start_zone(tx, zones[1])
    with pytest.raises(tracked.SubscriptionLimitReached) as err, store.transaction() as tx:
        dnsrecords.start_zone(tx, zones[2])
    assert err.value.code == "QuotaExceeded" and "2 private DNS zones" in err.value.message
    with store.transaction() as tx:
        dnsrecords.drop_zone(tx, zones[0])
        dnsrecords.start_zone(tx, zones[2])  # room again
    other = ResourceId("t", "rg", "Microsoft.Network", ("privateDnsZones",), ("z.example",))
    with store.transaction() as tx:
        dnsrecords.start_zone(tx, other)  # another subscription counts on its own
    store.close()


def test_vaults_with_endpoints_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privatelink, "VAULTS_WITH_ENDPOINTS_PER_SUBSCRIPTION", 2)
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    vaults = [ResourceId("s", "rg", "Microsoft.KeyVault", ("vaults",), (f"v{i}",)) for i in range(3)]
    pe = ResourceId("s", "rg", "Microsoft.Network", ("privateEndpoints",), ("pe",))
    with store.transaction() as tx:
        privatelink.connect(tx, endpoint=pe, target=vaults[0], manual=False, request_message=None)
        privatelink.connect(tx, endpoint=pe, target=vaults[0], manual=True, request_message=None)  # same vault
        privatelink.connect(tx, endpoint=pe, target=vaults[1], manual=False, request_message=None)
    with pytest.raises(tracked.SubscriptionLimitReached), store.transaction() as tx:
        privatelink.connect(tx, endpoint=pe, target=vaults[2], manual=False, request_message=None)
    with store.transaction() as tx:
        privatelink.target_deleted(tx, vaults[1])
        privatelink.connect(tx, endpoint=pe, target=vaults[2], manual=False, request_message=None)
    store.close()

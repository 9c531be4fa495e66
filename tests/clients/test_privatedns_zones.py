"""Private DNS zones through the real azure-mgmt-privatedns SDK (and raw REST for what it will not send)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from tests.clients.privatedns_support import Dns, connect, unique
from tests.vaultlink_process import Running, start


@pytest.fixture(scope="module")
def dns(vaultlink: Running) -> Dns:
    return connect(vaultlink)


def test_zone_lifecycle_in_azures_shape(dns: Dns) -> None:
    rg = dns.group()
    name = f"{unique('z')}.contoso.com"
    created = dns.client.private_zones.begin_create_or_update(
        rg, name, {"location": "Global", "tags": {"env": "test"}}, match_condition=MatchConditions.IfMissing,
    ).result()
    assert created.id == f"/subscriptions/{dns.subscription}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{name}"
    assert (created.name, created.type, created.location) == (name, "Microsoft.Network/privateDnsZones", "global")
    assert created.tags == {"env": "test"}
    assert created.etag and '"' not in created.etag
    p = created.properties
    assert (p.max_number_of_record_sets, p.number_of_record_sets) == (25000, 1)
    assert (p.max_number_of_virtual_network_links, p.number_of_virtual_network_links) == (1000, 0)
    assert (p.max_number_of_virtual_network_links_with_registration, p.number_of_virtual_network_links_with_registration) == (100, 0)
    assert p.provisioning_state == "Succeeded" and p.internal_id

    fetched = dns.client.private_zones.get(rg, name.upper())
    assert fetched.name == name and fetched.etag == created.etag

    updated = dns.client.private_zones.begin_update(rg, name, {"tags": {"env": "prod"}}).result()
    assert updated.tags == {"env": "prod"} and updated.etag != created.etag
    assert updated.properties.internal_id == p.internal_id

    replaced = dns.client.private_zones.begin_create_or_update(rg, name, {"location": "global"}).result()
    assert replaced.tags is None  # a PUT replaces the tags
    assert replaced.properties.number_of_record_sets == 1

    assert name in [z.name for z in dns.client.private_zones.list_by_resource_group(rg)]
    assert name in [z.name for z in dns.client.private_zones.list()]

    dns.client.private_zones.begin_delete(rg, name).result()
    with pytest.raises(ResourceNotFoundError) as err:
        dns.client.private_zones.get(rg, name)
    assert err.value.error.code == "ResourceNotFound"
    assert f"Microsoft.Network/privateDnsZones/{name}' under resource group '{rg}' was not found" in err.value.error.message


def test_creating_a_zone_creates_its_soa(dns: Dns) -> None:
    rg = dns.group()
    zone = dns.zone(rg, f"{unique('soa')}.internal")
    soa = dns.client.record_sets.get(rg, zone, "SOA", "@")
    assert soa.name == "@" and soa.type == "Microsoft.Network/privateDnsZones/SOA"
    assert soa.properties.fqdn == f"{zone}." and soa.properties.ttl == 3600
    assert soa.properties.is_auto_registered is False
    r = soa.properties.soa_record
    assert (r.host, r.email, r.serial_number) == ("azureprivatedns.net", "azureprivatedns-host.microsoft.com", 1)
    assert (r.refresh_time, r.retry_time, r.expire_time, r.minimum_ttl) == (3600, 300, 2419200, 10)


def test_etag_conditions(dns: Dns) -> None:
    rg = dns.group()
    name = f"{unique('etag')}.contoso.com"
    zones = dns.client.private_zones
    with pytest.raises(ResourceNotFoundError) as missing:  # If-Match: * on an absent zone is 412
        zones.begin_create_or_update(rg, name, {"location": "global"}, match_condition=MatchConditions.IfPresent).result()
    assert missing.value.status_code == 412 and missing.value.error.code == "PreconditionFailed"
    with pytest.raises(ResourceNotFoundError):
        zones.get(rg, name)

    zone = zones.begin_create_or_update(rg, name, {"location": "global"}, match_condition=MatchConditions.IfMissing).result()
    with pytest.raises(ResourceExistsError) as exists:
        zones.begin_create_or_update(rg, name, {"location": "global"}, match_condition=MatchConditions.IfMissing).result()
    assert exists.value.status_code == 412
    assert exists.value.error.message == f"The Zone {name} exists already and hence cannot be created again."

    with pytest.raises(ResourceModifiedError) as stale:
        zones.begin_update(rg, name, {"tags": {"a": "b"}}, etag="00000000-0000-0000-0000-000000000000",
                           match_condition=MatchConditions.IfNotModified).result()
    assert stale.value.status_code == 412
    assert stale.value.error.message == f"The Zone {name} has been modified (etag mismatch)."
    assert zones.get(rg, name).tags is None

    ok = zones.begin_update(rg, name, {"tags": {"a": "b"}}, etag=zone.etag, match_condition=MatchConditions.IfNotModified).result()
    assert ok.tags == {"a": "b"}

    # a body etag counts as If-Match (az sends the etag it read back)
    r = dns.session.put(dns.url(dns.zone_path(rg, name)), json={"location": "global", "etag": zone.etag})
    assert r.status_code == 412 and dns.error(r)["code"] == "PreconditionFailed"
    r = dns.session.put(dns.url(dns.zone_path(rg, name)), json={"location": "global", "etag": ok.etag, "tags": {"c": "d"}})
    assert r.status_code == 200 and r.json()["tags"] == {"c": "d"}

    with pytest.raises(ResourceModifiedError):
        zones.begin_delete(rg, name, etag=ok.etag, match_condition=MatchConditions.IfNotModified).result()
    zones.begin_delete(rg, name, etag=r.json()["etag"], match_condition=MatchConditions.IfNotModified).result()
    assert dns.session.delete(dns.url(dns.zone_path(rg, name))).status_code == 204


def test_location_must_be_global(dns: Dns) -> None:
    rg = dns.group()
    name = f"{unique('loc')}.contoso.com"
    with pytest.raises(HttpResponseError) as err:
        dns.client.private_zones.begin_create_or_update(rg, name, {"location": "eastus"}).result()
    assert err.value.status_code == 400 and err.value.error.code == "LocationNotAvailableForResourceType"
    assert "'eastus'" in err.value.error.message and "'global'" in err.value.error.message
    r = dns.session.put(dns.url(dns.zone_path(rg, name)), json={"tags": {}})
    assert r.status_code == 400 and dns.error(r)["code"] == "LocationRequired"
    r = dns.session.patch(dns.url(dns.zone_path(rg, name)), json={"tags": {}})
    assert r.status_code == 404 and dns.error(r)["code"] == "ResourceNotFound"
    assert dns.session.get(dns.url(dns.zone_path(rg, name))).status_code == 404


@pytest.mark.parametrize("bad", ["localonly", "a..com", f"{'a' * 64}.com", "bad_char!.com", "-lead.com",
                                 ".".join(["a"] * 35)])
def test_bad_zone_names_are_refused(dns: Dns, bad: str) -> None:
    rg = dns.group()
    r = dns.session.put(dns.url(dns.zone_path(rg, bad)), json={"location": "global"})
    assert r.status_code == 400 and dns.error(r)["code"] == "BadRequest", r.text
    assert f"'{bad}'" in dns.error(r)["message"]
    assert list(dns.client.private_zones.list_by_resource_group(rg)) == []


def test_zone_names_at_the_limits(dns: Dns) -> None:
    rg = dns.group()
    for name in (f"{'a' * 63}.com", ".".join(["a"] * 34), "under_score.local"):
        assert dns.session.put(dns.url(dns.zone_path(rg, name)), json={"location": "global"}).status_code == 201


def test_missing_group_and_bad_api_version(dns: Dns) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        dns.client.private_zones.begin_create_or_update("rg-nowhere-dns", "a.com", {"location": "global"}).result()
    assert err.value.error.code == "ResourceGroupNotFound"
    rg = dns.group()
    assert dns.session.put(dns.url(dns.zone_path(rg, "old.com"), api="2018-09-01"), json={"location": "global"}).status_code == 201
    r = dns.session.get(dns.url(dns.zone_path(rg, "old.com"), api="2017-01-01"))
    assert r.status_code == 400 and dns.error(r)["code"] == "NoRegisteredProviderFound"
    assert "2024-06-01" in dns.error(r)["message"]


def test_deleting_a_zone_deletes_its_record_sets(dns: Dns) -> None:
    rg = dns.group()
    zone = dns.zone(rg)
    for i in range(3):
        dns.client.record_sets.create_or_update(rg, zone, "A", f"host{i}", {"properties": {"ttl": 60, "aRecords": [{"ipv4Address": f"10.0.0.{i + 4}"}]}})
    assert dns.client.private_zones.get(rg, zone).properties.number_of_record_sets == 4
    dns.client.private_zones.begin_delete(rg, zone).result()
    dns.zone(rg, zone)
    assert [r.name for r in dns.client.record_sets.list(rg, zone)] == ["@"]
    assert dns.client.private_zones.get(rg, zone).properties.number_of_record_sets == 1


def test_group_delete_takes_zones_and_records(dns: Dns) -> None:
    rg = dns.group()
    zone = dns.zone(rg)
    dns.client.record_sets.create_or_update(rg, zone, "TXT", "note", {"properties": {"ttl": 60, "txtRecords": [{"value": ["hi"]}]}})
    dns.rm.resource_groups.begin_delete(rg).result()
    dns.rm.resource_groups.create_or_update(rg, {"location": "eastus"})
    assert list(dns.client.private_zones.list_by_resource_group(rg)) == []
    dns.zone(rg, zone)
    assert [r.name for r in dns.client.record_sets.list(rg, zone)] == ["@"]
    assert dns.client.private_zones.get(rg, zone).properties.number_of_record_sets == 1


def test_subscription_list_pages_with_top_and_next_link(dns: Dns) -> None:
    rg = dns.group("rg-dns-pages-")
    names = sorted(f"p{i}-{unique('')}.pages.test" for i in range(5))
    for n in names:
        dns.zone(rg, n)
    dns.client.record_sets.create_or_update(rg, names[0], "A", "x", {"properties": {"aRecords": [{"ipv4Address": "10.0.0.9"}]}})

    r = dns.session.get(dns.url(dns.zone_path(rg, "").rstrip("/"), **{"$top": "2"}))
    assert r.status_code == 200 and len(r.json()["value"]) == 2 and "nextLink" in r.json()
    seen, url = [], dns.url("/providers/Microsoft.Network/privateDnsZones", **{"$top": "2"})
    while url:
        body = dns.session.get(url).json()
        assert len(body["value"]) <= 2
        seen += [z["id"] for z in body["value"]]
        url = body.get("nextLink")
    ours = [i.rsplit("/", 1)[1] for i in seen if f"/resourceGroups/{rg}/" in i]
    assert ours == names and len(seen) == len(set(seen))

    by_sdk = [z.id for z in dns.client.private_zones.list(top=2)]
    assert sorted(by_sdk) == sorted(seen)
    assert [z.name for z in dns.client.private_zones.list_by_resource_group(rg, top=3)] == names
    r = dns.session.get(dns.url("/providers/Microsoft.Network/privateDnsZones", **{"$top": "zero"}))
    assert r.status_code == 400 and dns.error(r)["code"] == "InvalidParameter"


def test_record_set_count_is_kept(dns: Dns) -> None:
    rg = dns.group()
    zone = dns.zone(rg)
    sets = dns.client.record_sets
    for i in range(12):
        sets.create_or_update(rg, zone, "A", f"h{i}", {"properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.0.0.4"}]}})
    sets.create_or_update(rg, zone, "A", "h0", {"properties": {"ttl": 30, "aRecords": []}})  # an update adds nothing
    for i in range(5):
        sets.delete(rg, zone, "A", f"h{i}")
    sets.delete(rg, zone, "A", "h0")  # already gone
    assert dns.client.private_zones.get(rg, zone).properties.number_of_record_sets == 1 + 12 - 5
    assert len(list(sets.list(rg, zone))) == 8


def test_long_running_operations_when_the_server_answers_asynchronously(tmp_path: Path) -> None:
    """With --async-operations, zone PUT/PATCH/DELETE answer 201/202 with polling URLs; the SDK's pollers follow."""
    running = start(tmp_path / "data", "--async-operations")
    saved = dict(os.environ)
    os.environ.update(running.env_exports())
    try:
        dns = connect(running)
        rg = dns.group()
        zones = dns.client.private_zones
        created = zones.begin_create_or_update(rg, "lro.example.com", {"location": "global"}).result()
        assert created.properties.provisioning_state == "Succeeded"
        assert zones.begin_update(rg, "lro.example.com", {"tags": {"a": "b"}}).result().tags == {"a": "b"}
        r = dns.session.delete(dns.url(dns.zone_path(rg, "lro.example.com")))
        assert r.status_code == 202 and r.headers["Azure-AsyncOperation"] and r.headers["Location"]
        assert [dns.session.get(r.headers["Azure-AsyncOperation"]).json()["status"] for _ in range(2)] == \
            ["InProgress", "Succeeded"]
        with pytest.raises(ResourceNotFoundError):
            zones.get(rg, "lro.example.com")
        zones.begin_create_or_update(rg, "lro2.example.com", {"location": "global"}).result()
        zones.begin_delete(rg, "lro2.example.com").result()
        assert list(zones.list_by_resource_group(rg)) == []
    finally:
        os.environ.clear()
        os.environ.update(saved)
        running.stop()
    assert "Traceback" not in running.log.read_text()

"""Private DNS record sets through the real azure-mgmt-privatedns SDK (and raw REST for what it will not send)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from tests.clients.privatedns_support import Dns, connect
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def dns(vaultlink: Running) -> Dns:
    return connect(vaultlink)


@pytest.fixture(scope="module")
def zone(dns: Dns) -> tuple[str, str]:
    rg = dns.group("rg-records-")
    return rg, dns.zone(rg, "privatelink.vaultcore.azure.net")


def a(*ips: str, ttl: int = 600) -> dict[str, Any]:
    return {"properties": {"ttl": ttl, "aRecords": [{"ipv4Address": ip} for ip in ips]}}


def test_a_record_set_lifecycle(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    sets = dns.client.record_sets
    created = sets.create_or_update(rg, z, "A", "MyVault", {"properties": {"ttl": 600, "metadata": {"owner": "me"},
                                                                         "aRecords": [{"ipv4Address": "10.1.0.5"}]}})
    assert created.name == "myvault"
    assert created.id.endswith(f"/privateDnsZones/{z}/A/myvault")
    assert created.type == "Microsoft.Network/privateDnsZones/A"
    assert created.etag and '"' not in created.etag
    assert created.properties.fqdn == f"myvault.{z}."
    assert created.properties.ttl == 600 and created.properties.is_auto_registered is False
    assert created.properties.metadata == {"owner": "me"}
    assert [r.ipv4_address for r in created.properties.a_records] == ["10.1.0.5"]

    got = sets.get(rg, z, "A", "MYVAULT")
    assert got.etag == created.etag and got.name == "myvault"

    patched = sets.update(rg, z, "A", "myvault", {"properties": {"ttl": 30}})
    assert patched.properties.ttl == 30 and [r.ipv4_address for r in patched.properties.a_records] == ["10.1.0.5"]
    assert patched.properties.metadata == {"owner": "me"} and patched.etag != created.etag

    sets.delete(rg, z, "A", "myvault")
    with pytest.raises(ResourceNotFoundError) as err:
        sets.get(rg, z, "A", "myvault")
    assert err.value.error.code == "NotFound"
    assert err.value.error.message.startswith("The resource record 'myvault' does not exist in resource group")
    path = dns.zone_path(rg, z) + "/A/myvault"
    assert dns.session.delete(dns.url(path)).status_code == 204
    r = dns.session.patch(dns.url(path), json={"properties": {"ttl": 5}})
    assert r.status_code == 404 and dns.error(r)["code"] == "NotFound"


def test_put_status_codes_and_defaults(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    path = dns.zone_path(rg, z) + "/A/defaults"
    r = dns.session.put(dns.url(path), json={"properties": {}})
    assert r.status_code == 201
    body = r.json()
    assert body["properties"]["ttl"] == 3600 and body["properties"]["aRecords"] == []
    assert "metadata" not in body["properties"]
    r = dns.session.put(dns.url(path), json={"properties": {"aRecords": [{"ipv4Address": "10.0.0.4"}]}})
    assert r.status_code == 200
    assert dns.session.delete(dns.url(path)).status_code == 200


def test_az_add_record_flow_and_etags(dns: Dns, zone: tuple[str, str]) -> None:
    """az: PUT If-None-Match: * to create, then GET and PUT back with the etag in the body and If-Match."""
    rg, z = zone
    path = dns.url(dns.zone_path(rg, z) + "/A/web")
    r = dns.session.put(path, json=a("10.0.0.4"), headers={"If-None-Match": "*"})
    assert r.status_code == 201
    r2 = dns.session.put(path, json=a("10.0.0.5"), headers={"If-None-Match": "*"})
    assert r2.status_code == 412 and dns.error(r2)["message"] == "The Record set web exists already and hence cannot be created again."

    current = dns.session.get(path).json()
    current["properties"]["aRecords"].append({"ipv4Address": "10.0.0.6"})
    r3 = dns.session.put(path, json=current, headers={"If-Match": current["etag"]})
    assert r3.status_code == 200
    assert [x["ipv4Address"] for x in r3.json()["properties"]["aRecords"]] == ["10.0.0.4", "10.0.0.6"]
    stale = dns.session.put(path, json=current)  # the old etag in the body alone is an If-Match
    assert stale.status_code == 412 and dns.error(stale)["message"] == "The Record set web has been modified (etag mismatch)."
    quoted = dns.session.put(path, json=a("10.0.0.7"), headers={"If-Match": f'"{r3.json()["etag"]}"'})
    assert quoted.status_code == 200

    sets = dns.client.record_sets
    with pytest.raises(ResourceExistsError):
        sets.create_or_update(rg, z, "A", "web", a("10.0.0.8"), match_condition=MatchConditions.IfMissing)
    with pytest.raises(ResourceModifiedError):
        sets.create_or_update(rg, z, "A", "web", a("10.0.0.8"), etag=r3.json()["etag"], match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceNotFoundError) as absent:
        sets.create_or_update(rg, z, "A", "nothere", a("10.0.0.8"), match_condition=MatchConditions.IfPresent)
    assert absent.value.status_code == 412
    with pytest.raises(ResourceModifiedError):
        sets.delete(rg, z, "A", "web", etag=r3.json()["etag"], match_condition=MatchConditions.IfNotModified)
    assert [x.ipv4_address for x in sets.get(rg, z, "A", "web").properties.a_records] == ["10.0.0.7"]
    sets.delete(rg, z, "A", "web", etag=quoted.json()["etag"], match_condition=MatchConditions.IfNotModified)


def test_twenty_records_at_most(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    sets = dns.client.record_sets
    twenty = [f"10.2.0.{i}" for i in range(1, 21)]
    assert len(sets.create_or_update(rg, z, "A", "many", a(*twenty)).properties.a_records) == 20
    with pytest.raises(HttpResponseError) as err:
        sets.create_or_update(rg, z, "A", "many", a(*twenty, "10.2.0.21"))
    assert err.value.status_code == 409 and "at most 20" in err.value.error.message
    with pytest.raises(HttpResponseError):
        sets.update(rg, z, "A", "many", {"properties": {"aRecords": [{"ipv4Address": f"10.3.0.{i}"} for i in range(1, 22)]}})
    assert len(sets.get(rg, z, "A", "many").properties.a_records) == 20


def test_cname_owns_its_name(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    sets = dns.client.record_sets
    sets.create_or_update(rg, z, "CNAME", "alias", {"properties": {"ttl": 60, "cnameRecord": {"cname": "target.example.com"}}})
    with pytest.raises(HttpResponseError) as err:
        sets.create_or_update(rg, z, "A", "alias", a("10.0.0.4"))
    assert err.value.status_code == 409 and err.value.error.code == "Conflict"
    assert err.value.error.message == "The record could not be created because a CNAME record with the same name already exists in this zone."

    sets.create_or_update(rg, z, "TXT", "occupied", {"properties": {"txtRecords": [{"value": ["x"]}]}})
    with pytest.raises(HttpResponseError) as err:
        sets.create_or_update(rg, z, "CNAME", "occupied", {"properties": {"cnameRecord": {"cname": "t.example.com"}}})
    assert err.value.status_code == 409
    assert err.value.error.message == "The CNAME record could not be created because another record with the same name already exists in this zone."
    with pytest.raises(HttpResponseError) as apex:  # the apex holds the SOA
        sets.create_or_update(rg, z, "CNAME", "@", {"properties": {"cnameRecord": {"cname": "t.example.com"}}})
    assert apex.value.status_code == 409

    r = dns.session.put(dns.url(dns.zone_path(rg, z) + "/CNAME/two"),
                        json={"properties": {"cnameRecord": [{"cname": "a.example.com"}, {"cname": "b.example.com"}]}})
    assert r.status_code == 400 and "exactly one record" in dns.error(r)["message"]
    updated = sets.create_or_update(rg, z, "CNAME", "alias", {"properties": {"cnameRecord": {"cname": "other.example.com"}}})
    assert updated.properties.cname_record.cname == "other.example.com"


@pytest.mark.parametrize(("type_", "field", "records", "bad"), [
    ("A", "aRecords", [{"ipv4Address": "10.1.0.300"}], "10.1.0.300"),
    ("A", "aRecords", [{"ipv4Address": "fe80::1"}], "fe80::1"),
    ("A", "aRecords", [{"ipv4Address": "10.1.0"}], "10.1.0"),
    ("AAAA", "aaaaRecords", [{"ipv6Address": "10.0.0.1"}], "10.0.0.1"),
    ("MX", "mxRecords", [{"preference": 70000, "exchange": "mail.example.com"}], "70000"),
    ("SRV", "srvRecords", [{"priority": 1, "weight": 1, "port": 1, "target": "bad host!"}], "bad host!"),
    ("PTR", "ptrRecords", [{"ptrdname": ""}], "''"),
    ("TXT", "txtRecords", [{"value": "not-a-list"}], "not-a-list"),
])
def test_bad_record_values_are_refused(dns: Dns, zone: tuple[str, str], type_: str, field: str, records: Any, bad: str) -> None:
    rg, z = zone
    path = dns.zone_path(rg, z) + f"/{type_}/badvalue"
    r = dns.session.put(dns.url(path), json={"properties": {"ttl": 60, field: records}})
    assert r.status_code == 400 and dns.error(r)["code"] == "BadRequest", r.text
    assert bad in dns.error(r)["message"]
    assert dns.session.get(dns.url(path)).status_code == 404


def test_other_bad_input(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    base = dns.zone_path(rg, z)
    r = dns.session.put(dns.url(base + "/A/badttl"), json={"properties": {"ttl": -1}})
    assert r.status_code == 400 and "-1" in dns.error(r)["message"]
    r = dns.session.put(dns.url(base + "/A/mixed"), json={"properties": {"aRecords": [], "txtRecords": [{"value": ["x"]}]}})
    assert r.status_code == 400 and "txtRecords" in dns.error(r)["message"]
    r = dns.session.put(dns.url(base + "/A/bad_label!"), json={"properties": {}})
    assert r.status_code == 400 and "bad_label!" in dns.error(r)["message"]
    r = dns.session.put(dns.url(base + "/NS/sub"), json={"properties": {}})
    assert r.status_code == 404 and dns.error(r)["code"] == "InvalidResourceType"
    r = dns.session.put(dns.url(dns.zone_path(rg, "nozone.example.com") + "/A/x"), json={"properties": {}})
    assert r.status_code == 404 and dns.error(r)["code"] == "ResourceNotFound"
    for path in ("/A/badttl", "/A/mixed"):
        assert dns.session.get(dns.url(base + path)).status_code == 404


def test_the_soa(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    sets = dns.client.record_sets
    with pytest.raises(HttpResponseError) as err:
        sets.delete(rg, z, "SOA", "@")
    assert err.value.status_code == 400 and "SOA" in err.value.error.message
    soa = sets.update(rg, z, "SOA", "@", {"properties": {"soaRecord": {"email": "admin.contoso.com", "minimumTtl": 300}}})
    assert soa.properties.soa_record.email == "admin.contoso.com" and soa.properties.soa_record.minimum_ttl == 300
    assert soa.properties.soa_record.host == "azureprivatedns.net" and soa.properties.soa_record.expire_time == 2419200
    with pytest.raises(HttpResponseError) as host:
        sets.create_or_update(rg, z, "SOA", "@", {"properties": {"soaRecord": {"host": "ns1.contoso.com"}}})
    assert host.value.status_code == 400 and "ns1.contoso.com" in host.value.error.message
    with pytest.raises(HttpResponseError) as elsewhere:
        sets.create_or_update(rg, z, "SOA", "sub", {"properties": {"soaRecord": {}}})
    assert elsewhere.value.status_code == 400
    with pytest.raises(ResourceExistsError):
        sets.create_or_update(rg, z, "SOA", "@", {"properties": {"ttl": 60}}, match_condition=MatchConditions.IfMissing)
    assert sets.get(rg, z, "SOA", "@").properties.soa_record.email == "admin.contoso.com"


def test_every_record_type_round_trips(dns: Dns, zone: tuple[str, str]) -> None:
    rg, z = zone
    sets = dns.client.record_sets
    aaaa = sets.create_or_update(rg, z, "AAAA", "v6", {"properties": {"aaaaRecords": [{"ipv6Address": "fd00::5"}]}})
    assert aaaa.properties.aaaa_records[0].ipv6_address == "fd00::5"
    mx = sets.create_or_update(rg, z, "MX", "@", {"properties": {"mxRecords": [{"preference": 10, "exchange": "mail.contoso.com"}]}})
    assert mx.properties.mx_records[0].exchange == "mail.contoso.com" and mx.properties.fqdn == f"{z}."
    ptr = sets.create_or_update(rg, z, "PTR", "5", {"properties": {"ptrdname": None, "ptrRecords": [{"ptrdname": "host.contoso.com"}]}})
    assert ptr.properties.ptr_records[0].ptrdname == "host.contoso.com"
    srv = sets.create_or_update(rg, z, "SRV", "_sip._tcp", {"properties": {"srvRecords": [
        {"priority": 10, "weight": 5, "port": 5060, "target": "sip.contoso.com"}]}})
    assert srv.properties.srv_records[0].port == 5060 and srv.name == "_sip._tcp"
    txt = sets.create_or_update(rg, z, "TXT", "*.wild", {"properties": {"txtRecords": [{"value": ["a", "b"]}]}})
    assert txt.properties.txt_records[0].value == ["a", "b"] and txt.name == "*.wild"
    empty = sets.create_or_update(rg, z, "CNAME", "later", {"properties": {"ttl": 60}})
    assert empty.properties.cname_record is None


def test_listing_all_by_type_with_top_and_suffix(dns: Dns) -> None:
    rg = dns.group("rg-list-")
    z = dns.zone(rg, "list.example.com")
    sets = dns.client.record_sets
    for i in range(5):
        sets.create_or_update(rg, z, "A", f"h{i}.east", a(f"10.0.0.{i + 4}"))
    sets.create_or_update(rg, z, "A", "h9.west", a("10.0.1.4"))
    sets.create_or_update(rg, z, "TXT", "h0.east", {"properties": {"txtRecords": [{"value": ["t"]}]}})

    assert sorted(r.name for r in sets.list(rg, z)) == ["@", "h0.east", "h0.east", "h1.east", "h2.east", "h3.east",
                                                       "h4.east", "h9.west"]
    assert [r.name for r in sets.list_by_type(rg, z, "A")] == [f"h{i}.east" for i in range(5)] + ["h9.west"]
    assert [r.name for r in sets.list_by_type(rg, z, "A", top=2)] == [f"h{i}.east" for i in range(5)] + ["h9.west"]
    assert [r.name for r in sets.list_by_type(rg, z, "A", recordsetnamesuffix="west")] == ["h9.west"]
    assert {r.type for r in sets.list(rg, z, recordsetnamesuffix="east")} == {
        "Microsoft.Network/privateDnsZones/A", "Microsoft.Network/privateDnsZones/TXT"}

    first = dns.session.get(dns.url(dns.zone_path(rg, z) + "/ALL", **{"$top": "3"})).json()
    assert len(first["value"]) == 3 and first["nextLink"].startswith("https://management.azure.com/")
    rest = dns.session.get(first["nextLink"]).json()
    assert len(rest["value"]) == 3 and "nextLink" in rest
    assert not {r["id"] for r in first["value"]} & {r["id"] for r in rest["value"]}
    r = dns.session.get(dns.url(dns.zone_path(rg, z) + "/A", **{"$skipToken": "%%%"}))
    assert r.status_code == 400

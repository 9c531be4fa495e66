"""The pure rules of private DNS: record values per type, record-set and zone names, ETag conditions."""

from __future__ import annotations

from typing import Any

import pytest

from vaultlink.arm.dispatch import Call
from vaultlink.arm.providers.privatedns import errors as dns_errors
from vaultlink.arm.providers.privatedns import model
from vaultlink.arm.providers.privatedns import records as rules
from vaultlink.core import errors
from vaultlink.store import Record


def test_records_are_normalized_per_type() -> None:
    assert rules.records_of("A", {"aRecords": [{"ipv4Address": "10.0.0.4"}]}, "x") == [{"ipv4Address": "10.0.0.4"}]
    assert rules.records_of("AAAA", {"aaaaRecords": [{"ipv6Address": "FD00:0::5"}]}, "x") == [{"ipv6Address": "fd00::5"}]
    assert rules.records_of("CNAME", {"cnameRecord": {"cname": "t.example.com."}}, "x") == {"cname": "t.example.com."}
    assert rules.records_of("MX", {"mxRecords": [{"preference": 0, "exchange": "m.example.com"}]}, "x") == [
        {"preference": 0, "exchange": "m.example.com"}]
    assert rules.records_of("TXT", {"txtRecords": [{"value": ["a" * 1024]}]}, "x") == [{"value": ["a" * 1024]}]
    assert rules.records_of("A", {}, "x") is None
    assert rules.records_of("A", {"aRecords": [], "txtRecords": []}, "x") == []


@pytest.mark.parametrize(("type_", "props"), [
    ("A", {"aRecords": [{"ipv4Address": "256.0.0.1"}]}),
    ("A", {"aRecords": [{"ipv4Address": 167772164}]}),
    ("A", {"aRecords": "10.0.0.4"}),
    ("AAAA", {"aaaaRecords": [{"ipv6Address": "gggg::1"}]}),
    ("MX", {"mxRecords": [{"preference": -1, "exchange": "m.example.com"}]}),
    ("MX", {"mxRecords": [{"preference": True, "exchange": "m.example.com"}]}),
    ("SRV", {"srvRecords": [{"priority": 1, "weight": 1, "port": 65536, "target": "t.example.com"}]}),
    ("TXT", {"txtRecords": [{"value": ["a" * 1025]}]}),
    ("TXT", {"txtRecords": [{"value": []}]}),
    ("CNAME", {"cnameRecord": {"cname": ""}}),
    ("CNAME", {"cnameRecord": {"cname": "a"}, "aRecords": [{"ipv4Address": "10.0.0.4"}]}),
])
def test_bad_records_are_refused(type_: str, props: dict[str, Any]) -> None:
    with pytest.raises(dns_errors.PrivateDnsBadRequest):
        rules.records_of(type_, props, "x")


def test_twenty_records_per_set() -> None:
    twenty = [{"ipv4Address": f"10.0.0.{i}"} for i in range(20)]
    assert len(rules.records_of("A", {"aRecords": twenty}, "x")) == 20
    with pytest.raises(dns_errors.PrivateDnsConflict) as err:
        rules.records_of("A", {"aRecords": [*twenty, {"ipv4Address": "10.0.1.1"}]}, "web")
    assert err.value.status == 409 and "'web' would have 21 records" in err.value.message


def test_soa_merges_and_keeps_its_host() -> None:
    soa = rules.soa_of({"soaRecord": {"email": "a.example.com", "serialNumber": 7}}, dict(rules.DEFAULT_SOA))
    assert soa == {**rules.DEFAULT_SOA, "email": "a.example.com", "serialNumber": 7}
    assert rules.soa_of({"soaRecord": {"host": "AzurePrivateDns.net."}}, dict(rules.DEFAULT_SOA))["host"] == "azureprivatedns.net"
    with pytest.raises(dns_errors.PrivateDnsBadRequest):
        rules.soa_of({"soaRecord": {"host": "ns1.example.com"}}, dict(rules.DEFAULT_SOA))
    with pytest.raises(dns_errors.PrivateDnsBadRequest):
        rules.soa_of({"soaRecord": {"retryTime": "soon"}}, dict(rules.DEFAULT_SOA))


def test_ttl_and_metadata() -> None:
    assert rules.ttl_of({}) == 3600 and rules.ttl_of({"ttl": 0}) == 0 and rules.ttl_of({}, default=5) == 5
    for bad in (-1, 2**31, "60", 1.5, True):
        with pytest.raises(dns_errors.PrivateDnsBadRequest):
            rules.ttl_of({"ttl": bad})
    assert rules.metadata_of({"metadata": {"a": "b", "c": None}}) == {"a": "b", "c": ""}
    with pytest.raises(dns_errors.PrivateDnsBadRequest):
        rules.metadata_of({"metadata": {"a": 1}})


def test_record_set_names() -> None:
    assert rules.check_record_set_name("MyVault", "z.com", "A") == "myvault"
    assert rules.check_record_set_name("@", "z.com", "SOA") == "@"
    assert rules.check_record_set_name("*.Wild", "z.com", "A") == "*.wild"
    assert rules.check_record_set_name("_sip._tcp", "z.com", "SRV") == "_sip._tcp"
    for bad in ("a..b", "-a", "a*", "b.*", "x" * 64, ".".join(["a" * 60] * 5)):
        with pytest.raises(dns_errors.PrivateDnsBadRequest):
            rules.check_record_set_name(bad, "z.com", "A")
    with pytest.raises(dns_errors.PrivateDnsBadRequest):
        rules.check_record_set_name("sub", "z.com", "SOA")


def test_record_types() -> None:
    assert rules.record_type("aaaa", "2024-06-01") == "AAAA"
    with pytest.raises(errors.InvalidResourceType) as err:
        rules.record_type("NS", "2024-06-01")
    assert err.value.status == 404 and "privateDnsZones/NS" in err.value.message


@pytest.mark.parametrize("name", ["a.com", "privatelink.vaultcore.azure.net", f"{'a' * 63}.b", ".".join("a" * 34), "x_y.local"])
def test_good_zone_names(name: str) -> None:
    model.check_zone_name(name)


@pytest.mark.parametrize("name", ["com", "a.com.", "a..com", f"{'a' * 64}.com", ".".join("a" * 35), "a-.com", "a b.com",
                                  ".".join(["a" * 63] * 4) + ".com"])
def test_bad_zone_names(name: str) -> None:
    with pytest.raises(dns_errors.PrivateDnsBadRequest) as err:
        model.check_zone_name(name)
    assert f"'{name}'" in err.value.message


def _call(headers: dict[str, str]) -> Call:
    return Call(method="PUT", path="/", params={}, query={}, headers=headers, body=b"", host="management.azure.com")


def _rec(etag: str) -> Record:
    return Record("resource", "k", 1, {"etag": etag})


def test_conditions() -> None:
    model.check_conditions(_call({}), None, None, "Zone", "z")
    model.check_conditions(_call({"if-none-match": "*"}), None, None, "Zone", "z")
    with pytest.raises(dns_errors.AlreadyExists):
        model.check_conditions(_call({"if-none-match": "*"}), None, _rec("e1"), "Zone", "z")
    model.check_conditions(_call({"if-match": '"e1"'}), None, _rec("e1"), "Zone", "z")
    model.check_conditions(_call({"if-match": "W/\"e1\""}), None, _rec('"e1"'), "Zone", "z")
    model.check_conditions(_call({"if-match": "*"}), None, _rec("e1"), "Zone", "z")
    with pytest.raises(dns_errors.EtagMismatch):
        model.check_conditions(_call({"if-match": "e2"}), None, _rec("e1"), "Zone", "z")
    with pytest.raises(dns_errors.NotYetCreated):
        model.check_conditions(_call({"if-match": "*"}), None, None, "Zone", "z")
    with pytest.raises(dns_errors.EtagMismatch):  # a body etag is an If-Match
        model.check_conditions(_call({}), {"etag": "e2"}, _rec("e1"), "Zone", "z")
    model.check_conditions(_call({}), {"etag": ""}, _rec("e1"), "Zone", "z")  # an empty one is not
    model.check_conditions(_call({"if-match": "e1"}), {"etag": "e2"}, _rec("e1"), "Zone", "z")  # the header wins

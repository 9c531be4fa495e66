"""The real `dig` and `nslookup` (Debian's dnsutils) against vaultlink's DNS server, started in-process on a loop of
its own, over a hand-built topology (tests/unit/dns/dns_support.py): one resolver per view, each on its own
loopback address."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from tests.unit.dns.dns_support import LINKED, REDIRECTED, UNLINKED, BackgroundServer

from vaultlink.network.topology import region_address

pytestmark = pytest.mark.skipif(shutil.which("dig") is None or shutil.which("nslookup") is None,
                                reason="needs dig and nslookup (apt-get install -y dnsutils; `make test` does)")

PUBLIC = region_address("eastus")
ADDRESSES = {None: "127.0.3.1", LINKED: "127.0.3.7", UNLINKED: "127.0.3.8", REDIRECTED: "127.0.3.9"}
Views = dict[str | None, tuple[str, int]]


@pytest.fixture(scope="module")
def views() -> Iterator[Views]:
    background = BackgroundServer()
    try:
        for view, host in ADDRESSES.items():
            background.call(background.server.add_view(view, host, 0))
        yield background.server.views
    finally:
        background.close()


def dig(views: Views, view: str | None, *args: str) -> str:
    host, port = views[view]
    done = subprocess.run(["dig", f"@{host}", "-p", str(port), "+time=2", "+tries=1", *args],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def answer(views: Views, view: str | None, *args: str) -> list[list[str]]:
    return [line.split() for line in dig(views, view, *args, "+noall", "+answer").splitlines() if line.strip()]


def nslookup(views: Views, view: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    host, port = views[view]
    return subprocess.run(["nslookup", f"-port={port}", "-timeout=2", "-retry=1", *args, host],
                          capture_output=True, text=True, timeout=30, check=False)


def test_linked_network_gets_the_private_endpoint(views: Views) -> None:
    for transport in ("+notcp", "+tcp"):
        assert answer(views, LINKED, "fabrikam.vault.azure.net", transport) == [
            ["fabrikam.vault.azure.net.", "60", "IN", "CNAME", "fabrikam.privatelink.vaultcore.azure.net."],
            ["fabrikam.privatelink.vaultcore.azure.net.", "600", "IN", "A", "10.1.0.4"],
        ]


def test_nslookup_shows_both_names_and_the_private_address(views: Views) -> None:
    done = nslookup(views, LINKED, "fabrikam.vault.azure.net")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Non-authoritative answer:" in out
    assert "fabrikam.vault.azure.net\tcanonical name = fabrikam.privatelink.vaultcore.azure.net." in out
    assert "Name:\tfabrikam.privatelink.vaultcore.azure.net\nAddress: 10.1.0.4" in out
    assert PUBLIC not in out


def test_internet_gets_the_public_chain(views: Views) -> None:
    rows = answer(views, None, "fabrikam.vault.azure.net")
    assert [r[4] for r in rows] == ["fabrikam.privatelink.vaultcore.azure.net.", "data-prod-eus.vaultcore.azure.net.",
                                    "data-prod-eus-region.vaultcore.azure.net.",
                                    "azkms-prod-eus-b.eastus.cloudapp.azure.com.", PUBLIC]
    out = nslookup(views, None, "fabrikam.vault.azure.net").stdout
    assert "canonical name = fabrikam.privatelink.vaultcore.azure.net." in out and f"Address: {PUBLIC}" in out
    assert "10.1.0.4" not in out


def test_unlinked_network_gets_the_public_answer(views: Views) -> None:
    assert answer(views, UNLINKED, "fabrikam.vault.azure.net", "+short")[-1] == [PUBLIC]


def test_missing_record_in_a_linked_zone_is_nxdomain_with_its_soa(views: Views) -> None:
    out = dig(views, LINKED, "contoso.vault.azure.net", "+noall", "+comments", "+answer", "+authority")
    assert "status: NXDOMAIN" in out
    assert "contoso.vault.azure.net. 60\tIN\tCNAME\tcontoso.privatelink.vaultcore.azure.net." in out
    soa = [line.split() for line in out.splitlines() if "\tSOA\t" in line]
    assert soa == [["privatelink.vaultcore.azure.net.", "10", "IN", "SOA", "azureprivatedns.net.",
                    "azureprivatedns-host.microsoft.com.", "1", "3600", "300", "2419200", "10"]]
    done = nslookup(views, LINKED, "contoso.vault.azure.net")
    assert done.returncode == 1 and "server can't find contoso.vault.azure.net: NXDOMAIN" in done.stdout


def test_nx_domain_redirect_falls_back_to_public_resolution(views: Views) -> None:
    assert answer(views, REDIRECTED, "contoso.vault.azure.net", "+short")[-1] == [PUBLIC]
    assert answer(views, REDIRECTED, "fabrikam.vault.azure.net", "+short")[-1] == ["10.1.0.4"]


def test_unknown_vault_is_nxdomain(views: Views) -> None:
    out = dig(views, None, "nosuch.vault.azure.net", "+noall", "+comments", "+authority")
    assert "status: NXDOMAIN" in out and "vault.azure.net.\t300\tIN\tSOA\tns1-01.azure-dns.com." in out


def test_private_zone_txt_mx_srv(views: Views) -> None:
    assert dig(views, LINKED, "contoso.internal", "TXT", "+short").split("\n")[:2] == ['"v=spf1 -all"', '"hello world"']
    assert dig(views, LINKED, "contoso.internal", "MX", "+short").split() == [
        "10", "mail.contoso.internal.", "20", "backup.contoso.internal."]
    assert dig(views, LINKED, "_ldap._tcp.contoso.internal", "SRV", "+short").split() == [
        "1", "2", "389", "dc1.contoso.internal."]
    out = nslookup(views, LINKED, "-type=SRV", "_ldap._tcp.contoso.internal").stdout
    assert "_ldap._tcp.contoso.internal\tservice = 1 2 389 dc1.contoso.internal." in out
    out = nslookup(views, LINKED, "-type=MX", "contoso.internal").stdout
    assert "contoso.internal\tmail exchanger = 10 mail.contoso.internal." in out
    out = nslookup(views, LINKED, "-type=TXT", "contoso.internal").stdout
    assert 'contoso.internal\ttext = "v=spf1 -all"' in out
    # the zone is private: the internet is refused, an unlinked network too
    assert "status: REFUSED" in dig(views, UNLINKED, "contoso.internal", "TXT")


def test_names_outside_vaultlink_are_refused(views: Views) -> None:
    assert "status: REFUSED" in dig(views, LINKED, "example.com")
    done = nslookup(views, None, "example.com")
    assert done.returncode == 1 and "server can't find example.com: REFUSED" in done.stdout


def test_flags_edns_and_letter_case(views: Views) -> None:
    out = dig(views, LINKED, "FaBrIkAm.Vault.Azure.Net")
    assert "flags: qr rd ra;" in out and "; EDNS: version: 0, flags:; udp: 1232" in out
    assert ";FaBrIkAm.Vault.Azure.Net.\tIN\tA" in out  # the question as sent, and the answer owned by it
    assert "\nFaBrIkAm.Vault.Azure.Net. 60\tIN\tCNAME\tfabrikam.privatelink.vaultcore.azure.net.\n" in out
    assert "flags: qr ra;" in dig(views, LINKED, "fabrikam.vault.azure.net", "+norecurse")
    assert "OPT PSEUDOSECTION" not in dig(views, LINKED, "fabrikam.vault.azure.net", "+noedns")


def test_truncated_over_udp_then_whole_over_tcp(views: Views) -> None:
    truncated = dig(views, LINKED, "big.contoso.internal", "TXT", "+noedns", "+ignore")
    assert "flags: qr tc rd ra;" in truncated and "ANSWER: 0" in truncated
    retried = dig(views, LINKED, "big.contoso.internal", "TXT", "+noedns")  # dig retries over TCP by itself
    assert "Truncated, retrying in TCP mode" in retried and "ANSWER: 8" in retried and "(TCP)" in retried
    assert "ANSWER: 8" in dig(views, LINKED, "big.contoso.internal", "TXT", "+bufsize=1232")

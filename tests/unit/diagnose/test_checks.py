"""The checks over wire-shaped snapshots: the seed passes from its machine; each break fails exactly the check
that names it (later checks that depend on it say not applicable), with the evidence and the fix's real names."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.diagnose import wire

from vaultlink.diagnose.checks import UnknownVault, run_checks
from vaultlink.diagnose.report import Report, Verdict
from vaultlink.diagnose.snapshot import snapshot_of
from vaultlink.diagnose.text import render
from vaultlink.network.location import INTERNET


def report(resources: list[dict[str, Any]], *, where: str = "vm1", assignments: Any = (), caller: str | None = wire.CALLER,
           vault: str = "fabrikam") -> Report:
    snap = snapshot_of(resources, role_assignments=[wire.assignment()] if assignments == () else assignments)
    location = INTERNET if where == "internet" else snap.machine_location(where)
    assert location is not None
    return run_checks(snap, vault, location, caller=caller)


def failing(r: Report) -> list[str]:
    return [x.check for x in r.results if x.verdict == Verdict.FAIL]


def test_the_seed_passes_from_its_machine_and_the_client_reads() -> None:
    r = report(wire.seed())
    assert failing(r) == []
    assert r.result("connection").verdict == Verdict.PASS
    assert r.result("address").summary.startswith("10.1.0.4")
    assert r.result("zonegroup").verdict == Verdict.WARN  # the seed's record is hand-made
    assert r.result("onpremises").verdict == Verdict.NOT_APPLICABLE
    assert (r.client.landing, r.client.status, r.client.addresses) == ("private-endpoint", 200, ("10.1.0.4",))
    assert "every check passes" in render(r)


@pytest.mark.parametrize("status", ["Pending", "Rejected", "Disconnected"])
def test_a_connection_not_approved_fails_the_connection_check(status: str) -> None:
    r = report(wire.seed(endpoint=wire.endpoint(status=status)))
    assert failing(r)[0] == "connection"
    first = r.first_failure
    assert first is not None and status in first.summary and first.fix is not None
    assert "pe1.1f3c" in first.summary
    assert "resolves to the public address, where public access is disabled" in first.explanation
    if status == "Disconnected":
        assert first.fix.commands[0].startswith("az network private-endpoint delete -g rg1 -n pe1")
    else:
        assert first.fix.commands == (("az keyvault private-endpoint-connection approve -g rg1 --vault-name fabrikam "
                                      "-n pe1.1f3c --description 'Approved by the vault owner'"),)
    assert (r.client.landing, r.client.status, r.client.error) == ("public", 403, "ForbiddenByConnection")


def test_an_endpoint_in_an_unpeered_network_is_not_reachable() -> None:
    other = f"{wire.RG}/providers/Microsoft.Network/virtualNetworks/vnet2"
    resources = [wire.vault(), wire.vnet(), wire.vnet(other, "10.2.0.0/16", "10.2.0.0/24"),
                 *wire.endpoint(subnet=f"{other}/subnets/default", address="10.2.0.4"), *wire.zone(), *wire.machine()]
    r = report(resources)
    assert failing(r)[0] == "connection"
    assert r.result("connection").summary == "no endpoint of fabrikam is reachable from vnet1"


def test_the_zone_missing_fails_the_zone_check_and_its_fix_makes_all_three() -> None:
    r = report(wire.seed(zone=[]))
    assert failing(r)[0] == "zone"
    assert r.result("link").verdict == Verdict.NOT_APPLICABLE and r.result("record").verdict == Verdict.NOT_APPLICABLE
    fix = r.result("zone").fix
    assert fix is not None and fix.commands == (
        "az network private-dns zone create -g rg1 -n privatelink.vaultcore.azure.net",
        f"az network private-dns link vnet create -g rg1 -z privatelink.vaultcore.azure.net -n vnet1-link -v {wire.VNET} -e false",
        "az network private-dns record-set a add-record -g rg1 -z privatelink.vaultcore.azure.net -n fabrikam -a 10.1.0.4",
    )


@pytest.mark.parametrize("name", ["privatelink.vault.azure.net", "privatelink.vaultcore.azure.com",
                                  "privatelink.vaultcore.azur.net", "privatelnk.vaultcore.azure.net"])
def test_a_misspelled_zone_is_named_as_the_near_miss(name: str) -> None:
    r = report(wire.seed(zone=wire.zone(name)))
    assert failing(r)[0] == "zone"
    assert r.result("zone").summary == f"found {name}, a near miss of privatelink.vaultcore.azure.net"


def test_an_unrelated_zone_is_not_a_near_miss() -> None:
    r = report(wire.seed(zone=wire.zone("contoso.internal")))
    assert r.result("zone").summary == "no private DNS zone named privatelink.vaultcore.azure.net"


def test_an_unlinked_zone_fails_the_link_check() -> None:
    r = report(wire.seed(zone=wire.zone(links=())))
    assert failing(r)[0] == "link"
    fix = r.result("link").fix
    assert fix is not None and fix.commands[0].startswith("az network private-dns link vnet create -g rg1")
    assert (r.client.landing, r.client.error) == ("public", "ForbiddenByConnection")


@pytest.mark.parametrize(("record", "shape"), [
    ("fabrikam.privatelink.vaultcore.azure.net", "the doubled suffix"),
    ("fabrikam.vault.azure.net", "the doubled suffix"),
    ("fabrikm", "a misspelling"),
])
def test_a_record_near_miss_is_named(record: str, shape: str) -> None:
    r = report(wire.seed(zone=wire.zone(records={record: "10.1.0.4"})))
    assert failing(r) == ["record"]
    assert r.result("record").summary == f"found '{record}' ({shape}), not 'fabrikam'"
    fix = r.result("record").fix
    assert fix is not None and fix.commands[1].endswith(f"-n {record} --yes")
    assert (r.client.rcode, r.client.landing, r.client.status) == ("NXDOMAIN", "unresolved", None)


def test_a_missing_record_fails_the_record_check() -> None:
    r = report(wire.seed(zone=wire.zone(records={})))
    assert failing(r) == ["record"]
    assert r.result("record").summary == "no A record 'fabrikam' in privatelink.vaultcore.azure.net"


def test_a_wrong_address_fails_the_address_check_with_the_endpoints_address() -> None:
    r = report(wire.seed(zone=wire.zone(records={"fabrikam": "10.1.0.9"})))
    assert failing(r) == ["address"]
    assert r.result("address").summary == "10.1.0.9, but the endpoint's address is 10.1.0.4"
    fix = r.result("address").fix
    assert fix is not None and fix.commands[0].endswith("-n fabrikam -a 10.1.0.4")
    assert fix.commands[1].endswith("remove-record -g rg1 -z privatelink.vaultcore.azure.net -n fabrikam -a 10.1.0.9")
    assert r.client.error == "the connection times out"


def test_the_firewall_refusing_the_internet_client() -> None:
    r = report(wire.seed(vault=wire.vault(public="Enabled", default_action="Deny")), where="internet")
    assert failing(r) == ["firewall"]
    assert r.result("connection").verdict == Verdict.NOT_APPLICABLE
    fix = r.result("firewall").fix
    assert fix is not None and fix.commands == ("az keyvault network-rule add -g rg1 -n fabrikam --ip-address 203.0.113.50",)
    assert (r.client.status, r.client.error) == (403, "ForbiddenByFirewall")
    admitted = report(wire.seed(vault=wire.vault(public="Enabled", default_action="Deny", ip_rules=("203.0.113.0/24",))),
                      where="internet")
    assert failing(admitted) == [] and admitted.client.status == 200


def test_public_access_disabled_refuses_the_internet() -> None:
    r = report(wire.seed(), where="internet")
    assert failing(r) == ["firewall"]
    assert r.result("firewall").summary.startswith("ForbiddenByConnection")


def test_rbac_missing_names_the_role_that_would_grant_it() -> None:
    r = report(wire.seed(), assignments=[])
    assert failing(r) == ["permission"]
    assert r.result("permission").summary == "no role grants getSecret; 'Key Vault Secrets User' would"
    fix = r.result("permission").fix
    assert fix is not None and fix.commands == ((f"az role assignment create --role 'Key Vault Secrets User' "
                                                f"--assignee-object-id {wire.CALLER} --scope {wire.VAULT}"),)
    assert (r.client.status, r.client.error) == (403, "ForbiddenByRbac")


def test_unknown_assignments_or_caller_cannot_decide() -> None:
    assert report(wire.seed(), assignments=None).result("permission").verdict == Verdict.UNKNOWN
    assert report(wire.seed(), caller=None).result("permission").verdict == Verdict.UNKNOWN


def test_access_policies_decide_when_the_vault_does_not_use_rbac() -> None:
    r = report(wire.seed(vault=wire.vault(rbac=False)))
    assert failing(r) == ["permission"]
    fix = r.result("permission").fix
    assert fix is not None and "az keyvault set-policy -g rg1 -n fabrikam" in fix.commands[0]


def test_a_zone_group_passes_the_zone_group_check() -> None:
    group = {"id": f"{wire.PE}/privateDnsZoneGroups/default", "name": "default",
             "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
             "properties": {"privateDnsZoneConfigs": [{"name": "vaultcore", "properties": {"privateDnsZoneId": wire.ZONE}}]}}
    assert report([*wire.seed(), group]).result("zonegroup").verdict == Verdict.PASS
    drifted = report([*wire.seed(zone=wire.zone(records={"fabrikam": "10.1.0.9"})), group])
    assert "changed by hand" in drifted.result("address").explanation


def test_an_unknown_vault_is_a_clear_error() -> None:
    with pytest.raises(UnknownVault, match="'contoso' is not in the snapshot"):
        report(wire.seed(), vault="contoso")


def test_the_json_has_every_check_and_the_first_failure() -> None:
    body = report(wire.seed(zone=wire.zone(links=()))).to_json()
    assert body["firstFailure"] == "link" and body["failed"] is True
    assert [c["check"] for c in body["checks"]] == ["connection", "zone", "link", "record", "address", "zonegroup",
                                                    "onpremises", "firewall", "permission"]
    assert body["checks"][2]["verdict"] == "fail" and body["client"]["error"] == "ForbiddenByConnection"


def _peering(local: str, remote: str) -> dict[str, Any]:
    return {"id": f"{local}/virtualNetworkPeerings/to-{remote.rsplit('/', 1)[-1]}", "name": "peer",
            "properties": {"remoteVirtualNetwork": {"id": remote}, "peeringState": "Connected",
                           "allowVirtualNetworkAccess": True}}


def _custom_dns(servers: list[str], zone_links: tuple[str, ...]) -> list[dict[str, Any]]:
    """vnet1 names custom DNS servers; a forwarder machine sits in vnet2 (10.2.0.10), peered with vnet1."""
    vnet2 = f"{wire.NET}/virtualNetworks/vnet2"
    first = wire.vnet()
    first["properties"]["dhcpOptions"] = {"dnsServers": servers}
    first["properties"]["virtualNetworkPeerings"] = [_peering(wire.VNET, vnet2)]
    second = wire.vnet(vnet2, "10.2.0.0/16", "10.2.0.0/24")
    second["properties"]["virtualNetworkPeerings"] = [_peering(vnet2, wire.VNET)]
    forwarder = [
        {"id": f"{wire.RG}/providers/Microsoft.Compute/virtualMachines/dns1", "name": "dns1",
         "type": "Microsoft.Compute/virtualMachines",
         "properties": {"networkProfile": {"networkInterfaces": [{"id": f"{wire.NET}/networkInterfaces/dns1-nic"}]}}},
        {"id": f"{wire.NET}/networkInterfaces/dns1-nic", "name": "dns1-nic", "type": "Microsoft.Network/networkInterfaces",
         "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
             "privateIPAddress": "10.2.0.10", "subnet": {"id": f"{vnet2}/subnets/default"}}}]}},
    ]
    return [wire.vault(), first, second, *wire.endpoint(),
            *wire.zone(links=zone_links), *wire.machine(), *forwarder]


def test_with_custom_dns_the_forwarders_network_is_the_one_that_must_be_linked() -> None:
    vnet2 = f"{wire.NET}/virtualNetworks/vnet2"
    assert failing(report(_custom_dns(["10.2.0.10"], (vnet2,)))) == []
    r = report(_custom_dns(["10.2.0.10"], (wire.VNET,)))
    assert failing(r) == ["link"]
    assert r.result("link").summary == "privatelink.vaultcore.azure.net is not linked to vnet2"
    assert "the custom DNS server 10.2.0.10 (dns1), which forwards to the Azure-provided resolver of vnet2" in \
        r.result("link").explanation


def test_a_custom_dns_server_nobody_serves_fails_the_link_check() -> None:
    r = report(_custom_dns(["10.9.9.9"], (wire.VNET,)))
    assert failing(r)[0] == "link"
    assert r.result("link").summary == "the custom DNS server 10.9.9.9 answers nobody"
    fix = r.result("link").fix
    assert fix is not None and fix.commands == ("az network vnet update -g rg1 -n vnet1 --dns-servers ''",)
    assert r.client.error == "name resolution failed"

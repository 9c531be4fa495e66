"""Virtual network links through the real azure-mgmt-privatedns SDK. The virtual networks are made by raw REST;
every test here skips while Microsoft.Network does not serve virtualNetworks yet."""

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
from tests.clients.privatedns_support import Dns, connect, unique
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def dns(vaultlink: Running) -> Dns:
    return connect(vaultlink)


def link(vnet_id: str, registration: bool = False, **props: Any) -> dict[str, Any]:
    return {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": registration, **props}}


def test_link_lifecycle_in_azures_shape(dns: Dns) -> None:
    rg = dns.group()
    vnet = dns.vnet(rg)
    zone = dns.zone(rg, "privatelink.vaultcore.azure.net")
    links = dns.client.virtual_network_links
    created = links.begin_create_or_update(rg, zone, "hub", {**link(vnet), "tags": {"a": "b"}},
                                           match_condition=MatchConditions.IfMissing).result()
    assert created.id == (f"/subscriptions/{dns.subscription}/resourceGroups/{rg}/providers/Microsoft.Network/"
                          f"privateDnsZones/{zone}/virtualNetworkLinks/hub")
    assert (created.name, created.type, created.location) == ("hub", "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "global")
    assert created.etag and '"' not in created.etag and created.tags == {"a": "b"}
    p = created.properties
    assert p.virtual_network.id == vnet and p.registration_enabled is False and p.resolution_policy == "Default"
    assert (p.virtual_network_link_state, p.provisioning_state) == ("Completed", "Succeeded")

    assert dns.client.private_zones.get(rg, zone).properties.number_of_virtual_network_links == 1
    assert [lk.name for lk in links.list(rg, zone)] == ["hub"]
    assert links.get(rg, zone, "HUB").etag == created.etag

    updated = links.begin_update(rg, zone, "hub", {"properties": {"registrationEnabled": True}}).result()
    assert updated.properties.registration_enabled is True and updated.tags == {"a": "b"}
    assert dns.client.private_zones.get(rg, zone).properties.number_of_virtual_network_links_with_registration == 1
    redirected = links.begin_update(rg, zone, "hub", {"properties": {"resolutionPolicy": "NxDomainRedirect"}}).result()
    assert redirected.properties.resolution_policy == "NxDomainRedirect"

    with pytest.raises(ResourceExistsError) as exists:
        links.begin_create_or_update(rg, zone, "hub", link(vnet), match_condition=MatchConditions.IfMissing).result()
    assert exists.value.status_code == 412 and "exists already and hence cannot be created again" in exists.value.error.message
    with pytest.raises(ResourceModifiedError) as stale:
        links.begin_update(rg, zone, "hub", {"tags": {}}, etag=created.etag, match_condition=MatchConditions.IfNotModified).result()
    assert "(etag mismatch)" in stale.value.error.message

    links.begin_delete(rg, zone, "hub").result()
    with pytest.raises(ResourceNotFoundError):
        links.get(rg, zone, "hub")
    assert dns.client.private_zones.get(rg, zone).properties.number_of_virtual_network_links == 0


def test_zone_with_links_cannot_be_deleted(dns: Dns) -> None:
    rg = dns.group()
    vnet = dns.vnet(rg)
    zone = dns.zone(rg)
    dns.client.virtual_network_links.begin_create_or_update(rg, zone, "LabVNetLink", link(vnet)).result()
    with pytest.raises(HttpResponseError) as err:
        dns.client.private_zones.begin_delete(rg, zone).result()
    assert err.value.status_code == 409 and err.value.error.code == "CannotDeleteResource"
    assert f"'Microsoft.Network/privateDnsZones/{zone}/virtualNetworkLinks/LabVNetLink'" in err.value.error.message
    assert dns.client.private_zones.get(rg, zone).name == zone
    dns.client.virtual_network_links.begin_delete(rg, zone, "LabVNetLink").result()
    dns.client.private_zones.begin_delete(rg, zone).result()


def test_one_link_per_network_and_zone_name(dns: Dns) -> None:
    rg = dns.group()
    vnet = dns.vnet(rg)
    zone = dns.zone(rg, "privatelink.vaultcore.azure.net")
    links = dns.client.virtual_network_links
    links.begin_create_or_update(rg, zone, "first", link(vnet)).result()
    with pytest.raises(HttpResponseError) as twice:
        links.begin_create_or_update(rg, zone, "second", link(vnet)).result()
    assert twice.value.status_code == 409
    assert twice.value.error.message == f"Private zone '{zone}' is already linked to the virtual network '{vnet}'."

    other_rg = dns.group()
    dns.zone(other_rg, "privatelink.vaultcore.azure.net")
    with pytest.raises(HttpResponseError) as overlap:
        links.begin_create_or_update(other_rg, zone, "same-name", link(vnet)).result()
    assert overlap.value.status_code == 400 and "overlapping namespaces" in overlap.value.error.message
    assert [lk.name for lk in links.list(rg, zone)] == ["first"]
    assert list(links.list(other_rg, zone)) == []


def test_one_autoregistration_zone_per_network(dns: Dns) -> None:
    rg = dns.group()
    vnet = dns.vnet(rg)
    z1, z2 = dns.zone(rg), dns.zone(rg)
    links = dns.client.virtual_network_links
    links.begin_create_or_update(rg, z1, "reg", link(vnet, True)).result()
    with pytest.raises(HttpResponseError) as err:
        links.begin_create_or_update(rg, z2, "reg", link(vnet, True)).result()
    assert err.value.status_code == 409 and err.value.error.code == "Conflict"
    assert err.value.error.message.startswith("A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled")
    assert f"/privatednszones/{z1}'" in err.value.error.message
    links.begin_create_or_update(rg, z2, "reg", link(vnet, False)).result()  # resolution only is fine
    with pytest.raises(HttpResponseError):
        links.begin_update(rg, z2, "reg", {"properties": {"registrationEnabled": True}}).result()
    links.begin_update(rg, z1, "reg", {"properties": {"registrationEnabled": False}}).result()
    assert links.begin_update(rg, z2, "reg", {"properties": {"registrationEnabled": True}}).result().properties.registration_enabled


def test_bad_links_are_refused(dns: Dns) -> None:
    rg = dns.group()
    vnet = dns.vnet(rg)
    zone = dns.zone(rg)
    path = dns.zone_path(rg, zone) + "/virtualNetworkLinks/bad"
    missing = vnet.rsplit("/", 1)[0] + "/nosuchvnet"
    cases = [
        (link(missing), 400, "Virtual network resource not found for"),
        (link("not-an-id"), 400, "LinkedInvalidPropertyId"),
        (link(vnet, resolutionPolicy="NxDomainRedirect"), 400, "privatelink"),
        (link(vnet, resolutionPolicy="Sometimes"), 400, "Sometimes"),
        ({"location": "eastus", "properties": {"virtualNetwork": {"id": vnet}}}, 400, "LocationNotAvailableForResourceType"),
        ({"location": "global", "properties": {}}, 400, "virtualNetwork"),
        ({"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": "yes"}}, 400, "registrationEnabled"),
    ]
    for body, status, text in cases:
        r = dns.session.put(dns.url(path), json=body)
        assert r.status_code == status and text in r.text, (body, r.text)
    assert dns.session.get(dns.url(path)).status_code == 404
    assert dns.client.private_zones.get(rg, zone).properties.number_of_virtual_network_links == 0

    dns.client.virtual_network_links.begin_create_or_update(rg, zone, "good", link(vnet)).result()
    other = dns.vnet(rg, prefix="10.9.0.0/16")
    r = dns.session.put(dns.url(dns.zone_path(rg, zone) + "/virtualNetworkLinks/good"), json=link(other))
    assert r.status_code == 400 and "cannot be changed" in dns.error(r)["message"]


def test_group_delete_unlinks(dns: Dns) -> None:
    """A zone's group deleted: its links leave the network's index, so the network can link a new zone of the
    same name. A network's group deleted: links to it in other groups go too."""
    net_rg, zone_rg = dns.group(), dns.group()
    vnet = dns.vnet(net_rg)
    zone = dns.zone(zone_rg, "privatelink.vaultcore.azure.net")
    dns.client.virtual_network_links.begin_create_or_update(zone_rg, zone, "l1", link(vnet, True)).result()
    dns.rm.resource_groups.begin_delete(zone_rg).result()

    again = dns.group()
    dns.zone(again, zone)
    dns.client.virtual_network_links.begin_create_or_update(again, zone, "l2", link(vnet, True)).result()

    dns.rm.resource_groups.begin_delete(net_rg).result()
    assert list(dns.client.virtual_network_links.list(again, zone)) == []
    dns.client.private_zones.begin_delete(again, zone).result()


def test_links_list_pages(dns: Dns) -> None:
    rg = dns.group()
    zone = dns.zone(rg)
    names = sorted(unique("l") for _ in range(3))
    for i, name in enumerate(names):
        dns.client.virtual_network_links.begin_create_or_update(rg, zone, name, link(dns.vnet(rg, prefix=f"10.{i}.0.0/16"))).result()
    first = dns.session.get(dns.url(dns.zone_path(rg, zone) + "/virtualNetworkLinks", **{"$top": "2"})).json()
    assert [x["name"] for x in first["value"]] == names[:2] and "nextLink" in first
    assert [x.name for x in dns.client.virtual_network_links.list(rg, zone, top=1)] == names


def test_a_network_made_again_starts_unlinked(dns: Dns) -> None:
    """Deleting a network deletes its links in Azure; here a network deleted directly and made again under the
    same id does not inherit its predecessor's links (its zones can be linked afresh)."""
    rg = dns.group()
    name = unique("vnet-")
    vnet = dns.vnet(rg, name)
    zone = dns.zone(rg, "privatelink.vaultcore.azure.net")
    links = dns.client.virtual_network_links
    links.begin_create_or_update(rg, zone, "before", link(vnet, True)).result()
    path = f"/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
    assert dns.session.delete(dns.url(path, "2024-07-01")).status_code in (200, 202, 204)
    assert dns.vnet(rg, name) == vnet
    again = links.begin_create_or_update(rg, zone, "after", link(vnet, True)).result()
    assert again.properties.registration_enabled is True

"""Private DNS zones: create one, a zone's record sets (add, edit or delete an A record set with its TTL) and its
virtual network links (add one with or without auto-registration, remove one).

ARM calls: create — PUT .../privateDnsZones/{zone}; the zone's page — GET the zone, a page of {zone}/ALL and
of {zone}/virtualNetworkLinks ($top, $skipToken), the A record set being edited, and the subscription's virtual
networks (GET /subscriptions/{s}/resources filtered by type); record sets — PUT or DELETE {zone}/A/{name};
links — PUT or DELETE {zone}/virtualNetworkLinks/{name}.
"""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.arm import ArmError
from vaultlink.portal.pages.common import ensure_group
from vaultlink.portal.web import Ctx, Handler, blade, name_of

ZONE = "microsoft.network/privatednszones"
PAGE_SIZE = 50


async def create(ctx: Ctx) -> Response:
    group, name = ctx.form.get("group"), ctx.form.get("name").lower()
    path = f"/subscriptions/{ctx.subscription}/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{name}"
    try:
        await ensure_group(ctx, group, "eastus")
        await ctx.arm.call("PUT", path, {"location": "global"})
    except ArmError as e:
        ctx.fail(e, "Creating the private DNS zone failed")
        return ctx.redirect("/browse/privatednszones")
    ctx.done("Deployment succeeded", f"The private DNS zone {name} was created.")
    return ctx.redirect(blade(path))


async def overview(ctx: Ctx) -> Response:
    """The zone with a page of its record sets and a page of its links, each PAGE_SIZE at a time (`?records=`
    and `?links=` carry the skip token of the page to show), and the A record set being edited."""
    rid = ctx.request.state.resource_id
    zone = await ctx.arm.get(rid)
    records, more_records = await ctx.arm.page(f"{rid}/ALL", PAGE_SIZE, ctx.query("records") or None)
    links, more_links = await ctx.arm.page(f"{rid}/virtualNetworkLinks", PAGE_SIZE, ctx.query("links") or None)
    editing = ctx.query("edit")
    # the link form names a network: the generic resource list names them without their subnets' interfaces
    listed = await ctx.arm.call("GET", f"/subscriptions/{ctx.subscription}/resources", query={
        "$filter": "resourceType eq 'Microsoft.Network/virtualNetworks'"})
    vnets = sorted(listed["value"], key=lambda v: v["name"].lower())
    return ctx.render("dnszone.html", zone=zone, records=records, links=links, vnets=vnets,
                      more_records=more_records, more_links=more_links,
                      records_from=ctx.query("records"), links_from=ctx.query("links"),
                      editing=await ctx.arm.find(f"{rid}/A/{editing}") if editing else None)


async def change_records(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    form = ctx.form
    name = form.get("name") or "@"
    path = f"{rid}/A/{name}"
    try:
        if form.get("action") == "delete":
            await ctx.arm.delete(path)
            ctx.done("Deleted the record set", f"{name} was deleted.")
        else:
            ttl = int(form.get("ttl", "3600")) if form.get("ttl", "3600").isdigit() else -1
            addresses = [a.strip() for a in form.get("addresses").replace(",", "\n").splitlines() if a.strip()]
            await ctx.arm.put(path, {"properties": {"ttl": ttl, "aRecords": [{"ipv4Address": a} for a in addresses]}})
            ctx.done("Saved the record set", f"{name} ({', '.join(addresses)}, TTL {ttl}) was saved.")
    except ArmError as e:
        ctx.fail(e, "The record set was not saved")
    return ctx.redirect(blade(rid))


async def change_links(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    form = ctx.form
    name = form.get("name")
    path = f"{rid}/virtualNetworkLinks/{name}"
    try:
        if form.get("action") == "remove":
            await ctx.arm.delete(path)
            ctx.done("Removed the virtual network link", f"{name} was removed.")
        else:
            await ctx.arm.put(path, {"location": "global", "properties": {
                "virtualNetwork": {"id": form.get("vnet")}, "registrationEnabled": form.get("registration") == "on"}})
            ctx.done("Added the virtual network link", f"{name} links {name_of(form.get('vnet'))}.")
    except ArmError as e:
        ctx.fail(e, "The virtual network link was not changed")
    return ctx.redirect(blade(rid))


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", ZONE, "overview"): overview,
    ("POST", ZONE, "recordsets"): change_records,
    ("POST", ZONE, "links"): change_links,
}

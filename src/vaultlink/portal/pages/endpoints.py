"""Private endpoints: the Create a private endpoint wizard (Basics with the network interface name; Resource, in
my directory or by resource ID or alias with a request message, which makes a manual connection; Virtual Network
with a dynamic or static IP; DNS; Tags; Review + create) and an endpoint's page.

ARM calls: the wizard — GET the resource groups, the key vaults (GET /subscriptions/{s}/resources filtered by
type) and the virtual networks; review — GET the chosen subnet and network; create — a deployment (PUT the resource group
when new, PUT the endpoint, and with DNS integration the zone, its link and the zone group); the endpoint's page —
GET the endpoint and GET its privateDnsZoneGroups.
"""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.core.ids import ResourceId
from vaultlink.portal.arm import ArmError
from vaultlink.portal.deploy import Step
from vaultlink.portal.pages import privatelink
from vaultlink.portal.pages.common import (
    check_subnet,
    chosen_group,
    ensure_group,
    groups,
    networks,
    subnet_choices,
    vnet_choices,
)
from vaultlink.portal.pages.vaults import endpoint_steps
from vaultlink.portal.web import Ctx, Handler

ENDPOINT = "microsoft.network/privateendpoints"


async def _wizard(ctx: Ctx, status: int = 200) -> Response:
    # The generic resource list names every vault without rendering each one's properties
    vaults = (await ctx.arm.call("GET", f"/subscriptions/{ctx.subscription}/resources", query={
        "$filter": "resourceType eq 'Microsoft.KeyVault/vaults'"}))["value"]
    vnets = await networks(ctx)
    return ctx.render("endpoint_create.html", status=status, form=ctx.form, groups=await groups(ctx),
                      vaults=sorted(vaults, key=lambda v: v["name"].lower()), subnets=subnet_choices(vnets),
                      vnets=vnet_choices(vnets), preset=ctx.query("resource"))


def _resource(ctx: Ctx) -> tuple[str, bool]:
    """The resource to connect to, and whether the connection is manual (by resource ID or alias)."""
    if ctx.form.get("method") == "id":
        return ctx.form.get("resource_id"), True
    return ctx.form.get("resource"), False


async def create(ctx: Ctx) -> Response:
    if ctx.request.method == "GET" or ctx.form.get("action") == "edit":
        return await _wizard(ctx)
    form = ctx.form
    group, new = chosen_group(form)
    name, location = form.get("name"), form.get("location")
    resource, manual = _resource(ctx)
    path = privatelink.endpoint_path(ctx.subscription, group, name)
    try:
        if not group or not name:
            raise ArmError(400, "InvalidResourceName", "Enter a resource group and a name for the private endpoint.")
        if ResourceId.try_parse(resource) is None:
            raise ArmError(400, "LinkedInvalidPropertyId", f"Property id '{resource}' at path "
                           "'properties.privateLinkServiceConnections[0].properties.privateLinkServiceId' is invalid. "
                           "Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or "
                           "'/providers/{resourceProviderNamespace}/'.")
        if await ctx.arm.find(path) is not None:
            raise ArmError(409, "Conflict", f"A private endpoint named '{name}' already exists in '{group}'.")
        await check_subnet(ctx, form.get("subnet"), location, path)
    except ArmError as e:
        ctx.fail(e, "Validation failed")
        return await _wizard(ctx, 400)
    tags = privatelink.tags_of(form.getlist("tag_name"), form.getlist("tag_value"))
    if form.get("action") != "create":
        return ctx.render("endpoint_review.html", form=form, group=group, resource=resource, manual=manual, tags=tags)
    pe = {"name": name, "location": location, "subnet": form.get("subnet"), "dns": form.get("dns", "yes"),
          "zone_group": form.get("dns_group") or group}
    steps: list[Step] = []
    if new:
        steps.append(Step(f"Resource group {group}", lambda: ensure_group(ctx, group, location)))
    steps += endpoint_steps(ctx, group, pe, resource, manual=manual, request_message=form.get("request_message"),
                            nic_name=form.get("nic_name"),
                            static_ip=form.get("static_ip") if form.get("ip_mode") == "static" else "", tags=tags)
    deployment = ctx.portal.deployments.start(f"Microsoft.PrivateEndpoint-{name}", group, ctx.user["objectId"],
                                              steps, path)
    return ctx.redirect(f"/deployments/{deployment.id}")


async def overview(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    endpoint = await ctx.arm.get(rid)
    props = endpoint["properties"]
    connections = [{**c, "manual": False} for c in props.get("privateLinkServiceConnections") or []]
    connections += [{**c, "manual": True} for c in props.get("manualPrivateLinkServiceConnections") or []]
    zone_groups = (await ctx.arm.get(f"{rid}/privateDnsZoneGroups")).get("value", [])
    return ctx.render("endpoint.html", endpoint=endpoint, connections=connections, zone_groups=zone_groups)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", ENDPOINT, "overview"): overview,
}

"""Virtual networks: create one (the seed's prerequisite), a network's page with its subnets (and their private
endpoint network policy) and connected devices, and adding a subnet.

ARM calls: create — GET/PUT the resource group, PUT the virtual network with its first subnet; the page — GET
the network, then GET each network interface its subnets name, a page of connected devices at a time; add a
subnet — PUT .../subnets/{name}.
"""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.arm import ArmError
from vaultlink.portal.pages.common import chosen_group, ensure_group, free_addresses, groups
from vaultlink.portal.web import Ctx, Handler, blade

VNET = "microsoft.network/virtualnetworks"
DEVICES_PER_PAGE = 50


async def create(ctx: Ctx) -> Response:
    form = ctx.form
    if ctx.request.method == "POST":
        group, _ = chosen_group(form)
        name, location = form.get("name"), form.get("location")
        path = f"/subscriptions/{ctx.subscription}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{name}"
        body = {"location": location, "properties": {
            "addressSpace": {"addressPrefixes": [form.get("address_space")]},
            "subnets": [{"name": form.get("subnet_name"), "properties": {"addressPrefix": form.get("subnet_prefix")}}],
        }}
        try:
            if not group or not name:
                raise ArmError(400, "InvalidResourceName", "Enter a resource group and a name for the virtual network.")
            if await ctx.arm.find(path) is not None:
                raise ArmError(409, "Conflict", f"A virtual network named '{name}' already exists in the resource "
                               f"group '{group}'.")
            await ensure_group(ctx, group, location)
            created = await ctx.arm.put(path, body)
        except ArmError as e:
            ctx.fail(e, "Validation failed" if e.status == 400 else "Deployment failed")
            return ctx.render("vnet_create.html", groups=await groups(ctx), form=form)
        ctx.done("Deployment succeeded", f"The virtual network {name} was created.")
        return ctx.redirect(blade(created["id"]))
    return ctx.render("vnet_create.html", groups=await groups(ctx), form=form)


async def overview(ctx: Ctx) -> Response:
    """The network and a page of its connected devices: the interfaces its subnets name, DEVICES_PER_PAGE at
    a time, each read for its address and what it belongs to."""
    rid = ctx.request.state.resource_id
    vnet = await ctx.arm.get(rid)
    held = [(c["id"].split("/ipConfigurations/", 1)[0], c["id"], s["id"])
            for s in vnet["properties"].get("subnets", []) for c in s["properties"].get("ipConfigurations") or []]
    start = int(ctx.query("devices", "0")) if ctx.query("devices", "0").isdigit() else 0
    devices = []
    for nic_id, config_id, subnet in held[start:start + DEVICES_PER_PAGE]:
        nic = await ctx.arm.find(nic_id)
        config = next((c for c in (nic or {}).get("properties", {}).get("ipConfigurations", [])
                       if c["id"].lower() == config_id.lower()), None)
        if nic is not None:
            devices.append({"nic": nic, "address": (config or {}).get("properties", {}).get("privateIPAddress", ""),
                            "subnet": subnet})
    subnets = [{**s, "free": free_addresses(s)} for s in vnet["properties"].get("subnets", [])]
    following = start + DEVICES_PER_PAGE if start + DEVICES_PER_PAGE < len(held) else None
    return ctx.render("vnet.html", vnet=vnet, subnets=subnets, devices=devices, device_count=len(held),
                      devices_from=start, devices_next=following,
                      devices_previous=max(start - DEVICES_PER_PAGE, 0) if start else None)


async def add_subnet(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    name = ctx.form.get("subnet_name")
    body = {"properties": {"addressPrefix": ctx.form.get("subnet_prefix"),
                           "privateEndpointNetworkPolicies": ctx.form.get("policy", "Disabled")}}
    try:
        await ctx.arm.put(f"{rid}/subnets/{name}", body)
        ctx.done("Subnet added", f"The subnet {name} was added.")
    except ArmError as e:
        ctx.fail(e, "Adding the subnet failed")
    return ctx.redirect(blade(rid))


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", VNET, "overview"): overview,
    ("POST", VNET, "subnets"): add_subnet,
}

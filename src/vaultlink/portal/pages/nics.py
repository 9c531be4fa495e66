"""A network interface's page: its private IP address (the seed's troubleshooting step reads it here), subnet,
and what it is attached to. ARM calls: GET the interface."""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.web import Ctx, Handler


async def overview(ctx: Ctx) -> Response:
    nic = await ctx.arm.get(ctx.request.state.resource_id)
    return ctx.render("nic.html", nic=nic)


async def machine(ctx: Ctx) -> Response:
    vm = await ctx.arm.get(ctx.request.state.resource_id)
    nics = []
    for ref in vm["properties"].get("networkProfile", {}).get("networkInterfaces", []):
        nics.append(await ctx.arm.get(ref["id"]))
    return ctx.render("vm.html", vm=vm, nics=nics)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", "microsoft.network/networkinterfaces", "overview"): overview,
    ("GET", "microsoft.compute/virtualmachines", "overview"): machine,
}

"""Diagnose and solve problems: the troubleshooter's place in the portal.

The checks of the private-link troubleshooting guide (connection approved, zone present, zone linked, A record
present and right, forwarders) belong to `diagnose/`, which is not built yet; until it is, this page says so
and links the pages that show each fact the checks would read. When `diagnose` arrives, the runtime injects
its checks like the resolve callable, and this page renders their results.
"""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.web import Ctx, Handler


async def landing(ctx: Ctx) -> Response:
    return ctx.render("diagnose.html", resource=None)


async def vault(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    body = await ctx.arm.get(rid)
    return ctx.render("diagnose.html", resource=body)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", "microsoft.keyvault/vaults", "diagnose"): vault,
}

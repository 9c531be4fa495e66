"""A deployment's page: its steps with their state, then the result or Azure's error. No ARM call of its own:
the deployment's steps make them."""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.web import Ctx


async def show(ctx: Ctx) -> Response:
    deployment = ctx.portal.deployments.find(ctx.request.path_params["deployment"], ctx.user["objectId"])
    if deployment is None:
        return ctx.render("notfound.html", status=404, what="deployment")
    return ctx.render("deployment.html", deployment=deployment)

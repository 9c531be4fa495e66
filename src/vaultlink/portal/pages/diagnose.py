"""Diagnose and solve problems: the troubleshooter's checks for a vault from a chosen location (the internet or
a machine), the same ones `vaultlink diagnose` prints, with the first failure's explanation and fix, and what
the client would see.

ARM calls: GET the vault (as the signed-in user, so RBAC holds: a user who cannot read the vault sees no
checks), GET the subscription's virtual machines (the locations to choose from). The checks come from the
diagnose callable the runtime injected (`Diagnose`), not from ARM; they are run for the signed-in user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from vaultlink.portal.web import Ctx, Handler

Diagnose = Callable[[str, dict[str, str]], tuple[int, dict[str, Any]]]
"""diagnose(vault name, {"from": "internet" | "vm:<machine id>", "caller": object id}) -> (status, report JSON
or an error envelope)."""


async def landing(ctx: Ctx) -> Response:
    return ctx.render("diagnose.html", resource=None, report=None, machines=[], where="internet")


async def vault(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    body = await ctx.arm.get(rid)
    machines = await ctx.arm.all(f"/subscriptions/{ctx.subscription}/providers/Microsoft.Compute/virtualMachines")
    where = ctx.query("from", "internet")
    report: dict[str, Any] | None = None
    error = None
    run = ctx.portal.diagnose
    if run is not None:
        if where != "internet" and where.lower() not in {m["id"].lower() for m in machines}:
            ctx.session.notify("error", "Unknown location", f"There is no machine {where} in this subscription.")
            where = "internet"
        source = "internet" if where == "internet" else f"vm:{where}"
        status, answer = await asyncio.to_thread(run, body["name"], {"from": source,
                                                                     "caller": ctx.user.get("objectId", "")})
        report, error = (answer, None) if status == 200 else (None, answer.get("error", {}).get("message"))
    first = next((c for c in report["checks"] if c["verdict"] == "fail"), None) if report else None
    return ctx.render("diagnose.html", resource=body, report=report, first=first, error=error, machines=machines,
                      where=where, available=run is not None)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", "microsoft.keyvault/vaults", "diagnose"): vault,
}

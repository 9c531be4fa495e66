"""The "resolve from" tool: choose where the question is asked (the internet or a machine) and a name, and see
the DNS answer with each hop's reason, from the same `network.resolve` the DNS server answers with.

ARM calls: GET the subscription's virtual machines (the locations to choose from). The answer comes from the
resolve callable the runtime injected, not from ARM.
"""

from __future__ import annotations

from starlette.responses import Response

from vaultlink.portal.web import Ctx


async def resolve_from(ctx: Ctx) -> Response:
    machines = await ctx.arm.all(f"/subscriptions/{ctx.subscription}/providers/Microsoft.Compute/virtualMachines")
    where, name, qtype = ctx.query("from", "internet"), ctx.query("name").strip(), ctx.query("type", "A").upper()
    if qtype not in ("A", "AAAA", "CNAME", "TXT", "SOA"):
        qtype = "A"
    lookup = None
    if name:
        machine = None if where == "internet" else where
        if machine is not None and machine.lower() not in {m["id"].lower() for m in machines}:
            ctx.session.notify("error", "Unknown location", f"There is no machine {machine} in this subscription.")
        else:
            lookup = ctx.portal.resolve(machine, name, qtype)
    return ctx.render("resolve.html", machines=machines, where=where, name=name, qtype=qtype, lookup=lookup)

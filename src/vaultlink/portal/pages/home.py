"""Home, the search bar and the service lists.

ARM calls: home — GET /subscriptions (once a session, for the default subscription); search — GET
/subscriptions/{s}/resources?$filter=substringof('text', name); a service list — GET
/subscriptions/{s}/resources?$filter=resourceType eq 'T' with $top and the $skiptoken of the page before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from vaultlink.portal.web import Ctx

PAGE_SIZE = 50


@dataclass(frozen=True)
class Service:
    key: str
    title: str
    type: str
    create: str
    words: tuple[str, ...]


SERVICES = {s.key: s for s in (
    Service("keyvaults", "Key vaults", "Microsoft.KeyVault/vaults", "/create/keyvault", ("key vault", "vault", "kv")),
    Service("virtualnetworks", "Virtual networks", "Microsoft.Network/virtualNetworks", "/create/virtualnetwork",
            ("virtual network", "vnet", "network")),
    Service("privateendpoints", "Private endpoints", "Microsoft.Network/privateEndpoints", "/create/privateendpoint",
            ("private endpoint", "private link", "endpoint")),
    Service("privatednszones", "Private DNS zones", "Microsoft.Network/privateDnsZones", "/browse/privatednszones",
            ("private dns", "dns zone", "dns")),
    Service("networkinterfaces", "Network interfaces", "Microsoft.Network/networkInterfaces", "",
            ("network interface", "nic")),
    Service("virtualmachines", "Virtual machines", "Microsoft.Compute/virtualMachines", "", ("virtual machine", "vm")),
)}


async def home(ctx: Ctx) -> Response:
    return ctx.render("home.html", services=SERVICES.values())


async def search(ctx: Ctx) -> Response:
    q = ctx.query("q").strip().lower()
    services = [s for s in SERVICES.values() if q and (q in s.title.lower() or any(q in w or w in q for w in s.words))]
    resources: list[dict[str, Any]] = []
    if q:
        literal = q.replace("'", "''")
        resources, _ = await ctx.arm.page(f"/subscriptions/{ctx.subscription}/resources", PAGE_SIZE,
                                          **{"$filter": f"substringof('{literal}', name)"})
    return ctx.render("search.html", q=ctx.query("q"), services=services, resources=resources)


async def browse(ctx: Ctx) -> Response:
    service = SERVICES.get(ctx.request.path_params["service"].lower())
    if service is None:
        return ctx.render("notfound.html", status=404, what="service")
    items, following = await ctx.arm.page(f"/subscriptions/{ctx.subscription}/resources", PAGE_SIZE,
                                          ctx.query("skiptoken") or None,
                                          **{"$filter": f"resourceType eq '{service.type}'"})
    groups = []
    if service.key == "privatednszones":
        groups = [g["name"] for g in (await ctx.arm.get(f"/subscriptions/{ctx.subscription}/resourcegroups"))["value"]]
    return ctx.render("browse.html", service=service, items=items, skiptoken=following, groups=groups)

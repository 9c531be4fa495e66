"""A key vault's Networking page: "Firewalls and virtual networks" (allow all networks, selected networks with IP
rules, existing subnets and the trusted-services exception, or disable public access; Save and Discard) and
"Private endpoint connections" (the table, "+ Create", and Approve, Reject or Remove for the selected rows, each
asking for a description).

ARM calls: the page — GET the vault (its networkAcls and privateEndpointConnections), GET the subscription's
virtual networks (for "+ Add existing virtual network"); Save — PATCH the vault's publicNetworkAccess and
networkAcls; Approve / Reject — PUT .../privateEndpointConnections/{name} with the new state and description;
Remove — DELETE it.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vaultlink.portal.arm import ArmError
from vaultlink.portal.pages.common import networks, subnet_choices
from vaultlink.portal.web import Ctx, Handler, blade, name_of

VAULT = "microsoft.keyvault/vaults"
ACTIONS = {"approve": "Approved", "reject": "Rejected"}


def firewall_choice(vault: dict[str, Any]) -> str:
    props = vault["properties"]
    if str(props.get("publicNetworkAccess", "Enabled")).lower() == "disabled":
        return "disabled"
    acls = props.get("networkAcls") or {}
    return "selected" if acls.get("defaultAction") == "Deny" else "all"


async def page(ctx: Ctx) -> Response:
    vault = await ctx.arm.get(ctx.request.state.resource_id)
    tab = "connections" if ctx.query("tab") == "connections" else "firewall"
    acls = vault["properties"].get("networkAcls") or {}
    connections = [{**c, "name": name_of(c["id"])} for c in vault["properties"].get("privateEndpointConnections") or []]
    subnets = subnet_choices(await networks(ctx)) if tab == "firewall" else []
    return ctx.render("vault_networking.html", vault=vault, tab=tab, choice=firewall_choice(vault), acls=acls,
                      ip_rules="\n".join(r["value"] for r in acls.get("ipRules") or []),
                      vnet_rules=[r["id"] for r in acls.get("virtualNetworkRules") or []], subnets=subnets,
                      connections=connections)


async def save_firewall(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    form = ctx.form
    choice = form.get("public_network")
    ips = [line.strip() for line in form.get("ip_rules").replace(",", "\n").splitlines() if line.strip()]
    subnets = [s for s in dict.fromkeys(form.getlist("vnet_rule") + [form.get("add_subnet")]) if s]
    props: dict[str, Any] = {"publicNetworkAccess": "Disabled" if choice == "disabled" else "Enabled"}
    if choice in ("all", "selected"):
        props["networkAcls"] = {
            "defaultAction": "Deny" if choice == "selected" else "Allow",
            "bypass": "AzureServices" if form.get("bypass") == "AzureServices" else "None",
            "ipRules": [{"value": ip} for ip in ips] if choice == "selected" else [],
            "virtualNetworkRules": [{"id": s} for s in subnets] if choice == "selected" else [],
        }
    try:
        await ctx.arm.call("PATCH", rid, {"properties": props})
        ctx.done("Saved the networking settings", f"The firewall of {name_of(rid)} was updated.")
    except ArmError as e:
        ctx.fail(e, "Failed to update the networking settings")
    return ctx.redirect(blade(rid, "networking"))


async def change_connections(ctx: Ctx) -> Response:
    rid = ctx.request.state.resource_id
    action = ctx.form.get("action")
    description = ctx.form.get("description")
    chosen = ctx.form.getlist("connection")
    if not chosen:
        ctx.session.notify("error", "No connection selected", "Select one or more connections first.")
    for connection in chosen:
        name = name_of(connection)
        path = f"{rid}/privateEndpointConnections/{name}"
        try:
            if action == "remove":
                await ctx.arm.delete(path)
                ctx.done("Removed the private endpoint connection", f"{name} was removed.")
            elif action in ACTIONS:
                await ctx.arm.put(path, {"properties": {"privateLinkServiceConnectionState": {
                    "status": ACTIONS[action], "description": description}}})
                ctx.done(f"{ACTIONS[action]} the private endpoint connection", f"{name} is {ACTIONS[action]}.")
        except ArmError as e:
            title = {"approve": "Failed to approve", "reject": "Failed to reject"}.get(action, "Failed to remove")
            ctx.fail(e, f"{title} the private endpoint connection {name}")
    return ctx.redirect(blade(rid, "networking") + "?tab=connections")


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", VAULT, "networking"): page,
    ("POST", VAULT, "networking"): save_firewall,
    ("POST", VAULT, "connections"): change_connections,
}

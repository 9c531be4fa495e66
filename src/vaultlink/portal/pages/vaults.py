"""Key vaults: the Create key vault wizard (Basics with a live name check, Access configuration, Networking with
the public-access toggle and the "+ Create a private endpoint" blade, Tags, Review + create) and a vault's
overview.

ARM calls: the name check — POST .../providers/Microsoft.KeyVault/checkNameAvailability; review — the name check,
GET of each chosen subnet and its network (region, room); create — a deployment: PUT the resource group (when
new), PUT the vault, and per private endpoint PUT the endpoint, then (DNS integration) the zone, its link and the
endpoint's zone group; overview — GET the vault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

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
from vaultlink.portal.web import Ctx, Form, Handler

ALL_SECRETS = ["get", "list", "set", "delete", "backup", "restore", "recover", "purge"]
ALL_KEYS = ["get", "list", "update", "create", "import", "delete", "recover", "backup", "restore", "getrotationpolicy",
            "setrotationpolicy", "rotate", "encrypt", "decrypt", "unwrapKey", "wrapKey", "verify", "sign", "purge"]
ALL_CERTIFICATES = ["get", "list", "update", "create", "import", "delete", "recover", "backup", "restore",
                    "managecontacts", "manageissuers", "getissuers", "listissuers", "setissuers", "deleteissuers", "purge"]


def _check_path(ctx: Ctx) -> str:
    return f"/subscriptions/{ctx.subscription}/providers/Microsoft.KeyVault/checkNameAvailability"


async def name_availability(ctx: Ctx) -> Response:
    answer = await ctx.arm.post(_check_path(ctx), {"name": ctx.query("name"), "type": "Microsoft.KeyVault/vaults"})
    return JSONResponse({"nameAvailable": answer["nameAvailable"], "message": answer.get("message", "")})


def _endpoints(form: Form) -> list[dict[str, str]]:
    rows = zip(form.getlist("pe_name"), form.getlist("pe_location"), form.getlist("pe_subnet"), form.getlist("pe_dns"),
               strict=False)
    return [{"name": n, "location": loc, "subnet": s, "dns": d} for n, loc, s, d in rows if n]


async def _wizard(ctx: Ctx, status: int = 200) -> Response:
    vnets = await networks(ctx)
    return ctx.render("vault_create.html", status=status, form=ctx.form, groups=await groups(ctx),
                      subnets=subnet_choices(vnets), vnets=vnet_choices(vnets), endpoints=_endpoints(ctx.form))


async def create(ctx: Ctx) -> Response:
    if ctx.request.method == "GET" or ctx.form.get("action") == "edit":
        return await _wizard(ctx)
    form = ctx.form
    group, _ = chosen_group(form)
    name = form.get("name")
    vault_id = f"/subscriptions/{ctx.subscription}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}"
    try:
        await _validate(ctx, group, name, vault_id)
    except ArmError as e:
        ctx.fail(e, "Validation failed")
        return await _wizard(ctx, 400)
    if form.get("action") != "create":
        return ctx.render("vault_review.html", form=form, group=group, endpoints=_endpoints(form),
                          tags=privatelink.tags_of(form.getlist("tag_name"), form.getlist("tag_value")))
    deployment = ctx.portal.deployments.start(f"Microsoft.KeyVault-{name}", group, ctx.user["objectId"],
                                              _steps(ctx, group, vault_id), vault_id)
    return ctx.redirect(f"/deployments/{deployment.id}")


async def _validate(ctx: Ctx, group: str, name: str, vault_id: str) -> None:
    if not group:
        raise ArmError(400, "InvalidResourceGroup", "Select a resource group, or enter a name for a new one.")
    answer = await ctx.arm.post(_check_path(ctx), {"name": name, "type": "Microsoft.KeyVault/vaults"})
    if not answer["nameAvailable"]:
        raise ArmError(400, "VaultAlreadyExists" if answer.get("reason") == "AlreadyExists" else "VaultNameNotValid",
                       answer.get("message", ""))
    for pe in _endpoints(ctx.form):
        await check_subnet(ctx, pe["subnet"], pe["location"],
                           privatelink.endpoint_path(ctx.subscription, group, pe["name"]))


def _vault_body(ctx: Ctx) -> dict[str, Any]:
    form = ctx.form
    rbac = form.get("access_model", "rbac") == "rbac"
    policies = [] if rbac else [{"tenantId": ctx.user["tenantId"], "objectId": ctx.user["objectId"], "permissions": {
        "secrets": ALL_SECRETS, "keys": ALL_KEYS, "certificates": ALL_CERTIFICATES}}]
    body: dict[str, Any] = {"location": form.get("location"), "properties": {
        "tenantId": ctx.user["tenantId"], "sku": {"family": "A", "name": form.get("sku", "standard")},
        "enableRbacAuthorization": rbac, "accessPolicies": policies, "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "publicNetworkAccess": "Enabled" if form.get("public_access") == "enabled" else "Disabled",
    }}
    tags = privatelink.tags_of(form.getlist("tag_name"), form.getlist("tag_value"))
    if tags:
        body["tags"] = tags
    return body


def _steps(ctx: Ctx, group: str, vault_id: str) -> list[Step]:
    form, arm = ctx.form, ctx.arm
    location = form.get("location")
    body = _vault_body(ctx)
    steps = []
    _, new = chosen_group(form)
    if new:
        steps.append(Step(f"Resource group {group}", lambda: ensure_group(ctx, group, location)))

    async def put_vault() -> str:
        await arm.put(vault_id, body)
        return vault_id

    steps.append(Step(f"Key vault {form.get('name')}", put_vault))
    for pe in _endpoints(form):
        steps += endpoint_steps(ctx, group, pe, vault_id)
    return steps


def endpoint_steps(ctx: Ctx, group: str, pe: dict[str, str], resource: str, **options: Any) -> list[Step]:
    """The private endpoint, and with DNS integration the zone, its link and the zone group."""
    arm, sub = ctx.arm, ctx.subscription
    path = privatelink.endpoint_path(sub, group, pe["name"])
    body = privatelink.endpoint_body(location=pe["location"], subnet=pe["subnet"], resource=resource, name=pe["name"],
                                     **options)

    async def put_endpoint() -> str:
        await arm.put(path, body)
        return path

    steps = [Step(f"Private endpoint {pe['name']}", put_endpoint)]
    if pe.get("dns", "yes") == "yes":
        zone_group = pe.get("zone_group") or group
        vnet_id = pe["subnet"].rsplit("/subnets/", 1)[0]
        zone = privatelink.zone_path(sub, zone_group)
        make: list[tuple[str, Callable[[], Any]]] = [
            (f"Private DNS zone {privatelink.VAULT_ZONE}", lambda: privatelink.ensure_zone(arm, sub, zone_group)),
            (f"Virtual network link to {vnet_id.rsplit('/', 1)[1]}", lambda: privatelink.ensure_link(arm, zone, vnet_id)),
            (f"Private DNS zone group of {pe['name']}", lambda: privatelink.add_zone_group(arm, path, zone)),
        ]
        steps += [Step(title, run) for title, run in make]
    return steps


async def overview(ctx: Ctx) -> Response:
    vault = await ctx.arm.get(ctx.request.state.resource_id)
    return ctx.render("vault.html", vault=vault)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", "microsoft.keyvault/vaults", "overview"): overview,
}

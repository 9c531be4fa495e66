"""Calls several pages make: the subscription's resource groups, creating a new one, the virtual networks a
location may use, and the free addresses of a subnet."""

from __future__ import annotations

import ipaddress
from typing import Any

from vaultlink.portal.arm import ArmError
from vaultlink.portal.web import Ctx, Form

RESERVED_PER_SUBNET = 5


async def groups(ctx: Ctx) -> list[dict[str, Any]]:
    """GET /subscriptions/{s}/resourcegroups."""
    listed = await ctx.arm.get(f"/subscriptions/{ctx.subscription}/resourcegroups")
    return sorted(listed["value"], key=lambda g: g["name"].lower())


def chosen_group(form: Form) -> tuple[str, bool]:
    """The resource group a wizard names: an existing one, or (new) the name typed for a new one."""
    if form.get("group") == "(new)" or (not form.get("group") and form.get("new_group")):
        return form.get("new_group"), True
    return form.get("group"), False


async def ensure_group(ctx: Ctx, name: str, location: str) -> str:
    """PUT /subscriptions/{s}/resourcegroups/{name} when it is new; returns its id."""
    path = f"/subscriptions/{ctx.subscription}/resourcegroups/{name}"
    if await ctx.arm.find(path) is None:
        await ctx.arm.put(path, {"location": location})
    return path


async def networks(ctx: Ctx) -> list[dict[str, Any]]:
    """GET /subscriptions/{s}/providers/Microsoft.Network/virtualNetworks, with their subnets."""
    listed = await ctx.arm.all(f"/subscriptions/{ctx.subscription}/providers/Microsoft.Network/virtualNetworks")
    return sorted(listed, key=lambda v: v["name"].lower())


def subnet_choices(vnets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every subnet as a dropdown option, with its network's region so the page can filter by location."""
    return [
        {"id": s["id"], "label": f"{v['name']} / {s['name']}", "location": v["location"], "vnet": v["name"],
         "free": str(free_addresses(s))}
        for v in vnets for s in v["properties"].get("subnets", [])
    ]


def free_addresses(subnet: dict[str, Any]) -> int:
    props = subnet.get("properties", {})
    prefixes = props.get("addressPrefixes") or [props.get("addressPrefix", "0.0.0.0/32")]
    size = sum(ipaddress.ip_network(p, strict=False).num_addresses - RESERVED_PER_SUBNET for p in prefixes)
    return max(size - len(props.get("ipConfigurations") or []), 0)


async def check_subnet(ctx: Ctx, subnet_id: str, location: str, endpoint_id: str) -> None:
    """The portal's validation before create: the subnet exists, is in the endpoint's region, and has room."""
    vnet_id = subnet_id.rsplit("/subnets/", 1)[0]
    vnet = await ctx.arm.find(vnet_id)
    subnet = await ctx.arm.find(subnet_id)
    if vnet is None or subnet is None:
        raise ArmError(400, "InvalidResourceReference", f"Resource {subnet_id} referenced by resource {endpoint_id} "
                       "was not found. Please make sure that the referenced resource exists, and that both resources "
                       "are in the same region.")
    if vnet["location"].lower() != location.replace(" ", "").lower():
        raise ArmError(400, "InvalidResourceReference", f"Resource {vnet_id} referenced by resource {endpoint_id} was "
                       "not found. Please make sure that the referenced resource exists, and that both resources are "
                       f"in the same region. (The virtual network is in {vnet['location']}, the private endpoint "
                       f"in {location}.)")
    if free_addresses(subnet) <= 0:
        props = subnet["properties"]
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet['name']} with address prefix "
                       f"{props.get('addressPrefix') or props.get('addressPrefixes')} does not have enough capacity "
                       "for 1 IP addresses.")


def vnet_choices(vnets: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"id": v["id"], "name": v["name"], "location": v["location"]} for v in vnets]

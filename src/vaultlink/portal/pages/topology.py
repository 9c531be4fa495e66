"""A vault's topology, drawn as a server-rendered SVG: the vault, its private endpoints with each connection's
state, the subnets and networks they sit in with the machines there, and the private DNS zones linked to each
network (with the vault's A record in each, if any).

ARM calls: GET the vault; GET each connection's private endpoint; GET each network; GET the subscription's
virtual machines and each of their network interfaces that a drawn subnet holds; GET the subscription's private
DNS zones, each zone's links, and the vault's A record set in the zones linked to a drawn network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from vaultlink.portal.web import Ctx, Handler, name_of

STATE_COLOURS = {"Approved": "#107c10", "Pending": "#c05600", "Rejected": "#a4262c", "Disconnected": "#8a8886"}
BOX_W = 200


@dataclass
class Box:
    x: int
    y: int
    w: int
    h: int
    title: str
    lines: list[str] = field(default_factory=list)
    kind: str = ""
    href: str = ""


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str
    colour: str = "#605e5c"
    dashed: bool = False


@dataclass
class Picture:
    width: int
    height: int
    boxes: list[Box]
    edges: list[Edge]
    facts: list[str]
    """The same picture in words, for screen readers and for tests."""


async def machine_nics(ctx: Ctx, vnets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The network interfaces of the subscription's machines that sit in `vnets`: the machines name their
    interfaces, the subnets name theirs, and only the interfaces both name are read."""
    in_subnets = {c["id"].lower().split("/ipconfigurations/", 1)[0]
                  for v in vnets for s in v["properties"].get("subnets", [])
                  for c in s["properties"].get("ipConfigurations") or []}
    machines = await ctx.arm.all(f"/subscriptions/{ctx.subscription}/providers/Microsoft.Compute/virtualMachines")
    wanted = sorted({n["id"] for m in machines for n in m["properties"]["networkProfile"].get("networkInterfaces", [])
                     if n["id"].lower() in in_subnets}, key=str.lower)
    return [nic for nic in [await ctx.arm.find(i) for i in wanted] if nic is not None]


async def gather(ctx: Ctx, vault_id: str) -> dict[str, Any]:
    arm, sub = ctx.arm, ctx.subscription
    vault = await arm.get(vault_id)
    endpoints = []
    for connection in vault["properties"].get("privateEndpointConnections") or []:
        pe_id = connection["properties"].get("privateEndpoint", {}).get("id", "")
        endpoints.append({"connection": connection, "endpoint": await arm.find(pe_id) if pe_id else None})
    vnet_ids = sorted({e["endpoint"]["properties"]["subnet"]["id"].rsplit("/subnets/", 1)[0]
                       for e in endpoints if e["endpoint"]}, key=str.lower)
    vnets = [v for v in [await arm.find(i) for i in vnet_ids] if v is not None]
    nics = await machine_nics(ctx, vnets)
    zones = []
    wanted = {v["id"].lower() for v in vnets}
    for zone in await arm.all(f"/subscriptions/{sub}/providers/Microsoft.Network/privateDnsZones"):
        links = [link for link in await arm.all(f"{zone['id']}/virtualNetworkLinks")
                 if link["properties"]["virtualNetwork"]["id"].lower() in wanted]
        if links:
            record = await arm.find(f"{zone['id']}/A/{vault['name'].lower()}")
            zones.append({"zone": zone, "links": links, "record": record})
    return {"vault": vault, "endpoints": endpoints, "vnets": vnets, "nics": nics, "zones": zones}


def layout(found: dict[str, Any]) -> Picture:
    vault = found["vault"]
    boxes: list[Box] = []
    edges: list[Edge] = []
    facts: list[str] = []
    access = vault["properties"].get("publicNetworkAccess", "Enabled")
    # networks and their subnets, with the machines in each subnet
    subnet_at: dict[str, tuple[int, int]] = {}
    vnet_at: dict[str, tuple[int, int]] = {}
    y = 20
    for vnet in found["vnets"]:
        lines: list[str] = []
        top = y
        for subnet in vnet["properties"].get("subnets", []):
            machines = [n for n in found["nics"] if n["properties"].get("virtualMachine") and any(
                c["properties"].get("subnet", {}).get("id", "").lower() == subnet["id"].lower()
                for c in n["properties"].get("ipConfigurations", []))]
            subnet_at[subnet["id"].lower()] = (560, top + 40 + 18 * len(lines))
            lines.append(f"subnet {subnet['name']} {subnet['properties'].get('addressPrefix', '')}")
            for nic in machines:
                ip = nic["properties"]["ipConfigurations"][0]["properties"].get("privateIPAddress", "")
                machine = name_of(nic["properties"]["virtualMachine"]["id"])
                lines.append(f"  machine {machine} {ip}")
                facts.append(f"machine {machine} ({ip}) is in subnet {subnet['name']} of {vnet['name']}")
        height = 40 + 18 * max(len(lines), 1)
        boxes.append(Box(560, top, BOX_W + 40, height, f"virtual network {vnet['name']}", lines, "vnet"))
        vnet_at[vnet["id"].lower()] = (560 + BOX_W + 40, top + height // 2)
        y = top + height + 20
    # endpoints, and the vault's connection to each
    ey = 20
    vault_y = 20
    for item in found["endpoints"]:
        connection, endpoint = item["connection"], item["endpoint"]
        state = connection["properties"]["privateLinkServiceConnectionState"]["status"]
        name = name_of(connection["properties"].get("privateEndpoint", {}).get("id", "")) or name_of(connection["id"])
        ip = ""
        if endpoint:
            configs = endpoint["properties"].get("customDnsConfigs") or []
            ip = (configs[0].get("ipAddresses") or [""])[0] if configs else ""
        boxes.append(Box(300, ey, BOX_W, 56, f"private endpoint {name}", [f"{state}  {ip}"], "endpoint"))
        edges.append(Edge(20 + BOX_W, vault_y + 30, 300, ey + 28, state, STATE_COLOURS.get(state, "#605e5c"),
                          state != "Approved"))
        facts.append(f"private endpoint {name} ({ip or 'no address'}): connection {state}")
        if endpoint:
            subnet = endpoint["properties"]["subnet"]["id"].lower()
            if subnet in subnet_at:
                sx, sy = subnet_at[subnet]
                edges.append(Edge(300 + BOX_W, ey + 28, sx, sy - 5, "in subnet"))
                facts.append(f"private endpoint {name} is in subnet {name_of(subnet)} of {subnet.split('/')[-3]}")
        ey += 76
    # zones linked to the networks
    zy = 20
    for z in found["zones"]:
        record = z["record"]
        ips = [a["ipv4Address"] for a in (record or {}).get("properties", {}).get("aRecords", [])]
        line = f"A {vault['name'].lower()} -> {', '.join(ips)}" if ips else f"no A record '{vault['name'].lower()}'"
        boxes.append(Box(920, zy, BOX_W + 60, 56, f"private DNS zone {z['zone']['name']}", [line], "zone"))
        for link in z["links"]:
            vx, vy = vnet_at.get(link["properties"]["virtualNetwork"]["id"].lower(), (800, zy))
            edges.append(Edge(vx, vy, 920, zy + 28, "linked"))
            facts.append(f"private DNS zone {z['zone']['name']} is linked to "
                         f"{name_of(link['properties']['virtualNetwork']['id'])}; {line}")
        zy += 76
    boxes.insert(0, Box(20, vault_y, BOX_W, 60, f"key vault {vault['name']}", [f"public access {access}"], "vault"))
    facts.insert(0, f"key vault {vault['name']}: public network access {access}")
    height = max(y, ey, zy, 100) + 10
    return Picture(1200, height, boxes, edges, facts)


async def show(ctx: Ctx) -> Response:
    picture = layout(await gather(ctx, ctx.request.state.resource_id))
    return ctx.render("topology.html", picture=picture, vault_id=ctx.request.state.resource_id)


RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    ("GET", "microsoft.keyvault/vaults", "topology"): show,
}

"""The private-link troubleshooting checks, each a pure function over a Snapshot and a location, in the order a
person walks them: the connection, the zone, its link, the record, the record's address, the zone group, public
access and the firewall, the caller's permission, and on-premises forwarders.

Every verdict leans on the network model's own decisions (`view_for`, `resolve`, `route`, `admit`, and the
RBAC decision of identity/rbac.py), so a check can only say what the vault and the DNS server would do. A check
that depends on one that failed earlier says "not applicable" instead of repeating the failure, so the first
failing check is the cause.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vaultlink.diagnose import fixes
from vaultlink.diagnose.near import near_miss_records, near_miss_zones
from vaultlink.diagnose.report import ClientView, Evidence, Fix, Report, Result, Verdict
from vaultlink.diagnose.snapshot import CONNECTIONS, Snapshot
from vaultlink.identity.rbac import decide_among, narrowest_role
from vaultlink.network.admit import Admission, admit
from vaultlink.network.arrive import arrive
from vaultlink.network.location import Location
from vaultlink.network.onprem import site_forwarders
from vaultlink.network.resolve import PRIVATELINK_ZONE, Answer, resolve, view_for
from vaultlink.network.route import ENDPOINT, PUBLIC, Landing, route
from vaultlink.network.topology import (
    SITE_PREFIX,
    Connection,
    ConnectionStatus,
    PrivateEndpoint,
    PrivateZone,
    Vault,
)

SECRET_READ = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
"""What the permission check asks for: reading a secret, the read a client makes first."""

PASS, FAIL, WARN, NA, UNKNOWN = Verdict.PASS, Verdict.FAIL, Verdict.WARN, Verdict.NOT_APPLICABLE, Verdict.UNKNOWN


class UnknownVault(LookupError):
    """The snapshot holds no vault of that name."""


class UnknownLocation(LookupError):
    """The location names no machine or virtual network of the snapshot."""


def location_of(snapshot: Snapshot, where: str) -> Location:
    """`internet`, `vm:NAME` (a machine, by name or id), or a virtual network's id (a client inside it)."""
    if where.lower() == "internet":
        return Location()
    if where.lower().startswith("vm:"):
        found = snapshot.machine_location(where[3:])
        if found is None:
            raise UnknownLocation(f"No machine named '{where[3:]}' is in the snapshot (see `vaultlink vm list`).")
        return found
    found = snapshot.network_location(where)
    if found is None:
        raise UnknownLocation(f"'{where}' is not a location: use internet, vm:NAME, or the id of a virtual network "
                              "with a subnet.")
    return found


@dataclass(frozen=True)
class Context:
    """What every check reads: the snapshot, the vault, where the client is, and the network model's answers
    for that place (computed once)."""

    snapshot: Snapshot
    vault: Vault
    location: Location
    caller: str | None
    view: tuple[str | None, str] | None
    answer: Answer | None
    landing: Landing | None
    admission: Admission | None

    @property
    def host(self) -> str:
        return f"{self.vault.name}.vault.azure.net"

    @property
    def inside(self) -> bool:
        return not self.location.on_internet

    @property
    def on_site(self) -> bool:
        return (self.location.virtual_network or "").startswith(SITE_PREFIX)

    @property
    def resolver_vnet(self) -> str | None:
        return self.view[0] if self.view is not None else None

    def exact_zones(self) -> list[PrivateZone]:
        return [z for z in self.snapshot.topology.zones if z.name == PRIVATELINK_ZONE]

    def linked_zone(self) -> PrivateZone | None:
        vnet = self.resolver_vnet
        return next((z for z in self.exact_zones() if vnet is not None and z.link_for(vnet) is not None), None)

    def endpoints(self) -> list[tuple[PrivateEndpoint, Connection]]:
        return self.snapshot.topology.vault_endpoints(self.vault.id)

    def reachable(self, pe: PrivateEndpoint) -> bool:
        here = self.location.virtual_network
        return here is not None and pe.subnet.rsplit("/subnets/", 1)[0] in self.snapshot.topology.reachable_vnets(here)

    def vault_side(self, endpoint: str) -> Mapping[str, Any] | None:
        """The vault's record of its connection from this endpoint (embedded in the vault, or its own resource)."""
        body = self.snapshot.body(self.vault.id) or {}
        embedded = list((body.get("properties") or {}).get("privateEndpointConnections") or [])
        own = self.snapshot.children(self.vault.id, CONNECTIONS)
        for c in embedded + own:
            pe = ((c.get("properties") or {}).get("privateEndpoint") or {}).get("id", "")
            if str(pe).lower().rstrip("/") == endpoint:
                found: Mapping[str, Any] = c
                return found
        return None


Check = Callable[[Context], Result]


def run_checks(snapshot: Snapshot, vault: str, location: Location, *, caller: str | None = None) -> Report:
    """Every check from `location` (a machine's, `Location()` for the internet, or `snapshot.network_location`),
    for `caller` (an object id; None: the permission check cannot decide)."""
    model = snapshot.topology.vaults.get(vault.lower())
    if model is None:
        raise UnknownVault(f"The vault '{vault}' is not in the snapshot: no Microsoft.KeyVault/vaults resource named "
                           f"'{vault}' was found.")
    topology = snapshot.topology
    view = view_for(topology, location.virtual_network)
    host = f"{model.name}.vault.azure.net"
    answer = resolve(topology, view[0], host) if view is not None else None
    arrival = arrive(topology, location, host)
    landing = arrival.landing
    admission = admit(topology, model, landing, location) if landing is not None else None
    ctx = Context(snapshot, model, location, caller, view, answer, landing, admission)
    results: list[Result] = []
    for check in CHECKS:
        results.append(check(ctx) if not _blocked(check, results) else _skipped(check, results))
    return Report(model.name, describe(snapshot, location), tuple(results), _client_view(ctx, results), caller,
                  vault_id=str(snapshot.spelled(model.id)))


def describe(snapshot: Snapshot, location: Location) -> str:
    """The location in a person's words: the machine's name and address, or the internet."""
    machine = snapshot.topology.machines.get(location.machine or "")
    if machine is not None:
        return f"machine {machine.name} ({machine.address}, in {_name(machine.subnet.rsplit('/subnets/', 1)[0])})"
    if location.machine is not None:
        return f"virtual network {_name(location.virtual_network or '')}"
    return location.describe()


# ---- the seed's checks ------------------------------------------------------------------------------------

def connection(ctx: Context) -> Result:
    title = "Private endpoint connection approved"
    if not ctx.inside:
        return Result("connection", title, NA, "the client is on the internet: private endpoints do not apply")
    pairs = ctx.endpoints()
    if not pairs:
        return Result("connection", title, FAIL, f"{ctx.vault.name} has no private endpoint",
                      f"No private endpoint connects to {ctx.vault.name}, so from a virtual network its name resolves "
                      "to the public address.", (Evidence(ctx.vault.id, "privateEndpointConnections", "none"),),
                      fixes.create_endpoint(ctx.snapshot, ctx.vault, ctx.location))
    reachable = [(pe, c) for pe, c in pairs if ctx.reachable(pe)]
    if not reachable:
        pe, _ = pairs[0]
        here = ctx.location.virtual_network or ""
        return Result("connection", title, FAIL, f"no endpoint of {ctx.vault.name} is reachable from {_name(here)}",
                      f"The private endpoint {_name(pe.id)} is in {_name(pe.subnet.rsplit('/subnets/', 1)[0])}, which is "
                      f"not {_name(here)} and not peered with it both ways.",
                      (Evidence(pe.id, "subnet", pe.subnet, f"a subnet of {here}"),),
                      fixes.create_endpoint(ctx.snapshot, ctx.vault, ctx.location))
    for pe, c in reachable:
        side = ctx.vault_side(pe.id) or {}
        props = side.get("properties") or {}
        vault_status = str((props.get("privateLinkServiceConnectionState") or {}).get("status") or c.status)
        pe_body = ctx.snapshot.body(pe.id) or {}
        pe_state = str((pe_body.get("properties") or {}).get("provisioningState") or "Succeeded")
        vault_state = str(props.get("provisioningState") or "Succeeded")
        if c.status == ConnectionStatus.APPROVED and vault_status == ConnectionStatus.APPROVED and \
                pe_state == "Succeeded" and vault_state == "Succeeded":
            return Result("connection", title, PASS, f"{_name(pe.id)} is Approved and Succeeded",
                          evidence=(Evidence(pe.id, "privateLinkServiceConnectionState.status", c.status, "Approved"),
                                    Evidence(pe.id, "provisioningState", pe_state, "Succeeded")))
    pe, c = reachable[0]
    side = ctx.vault_side(pe.id) or {}
    props = side.get("properties") or {}
    state = props.get("privateLinkServiceConnectionState") or {}
    status = str(state.get("status") or c.status)
    name = str(side.get("name") or _name(str(side.get("id", ""))) or _name(pe.id))
    said = f" ({state['description']})" if state.get("description") else ""
    evidence = (Evidence(str(side.get("id") or pe.id), "privateLinkServiceConnectionState.status", status, "Approved"),
                Evidence(pe.id, "provisioningState",
                         str(((ctx.snapshot.body(pe.id) or {}).get("properties") or {}).get("provisioningState")
                             or "Succeeded"), "Succeeded"))
    return Result("connection", title, FAIL, f"the connection {name} is {status}",
                  f"The private endpoint connection {name} of {_name(pe.id)} is {status}{said}, not Approved, so "
                  f"{ctx.host} has no privatelink alias and resolves to the public address"
                  + (", where public access is disabled." if ctx.vault.public_network_access.lower() == "disabled"
                     else "."), evidence, fixes.connection(ctx.snapshot, ctx.vault, pe, name, status))


def zone(ctx: Context) -> Result:
    title = f"Private DNS zone {PRIVATELINK_ZONE} exists"
    if not ctx.inside:
        return Result("zone", title, NA, "the client is on the internet: private zones do not apply")
    exact = ctx.exact_zones()
    if exact:
        chosen = ctx.linked_zone() or exact[0]
        return Result("zone", title, PASS, f"{_name(chosen.id)} in {ctx.snapshot.spelled(chosen.id).resource_group}",
                      evidence=(Evidence(chosen.id, "name", chosen.name, PRIVATELINK_ZONE),))
    misses = near_miss_zones([z.name for z in ctx.snapshot.topology.zones])
    miss = next((z for z in ctx.snapshot.topology.zones if z.name in misses), None)
    if miss is not None:
        return Result("zone", title, FAIL, f"found {miss.name}, a near miss of {PRIVATELINK_ZONE}",
                      f"The private DNS zone is named {miss.name}; Key Vault's privatelink alias is in "
                      f"{PRIVATELINK_ZONE}, so no record in {miss.name} is ever asked for.",
                      (Evidence(miss.id, "name", miss.name, PRIVATELINK_ZONE),),
                      fixes.zone(ctx.snapshot, ctx.vault, ctx.location, miss))
    return Result("zone", title, FAIL, f"no private DNS zone named {PRIVATELINK_ZONE}",
                  f"There is no private DNS zone {PRIVATELINK_ZONE}, so {ctx.vault.name}.{PRIVATELINK_ZONE} resolves "
                  "publicly, to the vault's public address.", (Evidence("", "privateDnsZones", "none", PRIVATELINK_ZONE),),
                  fixes.zone(ctx.snapshot, ctx.vault, ctx.location, None))


def link(ctx: Context) -> Result:
    title = "Zone linked to the client's resolver network"
    if not ctx.inside:
        return Result("link", title, NA, "the client is on the internet: zone links do not apply")
    if ctx.on_site:
        return Result("link", title, NA, "an on-premises client: its DNS server's forwarders decide (see below)")
    if ctx.view is None:
        vnet = ctx.location.virtual_network or ""
        servers = ", ".join(ctx.snapshot.topology.vnets[vnet].dns_servers) if vnet in ctx.snapshot.topology.vnets else ""
        return Result("link", title, FAIL, f"the custom DNS server {servers} answers nobody",
                      f"{_name(vnet)} names the custom DNS servers {servers}, and no machine in the snapshot serves "
                      "DNS there, so the client's queries go unanswered.",
                      (Evidence(vnet, "dhcpOptions.dnsServers", servers),), fixes.dns_servers(ctx.snapshot, vnet))
    resolver_vnet, resolver = ctx.view
    assert resolver_vnet is not None
    vnet = resolver_vnet
    found = ctx.linked_zone()
    if found is not None:
        zone_link = found.link_for(vnet)
        assert zone_link is not None
        return Result("link", title, PASS, f"{_name(zone_link.id)} links {_name(vnet)}",
                      evidence=(Evidence(zone_link.id, "virtualNetwork.id", zone_link.vnet, vnet),))
    target = ctx.exact_zones()[0]
    linked = ", ".join(_name(z.vnet) for z in target.links) or "none"
    where = f"is linked to {linked}, not to {_name(vnet)}" if target.links else "is not linked to any network"
    return Result("link", title, FAIL, f"{PRIVATELINK_ZONE} is not linked to {_name(vnet)}",
                  f"The client asks {_short(resolver)}; the zone {PRIVATELINK_ZONE} {where}, so the privatelink "
                  "name is answered publicly, with the vault's public address.",
                  (Evidence(target.id, "virtualNetworkLinks", linked, vnet),),
                  fixes.link(ctx.snapshot, target, vnet))


def record(ctx: Context) -> Result:
    title = "A record with the vault's bare name"
    zone_ = ctx.linked_zone()
    if not ctx.inside or zone_ is None:
        return Result("record", title, NA, "no linked zone to hold it" if ctx.inside else
                      "the client is on the internet: private records do not apply")
    wanted = ctx.vault.name
    rec = zone_.records.get((wanted, "A"))
    if rec is not None and rec.values:
        return Result("record", title, PASS, f"{wanted} A {', '.join(rec.values)}",
                      evidence=(Evidence(_record_id(zone_, wanted), "aRecords", ", ".join(rec.values)),))
    names = sorted({name for name, kind in zone_.records if kind in ("A", "CNAME")})
    misses = near_miss_records(wanted, names)
    address = _endpoint_address(ctx)
    if misses:
        miss = misses[0]
        shape = "the doubled suffix" if miss.startswith(wanted + ".") else "a misspelling"
        return Result("record", title, FAIL, f"found '{miss}' ({shape}), not '{wanted}'",
                      f"The zone {PRIVATELINK_ZONE} has a record named '{miss}', {shape}: Azure DNS looks up "
                      f"'{wanted}' (the vault's bare name, no suffix) and answers NXDOMAIN.",
                      (Evidence(_record_id(zone_, miss), "name", miss, wanted),),
                      fixes.record(ctx.snapshot, zone_, wanted, address, miss))
    return Result("record", title, FAIL, f"no A record '{wanted}' in {PRIVATELINK_ZONE}",
                  f"The zone {PRIVATELINK_ZONE} is linked to the client's resolver network but has no record "
                  f"'{wanted}', so Azure DNS answers NXDOMAIN for {wanted}.{PRIVATELINK_ZONE}.",
                  (Evidence(zone_.id, "recordSets", ", ".join(names) or "none", wanted),),
                  fixes.record(ctx.snapshot, zone_, wanted, address, None))


def address(ctx: Context) -> Result:
    title = "Record's address is this vault's endpoint"
    zone_ = ctx.linked_zone()
    rec = zone_.records.get((ctx.vault.name, "A")) if zone_ is not None else None
    if not ctx.inside or zone_ is None or rec is None or not rec.values:
        return Result("address", title, NA, "no record to compare")
    found = rec.values[0]
    landing = route(ctx.snapshot.topology, ctx.location, found)
    mine = landing.kind == ENDPOINT and landing.endpoint is not None and \
        any(c.vault_id == ctx.vault.id for c in landing.endpoint.connections)
    expected = _endpoint_address(ctx)
    rid = _record_id(zone_, ctx.vault.name)
    if mine:
        assert landing.endpoint is not None
        return Result("address", title, PASS, f"{found} is {_name(landing.endpoint.id)}'s address",
                      evidence=(Evidence(rid, "aRecords[0].ipv4Address", found, expected or found),))
    drift = _zone_group_of(ctx, zone_)
    held = f" The zone group {_name(drift)} wrote this record; it was changed by hand since." if drift else ""
    return Result("address", title, FAIL, f"{found}, but the endpoint's address is {expected or 'unknown'}",
                  f"The A record '{ctx.vault.name}' holds {found}, and {landing.reason}. The private endpoint's network "
                  f"interface has {expected or 'no address in the snapshot'}.{held}",
                  (Evidence(rid, "aRecords[0].ipv4Address", found, expected or ""),),
                  fixes.address(ctx.snapshot, zone_, ctx.vault.name, expected, found) if expected else None)


def zonegroup(ctx: Context) -> Result:
    title = "Zone group keeps the record"
    zone_ = ctx.linked_zone() or next(iter(ctx.exact_zones()), None)
    if not ctx.inside or zone_ is None or not ctx.endpoints():
        return Result("zonegroup", title, NA, "no endpoint and zone to join")
    group = _zone_group_of(ctx, zone_)
    if group:
        return Result("zonegroup", title, PASS, f"{_name(group)} writes the record",
                      evidence=(Evidence(group, "privateDnsZoneConfigs", zone_.id),))
    pe = _client_endpoint(ctx)
    return Result("zonegroup", title, WARN, "the record is hand-made",
                  f"No private DNS zone group of {_name(pe.id) if pe else 'the endpoint'} names {PRIVATELINK_ZONE}: the "
                  "record was written by hand and will not follow the endpoint's address if it changes.",
                  (Evidence(pe.id if pe else "", "privateDnsZoneGroups", "none", zone_.id),),
                  fixes.zone_group(ctx.snapshot, pe, zone_) if pe else None)


# ---- beyond the seed --------------------------------------------------------------------------------------

def firewall(ctx: Context) -> Result:
    title = "Public network access and firewall"
    v = ctx.vault
    if ctx.landing is None or ctx.admission is None:
        return Result("firewall", title, NA, "the client reaches no address")
    if ctx.landing.kind != PUBLIC:
        return Result("firewall", title, NA, "over a private endpoint: the public rules do not apply")
    evidence = (Evidence(v.id, "publicNetworkAccess", v.public_network_access),
                Evidence(v.id, "networkAcls.defaultAction", v.default_action),
                Evidence(v.id, "networkAcls.ipRules", ", ".join(v.ip_rules) or "none", ctx.admission.client_address),
                Evidence(v.id, "networkAcls.virtualNetworkRules", ", ".join(_name(r) for r in v.vnet_rules) or "none",
                         _name(ctx.location.subnet or "") if ctx.location.subnet else ""),
                Evidence(v.id, "networkAcls.bypass", v.bypass))
    if ctx.admission.allowed:
        return Result("firewall", title, PASS, ctx.admission.reason, evidence=evidence)
    return Result("firewall", title, FAIL, f"{ctx.admission.refusal}: {ctx.admission.reason}",
                  f"The request lands on {v.name}'s public endpoint and {ctx.admission.reason} "
                  f"({ctx.admission.refusal}). The trusted-services bypass ({v.bypass}) admits Azure services only, "
                  "not this client.", evidence, fixes.firewall(ctx.snapshot, v, ctx.admission))


def permission(ctx: Context) -> Result:
    title = "Caller may read secrets"
    body = ctx.snapshot.body(ctx.vault.id) or {}
    props = body.get("properties") or {}
    if ctx.caller is None:
        return Result("permission", title, UNKNOWN, "no caller given")
    if props.get("enableRbacAuthorization"):
        if ctx.snapshot.role_assignments is None:
            return Result("permission", title, UNKNOWN, "role assignments are not in the snapshot")
        decision = decide_among(ctx.snapshot.role_assignments, ctx.caller, SECRET_READ, ctx.vault.id, data=True)
        evidence = (Evidence(ctx.vault.id, "roleAssignments", decision.reason, SECRET_READ),)
        if decision.allowed:
            return Result("permission", title, PASS, _short(decision.reason), evidence=evidence)
        role = narrowest_role(SECRET_READ, data=True)
        role_name = role.name if role is not None else "Key Vault Secrets User"
        return Result("permission", title, FAIL, f"no role grants getSecret; '{role_name}' would",
                      f"The vault uses Azure RBAC and {decision.reason} for {ctx.caller}; the narrowest built-in "
                      f"role that grants it is '{role_name}' (ForbiddenByRbac).", evidence,
                      fixes.role(ctx.snapshot, ctx.vault, ctx.caller, role_name))
    policies = [p for p in props.get("accessPolicies") or [] if str(p.get("objectId", "")).lower() == ctx.caller.lower()]
    granted = {str(x).lower() for p in policies for x in (p.get("permissions") or {}).get("secrets") or []}
    evidence = (Evidence(ctx.vault.id, "accessPolicies", ", ".join(sorted(granted)) or "none", "secrets get"),)
    if granted & {"get", "all"}:
        return Result("permission", title, PASS, "an access policy grants secrets get", evidence=evidence)
    return Result("permission", title, FAIL, "no access policy grants secrets get",
                  f"The vault uses access policies and none for {ctx.caller} grants secrets get (Forbidden).", evidence,
                  fixes.policy(ctx.snapshot, ctx.vault, ctx.caller))


FORWARDED_ZONES = ("vault.azure.net", "vaultcore.azure.net")
"""The zones an on-premises DNS server forwards to Azure for Key Vault behind a private endpoint."""


def on_premises_forwarders(ctx: Context) -> Result:
    """From a machine in an on-premises site: does the site's DNS server give the vault's private address? When
    it does not, which conditional forwarder is missing, or reaches no resolver of a network linked to the zone
    (network/onprem.py's `site_forwarders`)."""
    title = "On-premises conditional forwarders"
    here = ctx.location.virtual_network or ""
    if not here.startswith(SITE_PREFIX):
        return Result("onpremises", title, NA, "the client is not on an on-premises site")
    site = here[len(SITE_PREFIX):]
    checks = site_forwarders(ctx.snapshot.topology, site)
    evidence = tuple(Evidence(f"site {site}", f"forwarder {c.zone}", "; ".join(
        f"{t.target}: {t.server}" + ("" if t.has_zone or not t.reached else f" (not linked to {PRIVATELINK_ZONE})")
        for t in c.targets), f"a resolver of a network linked to {PRIVATELINK_ZONE}") for c in checks)
    if ctx.landing is not None and ctx.landing.kind == ENDPOINT:
        return Result("onpremises", title, PASS, f"site {site}'s DNS server answers {ctx.host} with "
                      f"{ctx.landing.address}", evidence=evidence)
    missing = [z for z in FORWARDED_ZONES if not any(c.zone in (z, "") or z.endswith("." + c.zone) for c in checks)]
    broken = next((c for c in checks if not c.answers and any(z == c.zone or z.endswith("." + c.zone)
                                                               for z in FORWARDED_ZONES)), None)
    target = _inbound_address(ctx)
    fix = Fix(tuple(f"vaultlink site forwarder add {shlex.quote(site)} --zone {z} --to {target}"
                    for z in (missing or [broken.zone if broken else FORWARDED_ZONES[0]])),
              f"the on-premises DNS server of {site}: conditional forwarders for {' and '.join(FORWARDED_ZONES)} to "
              f"the inbound endpoint of a DNS Private Resolver ({target}) in a network linked to {PRIVATELINK_ZONE}"
              ) if target else None
    if broken is not None:
        summary = f"the forwarder for {broken.zone} reaches no resolver that has {PRIVATELINK_ZONE}"
    elif missing:
        summary = f"no conditional forwarder for {', '.join(missing)}"
    else:
        summary = f"site {site}'s DNS server does not give {ctx.host} a private address"
    return Result("onpremises", title, FAIL, summary,
                  f"From site {site}, {summary}, so {ctx.host} resolves as the internet resolves it, to the public "
                  "address.", evidence, fix)


def _inbound_address(ctx: Context) -> str | None:
    """A DNS Private Resolver inbound endpoint the site reaches, in a network linked to the privatelink zone."""
    linked = {link.vnet for z in ctx.exact_zones() for link in z.links}
    reachable = ctx.snapshot.topology.reachable_vnets(ctx.location.virtual_network or "")
    for inbound in ctx.snapshot.topology.inbound_endpoints:
        if inbound.vnet in linked and inbound.vnet in reachable:
            return inbound.address
    return None


CHECKS: tuple[Check, ...] = (connection, zone, link, record, address, zonegroup, on_premises_forwarders, firewall,
                             permission)
DEPENDS = {"link": ("zone",), "record": ("zone", "link"), "address": ("record",), "zonegroup": ("record",),
           "firewall": ("connection", "zone", "link", "record", "address", "onpremises")}
"""A check that cannot be judged once another failed: it answers not applicable, naming the one to fix first
(from inside a network, a broken private path sends the client to the public endpoint, whose refusal follows
from it)."""
NAMES: dict[Check, str] = {connection: "connection", zone: "zone", link: "link", record: "record", address: "address",
         zonegroup: "zonegroup", firewall: "firewall", permission: "permission", on_premises_forwarders: "onpremises"}
TITLES = {"link": "Zone linked to the client's resolver network", "record": "A record with the vault's bare name",
          "address": "Record's address is this vault's endpoint", "zonegroup": "Zone group keeps the record",
          "firewall": "Public network access and firewall", "onpremises": "On-premises conditional forwarders"}


def _blocked(check: Check, done: list[Result]) -> bool:
    failed = {r.check for r in done if r.failed}
    return any(d in failed for d in DEPENDS.get(NAMES[check], ()))


def _skipped(check: Check, done: list[Result]) -> Result:
    name = NAMES[check]
    first = next(r.check for r in done if r.failed and r.check in DEPENDS[name])
    return Result(name, TITLES.get(name, name), NA, f"fix '{first}' first")


# ---- what the client sees ---------------------------------------------------------------------------------

def _client_view(ctx: Context, results: list[Result]) -> ClientView:
    resolver = _short(ctx.view[1]) if ctx.view is not None else "a custom DNS server that does not answer"
    answer = ctx.answer
    rcode = answer.rcode if answer is not None else "TIMEOUT"
    addresses = tuple(answer.addresses) if answer is not None else ()
    aliases = tuple(answer.aliases) if answer is not None else ()
    if ctx.landing is None:
        return ClientView(ctx.host, resolver, rcode, addresses, aliases, "unresolved",
                          answer.reasons[-1] if answer is not None and answer.reasons else "no answer", None,
                          "name resolution failed")
    if ctx.landing.kind not in (PUBLIC, ENDPOINT):
        return ClientView(ctx.host, resolver, rcode, addresses, aliases, ctx.landing.kind, ctx.landing.reason, None,
                          "the connection times out")
    assert ctx.admission is not None
    if not ctx.admission.allowed:
        return ClientView(ctx.host, resolver, rcode, addresses, aliases, ctx.landing.kind, ctx.landing.reason, 403,
                          ctx.admission.refusal)
    perm = next(r for r in results if r.check == "permission")
    if perm.failed:
        rbac = bool(((ctx.snapshot.body(ctx.vault.id) or {}).get("properties") or {}).get("enableRbacAuthorization"))
        return ClientView(ctx.host, resolver, rcode, addresses, aliases, ctx.landing.kind, ctx.landing.reason, 403,
                          "ForbiddenByRbac" if rbac else "Forbidden")
    return ClientView(ctx.host, resolver, rcode, addresses, aliases, ctx.landing.kind, ctx.landing.reason,
                      200 if perm.verdict == PASS else None, None)


# ---- helpers ----------------------------------------------------------------------------------------------

def _name(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1]


def _short(text: str) -> str:
    """Resource ids inside a sentence (bare or quoted), by their last name."""
    return re.sub(r"/subscriptions/[^\s']+", lambda m: _name(m.group(0)), text)


def _record_id(zone_: PrivateZone, name: str) -> str:
    return f"{zone_.id}/a/{name}"


def _client_endpoint(ctx: Context) -> PrivateEndpoint | None:
    pairs = [(pe, c) for pe, c in ctx.endpoints() if ctx.reachable(pe)] or ctx.endpoints()
    approved = [pe for pe, c in pairs if c.status == ConnectionStatus.APPROVED]
    chosen = approved or [pe for pe, _ in pairs]
    return chosen[0] if chosen else None


def _endpoint_address(ctx: Context) -> str | None:
    pe = _client_endpoint(ctx)
    return pe.address if pe is not None else None


def _zone_group_of(ctx: Context, zone_: PrivateZone) -> str | None:
    """The zone group of one of the vault's endpoints that names this zone, by its id."""
    for pe, _ in ctx.endpoints():
        for group in ctx.snapshot.zone_groups(pe.id):
            for config in (group.get("properties") or {}).get("privateDnsZoneConfigs") or []:
                zid = str((config.get("properties") or {}).get("privateDnsZoneId") or "").lower().rstrip("/")
                if zid == zone_.id:
                    return str(group.get("id") or "").lower()
    return None

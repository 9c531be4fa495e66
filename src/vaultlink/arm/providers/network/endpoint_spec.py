"""What a private endpoint PUT asks for, checked before anything is looked up or written.

A private endpoint has exactly one connection, automatic (`privateLinkServiceConnections`) or manual
(`manualPrivateLinkServiceConnections`), to a private-link resource of a known type, for group ids that
resource offers. Static addresses (`ipConfigurations`) name the group and member each address serves and
must cover every member the resource requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultlink.arm import privatelink, tracked
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.providers.network import schemas
from vaultlink.arm.providers.network.base import parse_ref
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.network import addressing

REQUEST_MESSAGE_LIMIT = 140


@dataclass(frozen=True)
class ConnectionSpec:
    name: str
    manual: bool
    target: ResourceId
    kind: privatelink.LinkTarget
    group_ids: list[str]
    request_message: str | None

    def id(self, endpoint: ResourceId) -> str:
        collection = "manualPrivateLinkServiceConnections" if self.manual else "privateLinkServiceConnections"
        return f"{endpoint}/{collection}/{self.name}"


@dataclass(frozen=True)
class StaticAddress:
    name: str
    group_id: str
    member: str
    address: str

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "properties": {"groupId": self.group_id, "memberName": self.member,
                                                  "privateIPAddress": self.address}}


@dataclass(frozen=True)
class EndpointSpec:
    rid: ResourceId
    location: str
    tags: dict[str, str] | None
    subnet: ResourceId
    connection: ConnectionSpec
    static: list[StaticAddress] | None
    """None when the request leaves `ipConfigurations` out."""
    custom_nic_name: str | None
    custom_dns: list[dict[str, Any]] | None


def parse(rid: ResourceId, body: dict[str, Any]) -> EndpointSpec:
    tracked.check_network_name(rid.name, rid.type, 2, 64)
    location = tracked.location_of(body, rid.type)
    tags = tracked.tags_of(body.get("tags"))
    props = tracked.properties_of(body)
    if props.get("subnet") is None:
        raise errors.InvalidRequestFormat(f"Cannot parse the request: private endpoint {rid} needs a 'subnet'.")
    subnet = parse_ref(props["subnet"], "subnet")
    connection = _connection(rid, props)
    static = _static(rid, props, connection)
    custom_nic = props.get("customNetworkInterfaceName") or None
    if custom_nic is not None:
        if not isinstance(custom_nic, str):
            raise errors.InvalidRequestFormat("Cannot parse the request: 'customNetworkInterfaceName' must be a string.")
        tracked.check_network_name(custom_nic, "Microsoft.Network/networkInterfaces", 1, 80)
    return EndpointSpec(rid, location, tags, subnet, connection, static, custom_nic, _custom_dns(props))


def _connection(rid: ResourceId, props: dict[str, Any]) -> ConnectionSpec:
    automatic = schemas.object_list(props.get("privateLinkServiceConnections"), "privateLinkServiceConnections")
    manual = schemas.object_list(props.get("manualPrivateLinkServiceConnections"), "manualPrivateLinkServiceConnections")
    if len(automatic) + len(manual) != 1:
        raise net.OnlyOnePrivateLinkServiceConnectionPermitted(endpoint=str(rid), count=len(automatic) + len(manual))
    is_manual = bool(manual)
    item = (manual or automatic)[0]
    collection = "manualPrivateLinkServiceConnections" if is_manual else "privateLinkServiceConnections"
    name = item.get("name")
    conn_id = f"{rid}/{collection}/{name or ''}"
    if not isinstance(name, str) or not name:
        raise net.MissingParameterOnPrivateLinkServiceConnection(connection=conn_id, parameter="name")
    cprops = schemas.props_of(item, collection)
    service = cprops.get("privateLinkServiceId")
    if not service:
        raise net.MissingParameterOnPrivateLinkServiceConnection(connection=conn_id, parameter="private link service id")
    target = ResourceId.try_parse(service) if isinstance(service, str) else None
    if target is None:
        raise net.UnsupportedPrivateLinkResourceType(connection=conn_id, resource=service, type="")
    kind = privatelink.target_for(target)
    if kind is None:
        raise net.UnsupportedPrivateLinkResourceType(connection=conn_id, resource=str(target), type=target.type)
    wanted = schemas.string_list(cprops.get("groupIds"), f"{collection}.groupIds")
    if not wanted:
        raise net.MissingParameterOnPrivateLinkServiceConnection(connection=conn_id, parameter="group Id")
    if len(wanted) > 1:
        raise net.OnlyOneGroupIdPermitted(connection=conn_id, group_ids=", ".join(wanted), resource=str(target))
    group_ids = []
    for group in wanted:
        known = next((g for g in kind.group_ids if g.lower() == group.lower()), None)
        if known is None:
            raise net.InvalidPrivateLinkServiceConnectionGroupId(
                connection=conn_id, group_id=group, resource=str(target), group_ids=", ".join(kind.group_ids)
            )
        group_ids.append(known)
    message = cprops.get("requestMessage")
    if message is not None and not isinstance(message, str):
        raise errors.InvalidRequestFormat("Cannot parse the request: 'requestMessage' must be a string.")
    if message is not None and len(message) > REQUEST_MESSAGE_LIMIT:
        raise net.PrivateLinkServiceConnectionRequestMessageTooLong(connection=conn_id, length=len(message))
    return ConnectionSpec(name, is_manual, target, kind, group_ids, message)


def _static(rid: ResourceId, props: dict[str, Any], connection: ConnectionSpec) -> list[StaticAddress] | None:
    if "ipConfigurations" not in props:
        return None
    items = schemas.object_list(props.get("ipConfigurations"), "ipConfigurations")
    if not items:
        return []
    out: list[StaticAddress] = []
    for item in items:
        name = item.get("name")
        p = schemas.props_of(item, "ipConfigurations")
        group, member, address = p.get("groupId"), p.get("memberName"), p.get("privateIPAddress")
        if not all(isinstance(v, str) and v for v in (name, group, member, address)):
            raise errors.InvalidRequestFormat(
                "Cannot parse the request: each of 'ipConfigurations' needs a 'name' and 'properties' with "
                "'groupId', 'memberName' and 'privateIPAddress'."
            )
        try:
            addressing.parse_address(address)
        except addressing.AddressError:
            raise net.InvalidPrivateIPAddress(value=address, ip_configuration=f"{rid}/ipConfigurations/{name}") from None
        out.append(StaticAddress(str(name), str(group), str(member), str(address)))
    required = {(g.lower(), m.lower()) for g in connection.group_ids for m in connection.kind.required_members}
    given = {(s.group_id.lower(), s.member.lower()) for s in out}
    if given != required or len(out) != len(given):
        raise net.PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps(
            endpoint=str(rid),
            given=", ".join(f"PrivateIPAddress: {s.address}, GroupId: {s.group_id}, MemberName: {s.member}" for s in out),
            required=", ".join(f"GroupId: {g}, MemberName: {m}" for g in connection.group_ids
                               for m in connection.kind.required_members),
        )
    return out


def _custom_dns(props: dict[str, Any]) -> list[dict[str, Any]] | None:
    if props.get("customDnsConfigs") is None:
        return None
    out = []
    for item in schemas.object_list(props["customDnsConfigs"], "customDnsConfigs"):
        fqdn = item.get("fqdn")
        addresses = schemas.string_list(item.get("ipAddresses"), "customDnsConfigs.ipAddresses")
        if not isinstance(fqdn, str) or not fqdn:
            raise errors.InvalidRequestFormat("Cannot parse the request: each of 'customDnsConfigs' needs an 'fqdn'.")
        for a in addresses:
            try:
                addressing.parse_address(a)
            except addressing.AddressError:
                raise errors.InvalidRequestFormat(
                    f"Cannot parse the request: '{a}' in customDnsConfigs of '{fqdn}' is not an IPv4 address."
                ) from None
        out.append({"fqdn": fqdn, "ipAddresses": addresses})
    return out


def same_connection(current: dict[str, Any], spec: ConnectionSpec) -> bool:
    """True when an update asks for the connection the endpoint already has (name, kind, target, groups)."""
    collection = "manualPrivateLinkServiceConnections" if spec.manual else "privateLinkServiceConnections"
    existing = current["properties"].get(collection) or []
    if len(existing) != 1:
        return False
    conn = existing[0]
    target = ResourceId.try_parse(conn["properties"].get("privateLinkServiceId", ""))
    return (
        conn["name"].lower() == spec.name.lower()
        and target == spec.target
        and [g.lower() for g in conn["properties"].get("groupIds", [])] == [g.lower() for g in spec.group_ids]
    )


def current_connection_id(current: dict[str, Any]) -> str:
    props = current["properties"]
    for collection in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for conn in props.get(collection) or []:
            return str(conn["id"])
    return str(current["id"])


def same_static(current: dict[str, Any], static: list[StaticAddress] | None) -> bool:
    if static is None:
        return True
    def key(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
        return sorted((i["name"].lower(), i["properties"]["groupId"].lower(), i["properties"]["memberName"].lower(),
                       i["properties"]["privateIPAddress"]) for i in items)
    return key(current["properties"].get("ipConfigurations") or []) == key([s.wire() for s in static])

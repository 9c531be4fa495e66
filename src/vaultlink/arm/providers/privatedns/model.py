"""What zones, links and record sets share: their ids, the zone-name rule, "global", ETag conditions and pages.

ETags follow ARM's table (envelope.py) with the private DNS messages; a body `etag` counts as If-Match when the
header is absent (az sends the etag it read back in the body). Pages are `$top` long (100 by default) and
continue with a `$skipToken` that is the last key served, so a page never re-reads what came before.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from vaultlink.arm import paging
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.operations import Operations
from vaultlink.arm.providers.privatedns import errors as dns_errors
from vaultlink.arm.resources import GROUP, RESOURCE, group_key
from vaultlink.arm.tracked import LocationNotAvailableForResourceType
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record

NAMESPACE = "Microsoft.Network"
ZONES = "privateDnsZones"
ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINKS = "virtualNetworkLinks"
DEFAULT_TOP = 100
OPERATION_STATUSES, OPERATION_RESULTS = "privateDnsOperationStatuses", "privateDnsOperationResults"

_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")



# ---- long-running operations ------------------------------------------------------------------------------

def finish(operations: Operations, call: Call, reply: Reply, *, result: Any = None, result_status: int = 200) -> Reply:
    """`Operations.finish` at private DNS's own polling URLs: Azure serves them per resource group
    (`.../providers/Microsoft.Network/privateDnsOperationStatuses/{id}`), under the private DNS api-versions
    the request used, which Microsoft.Network's `locations/{location}/operationStatuses` would refuse."""
    base = f"{ResourceId(call.params['subscriptionId'], call.params['resourceGroupName'])!s}/providers/{NAMESPACE}"
    return operations.finish_under(call, reply, f"{base}/{OPERATION_STATUSES}", f"{base}/{OPERATION_RESULTS}",
                                   result=result, result_status=result_status)


# ---- ids ----------------------------------------------------------------------------------------------------

def zone_id(call: Call) -> ResourceId:
    p = call.params
    return ResourceId(p["subscriptionId"], p["resourceGroupName"], NAMESPACE, (ZONES,), (p["privateZoneName"],))


def require_group(reader: Reader, rid: ResourceId) -> None:
    if rid.resource_group is None or reader.get(GROUP, group_key(rid.subscription, rid.resource_group)) is None:
        raise errors.ResourceGroupNotFound(name=rid.resource_group or "")


def stored_zone(reader: Reader, rid: ResourceId) -> Record:
    """The zone record; ResourceGroupNotFound or ResourceNotFound (for the zone) otherwise."""
    require_group(reader, rid)
    rec = reader.get(RESOURCE, rid.key)
    if rec is None:
        raise errors.ResourceNotFound(type=ZONE_TYPE, name=rid.name, group=rid.resource_group or "")
    return rec


def as_created(rec: Record) -> ResourceId:
    """The id of a stored resource with the casing it was created with."""
    return ResourceId.parse(rec.body["id"])


# ---- names and location ---------------------------------------------------------------------------------------

def check_zone_name(name: str) -> None:
    labels = name.split(".")
    reason = ""
    if len(name) > 253:
        reason = f"it is {len(name)} characters long, and a zone name has at most 253"
    elif not 2 <= len(labels) <= 34:
        reason = f"it has {len(labels)} label(s), and a zone name has 2 to 34"
    else:
        bad = next((label for label in labels if not _LABEL.fullmatch(label)), None)
        if bad is not None:
            reason = (f"its label '{bad}' is not 1 to 63 letters, digits, hyphens or underscores "
                      "(starting and ending with a letter, digit or underscore)")
    if reason:
        raise dns_errors.PrivateDnsBadRequest(
            f"The zone name '{name}' is invalid: {reason}. Give the name without a terminating dot."
        )


def require_global(body: dict[str, Any], type_: str, *, required: bool = True) -> None:
    """Private DNS resources live in "global" only (as the provider's manifest lists them)."""
    loc = body.get("location")
    if loc is None or (isinstance(loc, str) and not loc.strip()):
        if required:
            raise errors.LocationRequired()
        return
    if not isinstance(loc, str) or loc.strip().lower() != "global":
        raise LocationNotAvailableForResourceType(location=loc, type=type_, available="global")


def new_etag() -> str:
    """Private DNS etags are bare GUIDs (the REST examples and az show them unquoted)."""
    return str(uuid.uuid4())


def bare(etag: str | None) -> str | None:
    if etag is None:
        return None
    e = etag.strip()
    return e[2:].strip('"') if e.startswith("W/") else e.strip('"')


def new_internal_id() -> str:
    return base64.b64encode(f"{uuid.uuid4()}:privatednszone".encode()).decode()


# ---- conditions ---------------------------------------------------------------------------------------------

def check_conditions(call: Call, body: dict[str, Any] | None, current: Record | None, kind: str, name: str) -> None:
    """If-None-Match: * and If-Match (or a body etag standing in for it) against the current resource."""
    if_none = call.headers.get("if-none-match")
    if if_none is not None and if_none.strip() == "*" and current is not None:
        raise dns_errors.AlreadyExists(kind=kind, name=name)
    if_match = call.headers.get("if-match")
    if if_match is None and body is not None and isinstance(body.get("etag"), str) and body["etag"].strip():
        if_match = body["etag"]
    if if_match is None:
        return
    if current is None:
        raise dns_errors.NotYetCreated(kind=kind, name=name, etag=if_match)
    if if_match.strip() != "*" and bare(if_match) != bare(current.body.get("etag")):
        raise dns_errors.EtagMismatch(kind=kind, name=name)


# ---- pages --------------------------------------------------------------------------------------------------

def page(call: Call, records: Iterator[Record], render: Callable[[Record], dict[str, Any] | None]) -> dict[str, Any]:
    """A page of a private DNS list: $top defaults to 100."""
    return paging.page(call, records, render, DEFAULT_TOP)



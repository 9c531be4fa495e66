"""The errors Microsoft.Network/privateDnsZones answers with.

Seen on the wire (messages as Azure words them): the If-None-Match / etag refusals (Azure PowerShell's private
DNS tests), a zone delete with links left (CannotDeleteResource), a virtual network linked twice, a second
autoregistration zone, overlapping namespaces, a missing virtual network, and the record-not-found message of
Azure DNS. The CNAME refusals are Azure DNS's public-zone messages. The rest are written in the same voice and
name the value refused.
"""

from __future__ import annotations

from vaultlink.core import errors


class PrivateDnsBadRequest(errors.BadRequest):
    """{message}"""

    code = "BadRequest"


class PrivateDnsConflict(errors.Conflict):
    """{message}"""

    code = "Conflict"


class AlreadyExists(errors.PreconditionFailed):
    """The {kind} {name} exists already and hence cannot be created again."""

    code = "PreconditionFailed"


class EtagMismatch(errors.PreconditionFailed):
    """The {kind} {name} has been modified (etag mismatch)."""

    code = "PreconditionFailed"


class NotYetCreated(errors.PreconditionFailed):
    """The {kind} {name} does not exist, and the request asked to update it only (If-Match: {etag})."""

    code = "PreconditionFailed"


class CannotDeleteResource(errors.Conflict):
    """Cannot delete resource while nested resources exist. Some existing nested resource IDs include:
    '{nested}'. Please delete all nested resources before deleting this resource."""


class RecordSetNotFound(errors.NotFound):
    """The resource record '{name}' does not exist in resource group '{group}' of subscription '{subscription}'."""

    code = "NotFound"


class LinkedAuthorizationFailed(errors.AzureError):
    """The client '{client}' with object id '{object_id}' has permission to perform action
    'Microsoft.Network/privateDnsZones/virtualNetworkLinks/write' on scope '{link}'; however, it does not have
    permission to perform action(s) 'Microsoft.Network/virtualNetworks/join/action' on the linked scope(s)
    '{vnet}' (respectively) or the linked scope(s) are invalid."""

    status = 403


class LinkedInvalidPropertyId(errors.BadRequest):
    """Property id '{value}' at path 'properties.virtualNetwork.id' is invalid. Expect fully qualified resource Id
    that start with '/subscriptions/{{subscriptionId}}' or '/providers/{{resourceProviderNamespace}}/'."""


def virtual_network_not_found(vnet_id: str) -> errors.AzureError:
    return PrivateDnsBadRequest(f"Virtual network resource not found for '{vnet_id}'")


def already_linked(zone: str, vnet_id: str) -> errors.AzureError:
    return PrivateDnsConflict(f"Private zone '{zone}' is already linked to the virtual network '{vnet_id}'.")


def second_registration_zone(zone_id: str) -> errors.AzureError:
    return PrivateDnsConflict(
        "A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled; "
        f"conflicting Private DNS zone is '{zone_id.lower()}'."
    )


def overlapping_namespaces(zone: str, other: str) -> errors.AzureError:
    return PrivateDnsBadRequest(
        "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link "
        f"virtual network with '{other}' and '{zone}' zones."
    )


def cname_conflict(creating_cname: bool) -> errors.AzureError:
    if creating_cname:
        return PrivateDnsConflict(
            "The CNAME record could not be created because another record with the same name already exists in this zone."
        )
    return PrivateDnsConflict(
        "The record could not be created because a CNAME record with the same name already exists in this zone."
    )

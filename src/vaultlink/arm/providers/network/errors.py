"""Microsoft.Network's errors, in its codes and words (AZURE-FACTS.md and messages captured from Azure).

Codes under an "UNCONFIRMED" comment were not found in any source; their wording is ours.
"""

from __future__ import annotations

from vaultlink.core import errors


class InvalidAddressPrefixFormat(errors.BadRequest):
    """Address prefix {prefix} of resource {resource} is not formatted correctly. It should follow CIDR
    notation, for example 10.0.0.0/24."""


class NetcfgInvalidIPAddressPrefix(errors.BadRequest):
    """IP address prefix {prefix} of resource {resource} is not valid: its address is not the network address
    of the range. Use {network}."""


class VnetAddressSpacesOverlap(errors.BadRequest):
    """Cannot create or update virtual network {resource}. Its address spaces {a} and {b} overlap."""


# UNCONFIRMED code: not found in any source.
class NetcfgInvalidAddressSpace(errors.BadRequest):
    """Address space {prefix} of virtual network {resource} overlaps the range {reserved}, which Azure reserves.
   """


# UNCONFIRMED code: not found in any source.
class InvalidDnsServerAddress(errors.BadRequest):
    """DNS server address '{value}' of virtual network {resource} is not a valid IPv4 address."""


class NetcfgInvalidSubnet(errors.BadRequest):
    """Subnet '{subnet}' is not valid in virtual network '{vnet}'."""


class NetcfgSubnetRangeOutsideVnet(errors.BadRequest):
    """Subnet '{subnet}' is not valid because its IP address range is outside the IP address range of virtual
    network '{vnet}'."""


class NetcfgSubnetRangesOverlap(errors.BadRequest):
    """Subnet '{subnet}' is not valid because its IP address range overlaps with that of an existing subnet in
    virtual network '{vnet}'."""


class InUseSubnetCannotBeDeleted(errors.BadRequest):
    """Subnet {subnet} is in use by {holder} and cannot be deleted. In order to delete the subnet, delete all the
    resources within the subnet. See aka.ms/deletesubnet."""


class InUsePrefixCannotBeDeleted(errors.BadRequest):
    """IpPrefix {prefix} on Subnet {subnet} has active allocations and cannot be deleted."""


class InvalidResourceLocation(errors.Conflict):
    """The resource '{name}' already exists in location '{current}' in resource group '{group}'. A resource with
    the same name cannot be created in location '{requested}'. Please select a new resource name."""


class InvalidResourceReference(errors.BadRequest):
    """Resource {referenced} referenced by resource {resource} was not found. Please make sure that the
    referenced resource exists, and that both resources are in the same region."""


class SubnetIsFull(errors.BadRequest):
    """Subnet {subnet} with address prefix {prefix} does not have enough capacity for 1 IP addresses."""


class PrivateIPAddressNotInSubnet(errors.BadRequest):
    """Private static IP address {address} does not belong to the range of subnet prefix {prefix}."""


class PrivateIPAddressInReservedRange(errors.BadRequest):
    """Private static IP address {address} falls within reserved IP range of subnet prefix {prefix}."""


class PrivateIPAddressIsAllocated(errors.BadRequest):
    """IP configuration {ip_configuration} is using the private IP address {address} which is already allocated
    to resource {holder}."""


# UNCONFIRMED code: not found in any source.
class InvalidPrivateIPAddress(errors.BadRequest):
    """Private IP address '{value}' of IP configuration {ip_configuration} is not a valid IPv4 address.
   """


class CannotModifyNicAttachedToPrivateEndpoint(errors.BadRequest):
    """Network interface {nic} is attached to private endpoint {endpoint}. It can not be modified by user."""


class NicInUse(errors.BadRequest):
    """Network Interface {nic} is used by existing resource {holder}. In order to delete the network interface, it
    must be dissociated from the resource. To learn more, see aka.ms/deletenic."""


class MissingParameterOnPrivateLinkServiceConnection(errors.BadRequest):
    """Private link service connection {connection} is missing required parameter '{parameter}'."""


# UNCONFIRMED code: not found in any source.
class InvalidPrivateLinkServiceConnectionGroupId(errors.BadRequest):
    """Private link service connection {connection} has group id '{group_id}', which the private link resource
    {resource} does not offer. Its group ids are: {group_ids}."""


# UNCONFIRMED code: not found in any source.
class PrivateLinkServiceConnectionRequestMessageTooLong(errors.BadRequest):
    """The request message of private link service connection {connection} is {length} characters long; it can be
    at most 140."""


# UNCONFIRMED code: not found in any source.
class UnsupportedPrivateLinkResourceType(errors.BadRequest):
    """Private link service connection {connection} refers to {resource}, whose resource type '{type}' does not
    support private endpoints here."""


# UNCONFIRMED code: not found in any source.
class OnlyOnePrivateLinkServiceConnectionPermitted(errors.BadRequest):
    """Private endpoint {endpoint} has {count} private link service connections. A private endpoint has exactly
    one."""


class PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps(errors.BadRequest):
    """Private Endpoint {endpoint} contains static ipconfigurations: [{given}] and its missing these
    membernames/groupids requested by Private Link service [{required}]. Private Endpoint needs to be
    reconfigured with missing memberNames."""


class CannotChangeSubnetOnExistingPrivateEndpoint(errors.BadRequest):
    """Cannot change the subnet in which the network interface for private endpoint {endpoint} is created.
    Current subnet: '{current}.' Requested subnet: '{requested}.'"""


class CannotChangePrivateLinkConnectionOnPrivateEndpoint(errors.BadRequest):
    """Cannot change the private link connection on private endpoint {endpoint}. Please ensure you are not
    updating the details of existing private link connection: '{connection}'. That is not allowed."""


# UNCONFIRMED code: not found in any source.
class CannotChangePrivateEndpointIpConfigurations(errors.BadRequest):
    """Cannot change the {what} of private endpoint {endpoint}: it can only be set when the private endpoint is
    created."""


# UNCONFIRMED code: not found in any source.
class NetworkInterfaceNameInUse(errors.Conflict):
    """Network interface {nic} already exists, so private endpoint {endpoint} cannot create its network interface
    with that name."""


# UNCONFIRMED code: not found in any source.
class PrivateEndpointCountLimitReached(errors.BadRequest):
    """Virtual network {vnet} already has {limit} private endpoints, the most a virtual network can have.
   """


class InvalidPrivateDnsZoneIds(errors.BadRequest):
    """Private Dns Zone group {group} has invalid private dns zone ids {ids}."""


# UNCONFIRMED code: not found in any source.
class PrivateDnsZoneGroupLimitReached(errors.BadRequest):
    """Cannot create more than one private dns zone groups in the private endpoint {endpoint}."""


# UNCONFIRMED code: not found in any source.
class PrivateDnsZoneConfigsLimitReached(errors.BadRequest):
    """Private Dns Zone group {group} has {count} private dns zone configs; a group can have at most 5.
   """


class LinkedAuthorizationFailed(errors.AzureError):
    """The client '{client}' with object id '{object_id}' has permission to perform action '{action}' on scope
    '{scope}'; however, it does not have permission to perform action(s) '{linked_action}' on the linked scope(s)
    '{linked_scope}' (respectively) or the linked scope(s) are invalid."""

    status = 403


class OnlyOneGroupIdPermitted(errors.BadRequest):
    """Private link service connection {connection} has the following group Ids: {group_ids}. Only one group Id is
    permitted when connecting to a first-party resource ({resource})."""


class AnotherOperationInProgress(errors.Conflict):
    """Another operation on this or a dependent resource is in progress. Retry the request later."""


class VnetAddressSpaceOverlapsWithAlreadyPeeredVnet(errors.BadRequest):
    """Cannot create or update peering {peering}. Virtual networks {local} and {remote} cannot be peered because
    address space of the first virtual network overlaps with address space of virtual network {other} already
    peered with the second virtual network. Overlapping address prefixes: {prefixes}. For more information please
    refer to https://aka.ms/VnetPeeringInfo"""


class RemotePeeringIsDisconnected(errors.BadRequest):
    """Cannot create or update peering {peering} because remote peering {remote} referencing parent virtual
    network {local} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated
    state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created."""


# UNCONFIRMED code: not found in any source.
class RemoteVnetHasNoGateways(errors.BadRequest):
    """Peering {peering} cannot have useRemoteGateways set because the remote virtual network {remote} has no
    virtual network gateway in its GatewaySubnet with allowGatewayTransit on its peering."""


# UNCONFIRMED code: not found in any source.
class CannotPeerVirtualNetworkWithItself(errors.BadRequest):
    """Cannot create or update peering {peering}: a virtual network cannot be peered with itself."""

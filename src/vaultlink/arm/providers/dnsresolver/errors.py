"""DNS Private Resolver's errors. Codes under an "UNCONFIRMED" comment were not found in any source; their
wording is ours, after the limits and rules Azure documents (articles/dns/dns-private-resolver-overview.md,
private-resolver-endpoints-rulesets.md)."""

from __future__ import annotations

from vaultlink.core import errors

MAX_INBOUND = 5
MAX_OUTBOUND = 5
MAX_RULES = 1000
MAX_LINKS = 500
MAX_TARGETS = 6
AZURE_DNS = "168.63.129.16"


# UNCONFIRMED code: not found in any source.
class SubnetNotDelegatedToDnsResolver(errors.BadRequest):
    """Subnet {subnet} must be delegated to Microsoft.Network/dnsResolvers before a DNS resolver endpoint can use
    it."""


# UNCONFIRMED code: not found in any source.
class SubnetNotDedicated(errors.BadRequest):
    """Subnet {subnet} is already used by {holder}. A DNS resolver endpoint needs a subnet of its own."""


# UNCONFIRMED code: not found in any source.
class SubnetNotInResolverVirtualNetwork(errors.BadRequest):
    """Subnet {subnet} is not in virtual network {vnet} of DNS resolver {resolver}."""


# UNCONFIRMED code: not found in any source.
class VirtualNetworkHasDnsResolver(errors.Conflict):
    """Virtual network {vnet} already has the DNS resolver {other}. A virtual network can have one DNS resolver."""


# UNCONFIRMED code: not found in any source.
class LimitExceeded(errors.BadRequest):
    """{what} cannot have more than {limit} {items}."""


# UNCONFIRMED code: not found in any source.
class DifferentRegion(errors.BadRequest):
    """{what} {name} is in {actual}, but it must be in the same region as {other} ({expected})."""


# UNCONFIRMED code: not found in any source.
class InvalidDomainName(errors.BadRequest):
    """The domain name '{value}' is not valid: it must be a fully qualified name with 2 to 34 labels ending with a
    dot (for example contoso.com.), or '.' for every name."""


# UNCONFIRMED code: not found in any source.
class InvalidTargetDnsServer(errors.BadRequest):
    """The target DNS server '{value}' is not valid: {why}."""


# UNCONFIRMED code: not found in any source.
class ResourceHasChildren(errors.Conflict):
    """{what} {name} still has {children}. Delete them first."""

"""Microsoft.Compute's errors, in its codes and words.

The compute resource provider names the offending field in `target` and reports most bad input as
InvalidParameter. Codes under an "UNCONFIRMED" comment were not found in any source; their wording is ours.
"""

from __future__ import annotations

from vaultlink.core import errors


class InvalidParameter(errors.BadRequest):
    """The value of parameter '{name}' is invalid."""

    code = "InvalidParameter"


class RequiredParameterMissing(InvalidParameter):
    """Required parameter '{name}' is missing (null)."""


class InvalidVmSize(InvalidParameter):
    """The value '{value}' provided for the VM size is not valid. VM sizes are named like Standard_B1s or
    Standard_D2s_v5."""


# UNCONFIRMED wording: the compute provider's text for these was not found in any source.
class InvalidNetworkProfile(InvalidParameter):
    """{message}"""


# UNCONFIRMED code: not found in any source.
class NetworkInterfaceNameInUse(errors.Conflict):
    """Network interface {nic} already exists, so virtual machine {vm} cannot create its network interface
    configuration '{config}' under that name. Choose another name for the configuration."""


# UNCONFIRMED code and wording: vaultlink's own limit on the public addresses machines leave from.
class PublicIPCountLimitReached(errors.Conflict):
    """Every public address vaultlink gives machines ({first} to {last}) is in use, so virtual machine {vm}
    cannot be created. Delete a virtual machine first."""


class PropertyChangeNotAllowed(errors.Conflict):
    """Changing property '{name}' is not allowed."""

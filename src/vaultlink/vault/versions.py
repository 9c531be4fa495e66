"""The data plane's api-versions. There is no default: a request without one is refused."""

from __future__ import annotations

from vaultlink.vault.errors import BadParameter

SUPPORTED = (
    "2015-06-01", "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01",
)
LATEST = "7.6"


def check(version: str | None) -> str:
    if not version:
        raise BadParameter(message="The 'api-version' query parameter is required. Consider using the latest "
                           f"supported version ({LATEST}).")
    base = version.split("-preview")[0]
    if version in SUPPORTED or base in SUPPORTED:
        return version
    raise BadParameter(message=f"The specified version ({version}) is not recognized. Consider using the latest "
                       f"supported version ({LATEST}).")


def at_least(version: str, floor: str) -> bool:
    """Whether `version` (checked, perhaps a preview of a supported one) is `floor` or later."""
    base = version if version in SUPPORTED else version.split("-preview")[0]
    return base in SUPPORTED and SUPPORTED.index(base) >= SUPPORTED.index(floor)

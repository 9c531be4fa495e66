"""vaultlink for application test suites: a pytest plugin and the handles its fixtures give.

Owns: starting (or finding) a vaultlink server for a test session, a fresh tenant and subscription per test,
the seed's private-vault topology in one call, and pointing the Azure SDKs at a location (a machine inside a
virtual network, or the internet). It drives vaultlink the way a user does, over HTTP through the edge and
with the CLI's helpers, so it may import `cli` and every room below; nothing imports it.

Start with `plugin.py` (the fixtures; installed as the `pytest11` entry point `vaultlink`, imported by every
pytest run in the environment, so it imports nothing heavy), then `session.py` (the object the `vaultlink` and
`vaultlink_server` fixtures give) and `subscription.py` (a tenant, subscription and principal, and the private vaults built in them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaultlink.testing.session import Location, Vaultlink
    from vaultlink.testing.subscription import PrivateVault, Subscription

__all__ = ["Location", "PrivateVault", "Subscription", "Vaultlink"]


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: pytest imports this package at every start."""
    if name in ("Location", "Vaultlink"):
        from vaultlink.testing import session

        return getattr(session, name)
    if name in ("PrivateVault", "Subscription"):
        from vaultlink.testing import subscription

        return getattr(subscription, name)
    raise AttributeError(name)

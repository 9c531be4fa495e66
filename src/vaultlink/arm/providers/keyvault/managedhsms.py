"""Managed HSMs: vaultlink serves none, so their lists answer empty, as in any subscription without one.

`az keyvault list` and `az keyvault list-deleted` read the managed HSM lists beside the vault lists (and
`list-deleted` fails on a 404 there); Azure answers `{"value": []}`.
"""

from __future__ import annotations

from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.resources import GROUP, group_key
from vaultlink.arm.services import Services
from vaultlink.core import errors

EMPTY: dict[str, list[object]] = {"value": []}


class ManagedHsms:
    def __init__(self, services: Services) -> None:
        self.store = services.store

    def list_by_subscription(self, call: Call) -> Reply:
        return Reply(200, EMPTY)

    def list_by_group(self, call: Call) -> Reply:
        group = call.params["resourceGroupName"]
        if self.store.get(GROUP, group_key(call.params["subscriptionId"], group)) is None:
            raise errors.ResourceGroupNotFound(name=group)
        return Reply(200, EMPTY)

    def list_deleted(self, call: Call) -> Reply:
        return Reply(200, EMPTY)

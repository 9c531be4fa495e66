"""What every resource provider is built with."""

from __future__ import annotations

from dataclasses import dataclass

from vaultlink.arm.operations import Operations
from vaultlink.arm.resources import Resources
from vaultlink.identity.directory import Directory
from vaultlink.identity.rbac import Authorizer
from vaultlink.store import Store


@dataclass(frozen=True)
class Services:
    store: Store
    directory: Directory
    authorizer: Authorizer
    operations: Operations
    resources: Resources

"""A subscription for tests: its tenant, a service principal that owns it, and the private vaults built in it.

`private_vault` builds the seed's topology with `cli/seed.py`, the same calls `vaultlink demo` makes, through
ARM as the subscription's principal: a vault with public network access disabled whose access policy lets
that principal use secrets, keys and certificates, a virtual network and subnet, the private DNS zone linked to
it, an approved private endpoint, the vault's A record, and a machine in the subnet. Its resources are named
after the vault (`{vault}-rg`, `{vault}-vnet`, `{vault}-pe`, `{vault}-vm`), so one subscription holds several.

Without a name a vault gets a new one. Reusing a name in another test's subscription works on the server (the
purge frees it), but the Key Vault SDKs remember each vault URL's tenant for the life of the process, as they
would against Azure, and the next test's tenant differs: a per-test vault should take a new name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vaultlink.cli import seed
from vaultlink.cli.vm import Arm, arm_error, machine_proxy

if TYPE_CHECKING:
    from vaultlink.testing.session import Location, Vaultlink

KV = seed.KV


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    app_id: str
    object_id: str
    secret: str

    def credential(self) -> Any:
        """An azure.identity ClientSecretCredential (a TokenCredential) for this principal."""
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(self.tenant_id, self.app_id, self.secret)


@dataclass(frozen=True)
class PrivateVault:
    """A vault reachable only over its private endpoint, and the machine inside its network."""

    name: str
    url: str
    id: str
    resource_group: str
    machine: Location
    principal: Principal
    endpoint_address: str

    def credential(self) -> Any:
        return self.principal.credential()


class Subscription:
    def __init__(self, session: Vaultlink, tenant_id: str, subscription_id: str, credentials: dict[str, Any]) -> None:
        self.session, self.tenant_id, self.subscription_id = session, tenant_id, subscription_id
        sp = credentials["servicePrincipal"]
        self.principal = Principal(tenant_id, sp["appId"], sp["objectId"], sp["secret"])
        self.arm = Arm(session.state, credentials)

    def credential(self) -> Any:
        """A TokenCredential for the subscription's principal (azure.identity's ClientSecretCredential)."""
        return self.principal.credential()

    def private_vault(self, name: str | None = None, *, location: str = "eastus",
                      address_space: str = "10.1.0.0/16", subnet_prefix: str = "10.1.0.0/24") -> PrivateVault:
        """The seed's topology for a vault named `name` (a new name when None); returns the vault's URL, the
        machine inside its network, and the principal whose access policy it holds."""
        from vaultlink.testing.session import Location

        name = name or f"kv{uuid.uuid4().hex[:12]}"
        names = seed.Names(vault=name, group=f"{name}-rg", vnet=f"{name}-vnet", link=f"{name}-link",
                           endpoint=f"{name}-pe", machine=f"{name}-vm", location=location,
                           address_space=address_space, subnet_prefix=subnet_prefix)
        built = seed.build(self.arm, self.subscription_id, self.tenant_id, self.principal.object_id, names)
        info, proxy = machine_proxy(self.session.data_dir, self.session.state, built.machine_id)
        machine = Location(names.machine, proxy, info.get("privateIp"), built.machine_id)
        return PrivateVault(name, built.vault_url.rstrip("/"), built.vault_id, names.group, machine, self.principal,
                            built.endpoint_addresses[0])

    def clean_up(self) -> None:
        """Deletes every resource group and purges the deleted vaults, so their names are free again."""
        base = f"/subscriptions/{self.subscription_id}"
        status, groups = self.arm.call("GET", f"{base}/resourcegroups", seed.RG)
        for group in groups.get("value", []) if status == 200 else []:
            self._must(self.arm.call("DELETE", str(group["id"]), seed.RG), f"deleting {group['name']}")
        status, deleted = self.arm.call("GET", f"{base}/providers/Microsoft.KeyVault/deletedVaults", KV)
        for vault in deleted.get("value", []) if status == 200 else []:
            self._must(self.arm.call("POST", f"{vault['id']}/purge", KV), f"purging {vault['name']}")

    @staticmethod
    def _must(result: tuple[int, dict[str, Any]], what: str) -> None:
        if result[0] >= 400:
            raise RuntimeError(f"{what} failed: {arm_error(*result)}")

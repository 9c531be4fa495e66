"""The machine record beside each virtual machine: what ARM does not show of it.

A machine's internet traffic leaves from a public address (what a vault's IP rules see), and a shell "on" the
machine reaches vaultlink's edge with a proxy credential that names it. Neither is part of the VM's ARM body,
so each VM has a record of kind "machine", keyed by the VM's lower-cased resource id:
`{id, name, vmId, user, publicAddress}`, to which the runtime adds the credential (`secretHash`, and
`sealedSecret` sealed under the root key) the first time `vaultlink env --vm` asks for it. The proxy user name
is `vm-{vmId}`; kind "machineuser" maps it back to the VM. Public addresses come from a documentation range
(never dialled), one per machine, held under kind "machinepublicip".
"""

from __future__ import annotations

from typing import Any

from vaultlink.arm.providers.compute import errors as compute
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction

MACHINE = "machine"
MACHINE_USER = "machineuser"
PUBLIC_ADDRESS = "machinepublicip"

PUBLIC_NETWORK = "203.0.113."
FIRST, LAST = 100, 254


def user_name(vm_id: str) -> str:
    return f"vm-{vm_id.lower()}"


def _address_key(octet: int) -> str:
    return f"{octet:03d}"


def _allocate_public(tx: Transaction, vm: ResourceId) -> str:
    for octet in range(FIRST, LAST + 1):
        if tx.get(PUBLIC_ADDRESS, _address_key(octet)) is None:
            tx.put(PUBLIC_ADDRESS, _address_key(octet), {"machine": vm.key}, expect=0)
            return f"{PUBLIC_NETWORK}{octet}"
    raise compute.PublicIPCountLimitReached(
        first=f"{PUBLIC_NETWORK}{FIRST}", last=f"{PUBLIC_NETWORK}{LAST}", vm=str(vm))


def create(tx: Transaction, vm: ResourceId, vm_id: str) -> dict[str, Any]:
    """The new VM's machine record, with a public address of its own."""
    user = user_name(vm_id)
    body = {"id": str(vm), "name": vm.name, "vmId": vm_id, "user": user,
            "publicAddress": _allocate_public(tx, vm)}
    tx.put(MACHINE, vm.key, body, expect=0)
    tx.put(MACHINE_USER, user, {"machine": vm.key}, expect=0)
    return body


def remove(tx: Transaction, vm: ResourceId) -> None:
    """The VM is gone: so are its credential and its public address."""
    rec = tx.get(MACHINE, vm.key)
    if rec is None:
        return
    tx.delete(MACHINE_USER, str(rec.body["user"]))
    octet = int(str(rec.body["publicAddress"]).rsplit(".", 1)[1])
    tx.delete(PUBLIC_ADDRESS, _address_key(octet))
    tx.delete(MACHINE, rec.key, expect=rec.version)



def by_user(reader: Reader, user: str) -> Record | None:
    """The machine record a proxy user name names, or None."""
    index = reader.get(MACHINE_USER, user.lower())
    if index is None:
        return None
    return reader.get(MACHINE, str(index.body["machine"]))

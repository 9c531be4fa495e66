"""Machines as the command line sees them: the proxy credential a shell "on" a machine is handed, and what
`vaultlink vm show` and `vm list` print.

The credential is created the first time it is asked for (`vaultlink env --vm`), stored as a hash to check and
sealed under the root key to show again (the store never holds it in the clear).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.identity.directory import hash_secret, new_secret
from vaultlink.store import Store, StoreConflict
from vaultlink.store.base import iterate
from vaultlink.store.sealing import Sealer


@dataclass(frozen=True)
class Credential:
    user: str
    secret: str


def _context(key: str) -> str:
    return f"machine-credential:{key}"


def credential(store: Store, sealer: Sealer, key: str) -> Credential:
    """The machine's proxy credential, created and stored (hashed, and sealed) the first time it is asked for."""
    for _ in range(5):
        rec = store.get(sidecar.MACHINE, key)
        if rec is None:
            raise LookupError(f"no machine {key}")
        user = str(rec.body["user"])
        if rec.body.get("sealedSecret"):
            return Credential(user, sealer.unseal(str(rec.body["sealedSecret"]), _context(key)).decode())
        secret = new_secret()
        body = {**rec.body, "secretHash": hash_secret(secret), "sealedSecret": sealer.seal(secret.encode(), _context(key))}
        try:
            with store.transaction() as tx:
                tx.put(sidecar.MACHINE, key, body, expect=rec.version)
            return Credential(user, secret)
        except StoreConflict:
            continue  # another shell asked at the same moment: show the one it stored
    raise LookupError(f"the machine record {key} keeps changing; try again")


def summary(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """What `vaultlink vm show` prints of a machine: its VM, its primary interface's address and subnet, and
    the public address its internet traffic leaves from."""
    if record.get("site"):  # a machine in an on-premises site (arm/sites.py): no VM, no interface
        return {"name": record["name"], "resourceGroup": None, "id": record["id"], "vmId": record.get("vmId"),
                "location": None, "vmSize": None, "provisioningState": "Succeeded",
                "privateIp": record.get("privateAddress"), "publicIp": record.get("publicAddress"), "subnet": None,
                "virtualNetwork": None, "site": record["site"], "proxyUser": record.get("user")}
    rid = ResourceId.parse(record["id"])
    vm = store.get(RESOURCE, rid.key)
    body = vm.body if vm is not None else {"properties": {}}
    props = body.get("properties") or {}
    private_ip = subnet = None
    for ref in (props.get("networkProfile") or {}).get("networkInterfaces") or []:
        nic = store.get(RESOURCE, str(ref.get("id", "")).lower())
        configs = (nic.body.get("properties") or {}).get("ipConfigurations") or [] if nic is not None else []
        if configs:
            ip = configs[0].get("properties") or {}
            private_ip, subnet = ip.get("privateIPAddress"), (ip.get("subnet") or {}).get("id")
            break
    return {
        "name": rid.name,
        "resourceGroup": rid.resource_group,
        "id": str(rid),
        "vmId": record.get("vmId"),
        "location": body.get("location"),
        "vmSize": (props.get("hardwareProfile") or {}).get("vmSize"),
        "provisioningState": props.get("provisioningState"),
        "privateIp": private_ip,
        "publicIp": record.get("publicAddress"),
        "subnet": subnet,
        "virtualNetwork": subnet.rsplit("/subnets/", 1)[0] if subnet else None,
        "proxyUser": record.get("user"),
    }


def find(store: Store, name: str, group: str | None = None) -> list[dict[str, Any]]:
    """Machine records by VM name (or resource id), optionally within one resource group."""
    out = []
    for rec in iterate(store, sidecar.MACHINE):
        if rec.body.get("site"):
            if group is None and (rec.body["name"].lower() == name.lower() or rec.key == name.lower()):
                out.append(rec.body)
            continue
        rid = ResourceId.try_parse(str(rec.body["id"]))
        if rid is None:
            continue
        if name.startswith("/"):
            if rec.key == name.lower().rstrip("/"):
                out.append(rec.body)
            continue
        if rid.name.lower() == name.lower() and (group is None or (rid.resource_group or "").lower() == group.lower()):
            out.append(rec.body)
    return out


def all_machines(store: Store, group: str | None = None) -> list[dict[str, Any]]:
    return [r.body for r in iterate(store, sidecar.MACHINE) if group is None or (
        not r.body.get("site") and (ResourceId.parse(str(r.body["id"])).resource_group or "").lower() == group.lower())]

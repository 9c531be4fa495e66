"""Machines as the edge and the command line see them: who a proxy credential names, and the credential a
shell "on" a machine is handed.

`Machines.locate` is the edge's `locate`: no credential is the internet; `Basic base64(user:secret)` whose user
is a machine's (`vm-{vmId}`) and whose secret checks against the stored scrypt hash is that machine (its public
address, private address and subnet, from the topology); anything else is refused with 407, and nothing is
served. The credential itself is created the first time it is asked for (`vaultlink env --vm`), stored as a
hash to check and sealed under the root key to show again (the store never holds it in the clear).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.resources import RESOURCE
from vaultlink.core.ids import ResourceId
from vaultlink.edge.hostroutes import Refusal
from vaultlink.identity.directory import check_secret, hash_secret, new_secret
from vaultlink.network.location import INTERNET, Location
from vaultlink.network.topology import Topology
from vaultlink.store import Store, StoreConflict
from vaultlink.store.base import iterate
from vaultlink.store.sealing import Sealer

VERIFIED_LIMIT = 4096


def parse_basic(header: str) -> tuple[str, str] | None:
    """`Basic base64(user:secret)` -> (user, secret), or None for anything else."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, secret = decoded.partition(":")
    if not colon or not user or not secret:
        return None
    return user, secret


class Machines:
    """The edge's `locate`: where a request comes from, by the proxy credential it carries."""

    def __init__(self, store: Store, snapshot: Callable[[], Topology]) -> None:
        self.store = store
        self.snapshot = snapshot
        self._verified: dict[str, str] = {}
        """Headers already checked, with the hash they matched: scrypt runs once per credential, not per tunnel."""

    def locate(self, proxy_authorization: str | None) -> Location | Refusal:
        if proxy_authorization is None:
            return INTERNET
        parsed = parse_basic(proxy_authorization)
        if parsed is None:
            return Refusal.bad_credential("vaultlink takes Basic proxy credentials, as `vaultlink env --vm` prints them")
        user, secret = parsed
        rec = sidecar.by_user(self.store, user)
        stored = str(rec.body.get("secretHash") or "") if rec is not None else ""
        if rec is None or not stored:
            return Refusal.bad_credential(f"no machine has the proxy user '{user}'")
        if not self._check(proxy_authorization, secret, stored):
            return Refusal.bad_credential(f"the secret is not the one vaultlink handed to machine {rec.body['name']}")
        machine = self.snapshot().machines.get(rec.key)
        if machine is None:
            return Refusal.bad_credential(f"machine {rec.body['name']} has no network interface with an address")
        return Location(public_address=machine.public_address or str(rec.body["publicAddress"]), machine=machine.id,
                        private_address=machine.address, subnet=machine.subnet)

    def _check(self, header: str, secret: str, stored: str) -> bool:
        if self._verified.get(header) == stored:
            return True
        if not check_secret(secret, stored):
            return False
        if len(self._verified) >= VERIFIED_LIMIT:
            self._verified.clear()
        self._verified[header] = stored
        return True


# ---- for the command line ---------------------------------------------------------------------------------

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
    return [r.body for r in iterate(store, sidecar.MACHINE)
            if group is None or (ResourceId.parse(str(r.body["id"])).resource_group or "").lower() == group.lower()]

"""Machines as the edge sees them: who a proxy credential names.

`Machines.locate` is the edge's `locate`: no credential is the internet; `Basic base64(user:secret)` whose user
is a machine's (`vm-{vmId}`) and whose secret checks against the stored scrypt hash is that machine (its public
address, private address and subnet, from the topology); anything else is refused with 407, and nothing is
served. The credential itself is made by `arm/providers/compute/machines.py`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from vaultlink.arm.providers.compute import sidecar
from vaultlink.edge.hostroutes import Refusal
from vaultlink.identity.directory import check_secret
from vaultlink.network.location import INTERNET, Location
from vaultlink.network.topology import Topology
from vaultlink.store import Store

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

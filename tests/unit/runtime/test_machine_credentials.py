"""Who a proxy credential names (runtime/machines.py): the internet without one, the machine whose hashed
secret it matches, a 407 refusal for anything else; and the credential, created once and shown again."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from vaultlink.arm.providers.compute import sidecar
from vaultlink.arm.providers.compute.machines import credential
from vaultlink.core.ids import ResourceId
from vaultlink.edge.hostroutes import Refusal
from vaultlink.network.location import INTERNET
from vaultlink.network.topology import Machine, Topology
from vaultlink.runtime.machines import Machines, parse_basic
from vaultlink.store import Store, open_store
from vaultlink.store.sealing import Sealer

VM = ResourceId("sub", "rg", "Microsoft.Compute", ("virtualMachines",), ("box",))
SUBNET = "/subscriptions/sub/resourcegroups/rg/providers/microsoft.network/virtualnetworks/net/subnets/default"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store.transaction() as tx:
        sidecar.create(tx, VM, "11111111-2222-3333-4444-555555555555")
    return store


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def topology(public: str = "203.0.113.100") -> Topology:
    return Topology(machines={VM.key: Machine(VM.key, "box", SUBNET, "10.0.1.4", public)})


@pytest.mark.parametrize("header, expected", [
    ("Basic " + base64.b64encode(b"u:s").decode(), ("u", "s")),
    ("basic " + base64.b64encode(b"u:s:with:colons").decode(), ("u", "s:with:colons")),
    ("Bearer abc", None), ("Basic", None), ("Basic !!!", None),
    ("Basic " + base64.b64encode(b"nocolon").decode(), None), ("Basic " + base64.b64encode(b":s").decode(), None),
])
def test_parse_basic(header: str, expected: tuple[str, str] | None) -> None:
    assert parse_basic(header) == expected


def test_the_handed_out_credential_names_the_machine_and_nothing_else_does(store: Store) -> None:
    sealer = Sealer(b"k" * 32)
    machines = Machines(store, topology)
    rec = store.get(sidecar.MACHINE, VM.key)
    assert rec is not None
    user = rec.body["user"]
    assert isinstance(machines.locate(basic(user, "anything")), Refusal)  # no credential handed out yet

    cred = credential(store, sealer, VM.key)
    assert cred.user == user == "vm-11111111-2222-3333-4444-555555555555"
    assert credential(store, sealer, VM.key) == cred  # the same one, shown again
    stored = store.get(sidecar.MACHINE, VM.key)
    assert stored is not None and cred.secret not in str(stored.body)

    assert machines.locate(None) == INTERNET
    here = machines.locate(basic(user, cred.secret))
    assert here == machines.locate(basic(user, cred.secret))  # the second check comes from the cache
    assert not isinstance(here, Refusal)
    assert (here.public_address, here.machine, here.private_address, here.subnet) == (
        "203.0.113.100", VM.key, "10.0.1.4", SUBNET)
    for forged in (basic(user, cred.secret + "x"), basic("vm-nobody", cred.secret), "Bearer " + cred.secret, ""):
        refusal = machines.locate(forged)
        assert isinstance(refusal, Refusal) and refusal.status == 407


def test_a_removed_machine_is_refused(store: Store) -> None:
    cred = credential(store, Sealer(b"k" * 32), VM.key)
    machines = Machines(store, topology)
    assert not isinstance(machines.locate(basic(cred.user, cred.secret)), Refusal)
    with store.transaction() as tx:
        sidecar.remove(tx, VM)
    refusal = machines.locate(basic(cred.user, cred.secret))
    assert isinstance(refusal, Refusal) and refusal.status == 407
    with pytest.raises(LookupError):
        credential(store, Sealer(b"k" * 32), VM.key)


def test_public_addresses_are_distinct_and_come_back(store: Store) -> None:
    other = ResourceId("sub", "rg", "Microsoft.Compute", ("virtualMachines",), ("other",))
    with store.transaction() as tx:
        second = sidecar.create(tx, other, "66666666-2222-3333-4444-555555555555")
    assert second["publicAddress"] == "203.0.113.101"
    with store.transaction() as tx:
        sidecar.remove(tx, VM)
    third = ResourceId("sub", "rg", "Microsoft.Compute", ("virtualMachines",), ("third",))
    with store.transaction() as tx:
        assert sidecar.create(tx, third, "77777777-2222-3333-4444-555555555555")["publicAddress"] == "203.0.113.100"

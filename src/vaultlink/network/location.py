"""A location: where a request or DNS query comes from.

Only the edge and the DNS server decide a location, from something a client cannot forge from inside (the
proxy credential it was handed, the listener it reached). Everything downstream receives it as a value.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERNET_ADDRESS = "203.0.113.50"
"""The public address a client on the internet presents, from a documentation range (never dialled)."""


@dataclass(frozen=True)
class Location:
    """The internet (machine is None) or a machine with a NIC in a subnet of a virtual network."""

    public_address: str = INTERNET_ADDRESS
    machine: str | None = None
    """The machine's ARM id (lower-cased key), when the location is inside a virtual network."""
    private_address: str | None = None
    subnet: str | None = None
    """The subnet's ARM id key."""

    @property
    def on_internet(self) -> bool:
        return self.machine is None

    @property
    def virtual_network(self) -> str | None:
        if self.subnet is None:
            return None
        return self.subnet.rsplit("/subnets/", 1)[0]

    def describe(self) -> str:
        if self.on_internet:
            return f"the internet ({self.public_address})"
        return f"machine {self.machine} ({self.private_address})"


INTERNET = Location()

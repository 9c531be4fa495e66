"""A hand-built topology for the DNS server's tests (unit and dig/nslookup), and a DnsServer run on a loop of its
own in a background thread.

- vault fabrikam (eastus) has an approved private endpoint 10.1.0.4; the zone privatelink.vaultcore.azure.net
  has its A record and is linked to LINKED (policy Default) and REDIRECTED (policy NxDomainRedirect);
- vault contoso (eastus) has an approved endpoint but no A record in the zone: NXDOMAIN in LINKED, the public
  answer in REDIRECTED;
- vault northwind (westeurope) has no private endpoint;
- the zone contoso.internal, linked to LINKED only, holds TXT, MX, SRV, AAAA, PTR, CNAME records and a TXT record
  too big for a plain UDP answer;
- UNLINKED is a virtual network no zone is linked to.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from vaultlink.dns.server import DnsServer
from vaultlink.network.topology import (
    Connection,
    PrivateEndpoint,
    PrivateZone,
    RecordSet,
    Subnet,
    Topology,
    Vault,
    VirtualNetwork,
    ZoneLink,
)

SUB = "/subscriptions/s/resourcegroups/rg/providers"
LINKED = f"{SUB}/microsoft.network/virtualnetworks/linked"
UNLINKED = f"{SUB}/microsoft.network/virtualnetworks/unlinked"
REDIRECTED = f"{SUB}/microsoft.network/virtualnetworks/redirected"
SUBNET = f"{LINKED}/subnets/default"
PRIVATELINK = "privatelink.vaultcore.azure.net"
INTERNAL = "contoso.internal"
FABRIKAM = f"{SUB}/microsoft.keyvault/vaults/fabrikam"
CONTOSO = f"{SUB}/microsoft.keyvault/vaults/contoso"
NORTHWIND = f"{SUB}/microsoft.keyvault/vaults/northwind"
SOA = "azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10"
BIG_TXT = tuple(f"chunk-{i:02d}-" + "x" * 90 for i in range(8))

T = TypeVar("T")


def topology(fabrikam_address: str = "10.1.0.4") -> Topology:
    privatelink = {("@", "SOA"): RecordSet("SOA", 3600, (SOA,)), ("fabrikam", "A"): RecordSet("A", 600, (fabrikam_address,))}
    internal = {
        ("@", "SOA"): RecordSet("SOA", 3600, (SOA,)),
        ("@", "TXT"): RecordSet("TXT", 300, ("v=spf1 -all", "hello world")),
        ("@", "MX"): RecordSet("MX", 300, ("10 mail.contoso.internal", "20 backup.contoso.internal")),
        ("mail", "A"): RecordSet("A", 300, ("10.1.0.25",)),
        ("_ldap._tcp", "SRV"): RecordSet("SRV", 300, ("1 2 389 dc1.contoso.internal",)),
        ("dc1", "A"): RecordSet("A", 300, ("10.1.0.10",)),
        ("dc1", "AAAA"): RecordSet("AAAA", 300, ("fd00::10",)),
        ("www", "CNAME"): RecordSet("CNAME", 300, ("dc1.contoso.internal",)),
        ("host4", "PTR"): RecordSet("PTR", 300, ("dc1.contoso.internal",)),
        ("big", "TXT"): RecordSet("TXT", 300, BIG_TXT),
    }
    return Topology(
        vnets={v: VirtualNetwork(v, ("10.1.0.0/16",)) for v in (LINKED, UNLINKED, REDIRECTED)},
        subnets={SUBNET: Subnet(SUBNET, ("10.1.0.0/24",))},
        endpoints=(
            PrivateEndpoint(f"{SUB}/microsoft.network/privateendpoints/pe1", SUBNET, "10.1.0.4",
                            (Connection(FABRIKAM, "Approved"),)),
            PrivateEndpoint(f"{SUB}/microsoft.network/privateendpoints/pe2", SUBNET, "10.1.0.5",
                            (Connection(CONTOSO, "Approved"),)),
        ),
        zones=(
            PrivateZone(f"{SUB}/microsoft.network/privatednszones/{PRIVATELINK}", PRIVATELINK,
                        (ZoneLink(LINKED), ZoneLink(REDIRECTED, "NxDomainRedirect")), privatelink),
            PrivateZone(f"{SUB}/microsoft.network/privatednszones/{INTERNAL}", INTERNAL, (ZoneLink(LINKED),), internal),
        ),
        vaults={
            "fabrikam": Vault("fabrikam", FABRIKAM, "eastus", public_network_access="Disabled"),
            "contoso": Vault("contoso", CONTOSO, "eastus"),
            "northwind": Vault("northwind", NORTHWIND, "westeurope"),
        },
    )


class BackgroundServer:
    """A DnsServer on an event loop of its own (uvloop when installed), in a daemon thread."""

    def __init__(self, snapshot: Topology | None = None) -> None:
        self.topology = snapshot or topology()
        try:
            import uvloop

            self.loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        except ImportError:  # pragma: no cover
            self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="dns-test-loop", daemon=True)
        self.thread.start()
        self.server = self.call(self._make())

    async def _make(self) -> DnsServer:
        return DnsServer(lambda: self.topology)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def close(self) -> None:
        self.call(self.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

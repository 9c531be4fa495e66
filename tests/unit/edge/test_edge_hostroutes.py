"""Host routing, refusals, and the edge's public surface."""

from __future__ import annotations

import vaultlink.edge
from vaultlink.edge import HostRoutes, Refusal, Served
from vaultlink.edge.http import split_authority
from vaultlink.network.arrive import Arrival
from vaultlink.network.location import INTERNET


async def arm(scope: object, receive: object, send: object) -> None: ...


async def vault(scope: object, receive: object, send: object) -> None: ...


async def special(scope: object, receive: object, send: object) -> None: ...


def test_exact_names_win_then_the_longest_suffix() -> None:
    route = HostRoutes(
        {"management.azure.com": arm, "*.vault.azure.net": vault, "*.privatelink.vault.azure.net": special,
         "Special.Vault.Azure.Net": special}
    )  # fmt: skip
    assert route("management.azure.com", INTERNET) == Served(arm, Arrival(INTERNET, "management.azure.com"))
    assert route.app_for("myvault.vault.azure.net") is vault
    assert route.app_for("special.vault.azure.net") is special
    assert route.app_for("x.privatelink.vault.azure.net") is special
    assert route("vault.azure.net", INTERNET) == Refusal.unknown_host("vault.azure.net")
    refusal = route("evil.com", INTERNET)
    assert isinstance(refusal, Refusal) and refusal.status == 403
    assert "evil.com" in refusal.reason and "nothing leaves this machine" in refusal.reason


def test_refusal_phrase_is_one_printable_line() -> None:
    refusal = Refusal(403, "line one\r\nline two\tand — more")
    assert refusal.phrase == b"line one line two and ? more"
    assert Refusal.bad_credential().status == 407


def test_split_authority() -> None:
    assert split_authority("Management.Azure.com") == ("management.azure.com", None)
    assert split_authority("host:8443") == ("host", 8443)
    assert split_authority("[::1]:443") == ("::1", 443)
    assert split_authority("[::1]") == ("::1", None)
    assert split_authority("vault.azure.net.:443") == ("vault.azure.net", 443)
    assert split_authority("host:notaport") == ("host", None)


def test_public_surface() -> None:
    assert sorted(vaultlink.edge.__all__) == [
        "ASGIApp", "CertificateAuthority", "Edge", "HostRoutes", "Locate", "Message", "Receive", "Refusal",
        "Route", "Scope", "Send", "Served", "Target",
    ]  # fmt: skip
    for name in vaultlink.edge.__all__:
        assert hasattr(vaultlink.edge, name)

from __future__ import annotations

import asyncio
import json

import pytest

from vaultlink.arm import versions
from vaultlink.arm.app import ArmApp, scope_of
from vaultlink.arm.dispatch import Call, Reply, Route, RouteTable
from vaultlink.core import errors
from vaultlink.store import StoreConflict
from vaultlink.store.retry import ATTEMPTS


def op(name: str):  # type: ignore[no-untyped-def]
    def run(call: Call) -> Reply:
        return Reply(200, name)
    return run


ROUTER = RouteTable([
    Route("Providers_Get", "GET", "/subscriptions/{s}/providers/{namespace}", op("provider")),
    Route("Providers_Register", "POST", "/subscriptions/{s}/providers/{namespace}/register", op("register")),
    Route("Resources_Generic", "GET", "/subscriptions/{s}/providers/{namespace}/{type}", op("generic")),
    Route("Vaults_ListBySubscription", "GET", "/subscriptions/{s}/providers/Microsoft.KeyVault/vaults", op("vaults")),
])


def test_literal_segments_win_and_compare_case_insensitively() -> None:
    route, params = ROUTER.find("GET", "/SUBSCRIPTIONS/x/PROVIDERS/microsoft.keyvault/VAULTS")
    assert route.operation.__name__ == "run" and params == {"s": "x"}
    assert ROUTER.find("GET", "/subscriptions/x/providers/Microsoft.KeyVault/vaults")[0].template.endswith("/vaults")
    assert ROUTER.find("GET", "/subscriptions/x/providers/Microsoft.Network/things")[1]["type"] == "things"


def test_method_and_path_errors() -> None:
    with pytest.raises(errors.HttpMethodNotSupported):
        ROUTER.find("DELETE", "/subscriptions/x/providers/Microsoft.KeyVault")
    with pytest.raises(errors.PathNotFound):
        ROUTER.find("GET", "/nothing/here")
    assert ROUTER.find("HEAD", "/subscriptions/x/providers/ns")[0].method == "GET"


def test_scope_of_strips_to_the_resource_acted_on() -> None:
    assert scope_of("/subscriptions/s/providers/Microsoft.KeyVault/register") == "/subscriptions/s"
    assert scope_of("/subscriptions/s/resourcegroups/rg/providers/Microsoft.Network/virtualNetworks") == "/subscriptions/s/resourceGroups/rg"
    assert scope_of("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/accessPolicies/add").endswith("/vaults/v/accessPolicies/add")


def test_api_versions() -> None:
    assert versions.check("Microsoft.Resources", "2021-04-01", "resourceGroups") == "2021-04-01"
    with pytest.raises(errors.MissingApiVersionParameter):
        versions.check("Microsoft.Resources", None, "resourceGroups")
    with pytest.raises(errors.InvalidApiVersionParameter):
        versions.check("Microsoft.Resources", "2013-01-01", "resourceGroups")
    with pytest.raises(errors.NoRegisteredProviderFound):
        versions.check("Microsoft.Network", "2099-01-01", "Microsoft.Network/virtualNetworks")
    # a release newer than the table but not in the future is accepted, so a new SDK is not refused
    assert versions.check("Microsoft.Network", "2026-01-01", "Microsoft.Network/virtualNetworks") == "2026-01-01"


def test_error_messages_fill_their_templates() -> None:
    e = errors.ResourceGroupNotFound(name="rg1")
    assert e.code == "ResourceGroupNotFound" and e.status == 404
    assert e.envelope() == {"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'rg1' could not be found."}}


# ---- lost races ---------------------------------------------------------------------------------------------

def _lost(times: int) -> tuple[list[int], Route]:
    """A route whose operation loses an optimistic race `times` times, then succeeds; `ran` counts its runs."""
    ran: list[int] = []

    def run(call: Call) -> Reply:
        ran.append(1)
        if len(ran) <= times:
            raise StoreConflict(f"expected version {len(ran)}, found version {len(ran) + 1}")
        return Reply(200, {"runs": len(ran)})

    return ran, Route("Thing_Put", "PUT", "/subscriptions/{s}/things/{name}", run, authenticated=False)


def _put(app: ArmApp) -> tuple[int, dict[str, object]]:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "PUT", "path": "/subscriptions/s/things/t", "query_string": b"api-version=2021-04-01",
             "headers": [(b"host", b"management.azure.com")]}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    return int(sent[0]["status"]), json.loads(body)  # type: ignore[call-overload]


def test_an_operation_that_lost_a_race_runs_again_from_the_start() -> None:
    ran, route = _lost(3)
    status, body = _put(ArmApp([route], None, None, None, 1 << 20))  # type: ignore[arg-type]
    assert (status, body, len(ran)) == (200, {"runs": 4}, 4)


def test_an_operation_that_loses_every_attempt_is_answered_409_conflict_not_500() -> None:
    ran, route = _lost(10**6)
    status, body = _put(ArmApp([route], None, None, None, 1 << 20))  # type: ignore[arg-type]
    assert status == 409 and body["error"]["code"] == "Conflict"  # type: ignore[index]
    assert "changed by another request" in body["error"]["message"]  # type: ignore[index]
    assert len(ran) == ATTEMPTS

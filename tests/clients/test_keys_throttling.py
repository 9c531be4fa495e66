"""`vaultlink up --throttle`: Azure's per-vault limits per 10 seconds, answered with Azure's 429."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running, start

THROTTLED = {"error": {"code": "Throttled", "message": "Request was not processed because too many requests were "
                       "received. Reason: VaultRequestTypeLimitReached"}}


@pytest.fixture
def throttled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    running = start(tmp_path / "data", "--throttle")
    for name, value in running.env_exports().items():
        monkeypatch.setenv(name, value)
    try:
        yield running
    finally:
        running.stop()


def session(running: Running) -> requests.Session:
    s = requests.Session()
    s.proxies = {"https": running.proxy}
    s.verify = running.ca
    s.headers["Authorization"] = "Bearer " + owner_credential(running).get_token("https://vault.azure.net/.default").token
    return s


def test_key_and_secret_creates_are_limited_per_vault(throttled: Running) -> None:
    first, second = make_vault(throttled), make_vault(throttled)
    s = session(throttled)
    create = f"{vault_url(first)}/keys/k{{}}/create?api-version=7.6"
    for i in range(20):
        assert s.post(create.format(i), json={"kty": "EC"}).status_code == 200
    refused = s.post(create.format(20), json={"kty": "EC"})
    assert refused.status_code == 429 and refused.json() == THROTTLED
    assert "Retry-After" not in refused.headers
    assert s.get(f"{vault_url(first)}/keys/k20?api-version=7.6").status_code == 404  # nothing was created
    assert s.get(f"{vault_url(first)}/keys/k0?api-version=7.6").status_code == 200  # other transactions go on
    assert s.post(f"{vault_url(second)}/keys/k0/create?api-version=7.6", json={"kty": "EC"}).status_code == 200

    put = f"{vault_url(first)}/secrets/s{{}}?api-version=7.6"
    for i in range(300):
        assert s.put(put.format(i), json={"value": "v"}).status_code == 200, i
    assert s.put(put.format(300), json={"value": "v"}).json() == THROTTLED
    assert s.get(f"{vault_url(first)}/secrets/s1?api-version=7.6").status_code == 200


def test_throttling_is_off_by_default(vaultlink: Running) -> None:
    name = make_vault(vaultlink)
    s = session(vaultlink)
    for i in range(25):
        assert s.post(f"{vault_url(name)}/keys/k{i}/create?api-version=7.6", json={"kty": "EC"}).status_code == 200

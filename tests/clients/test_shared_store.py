"""Two vaultlink processes on one PostgreSQL store: one tenant, one signing key, each other's writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.postgres import throwaway_database
from tests.vaultlink_process import Running, start

pytestmark = pytest.mark.postgres


def client(running: Running, credential: ClientSecretCredential | None = None) -> ResourceManagementClient:
    creds = running.credentials
    credential = credential or ClientSecretCredential(
        creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
        proxies={"https": running.proxy}, connection_verify=running.ca,
    )
    return ResourceManagementClient(credential, creds["subscriptionId"], proxies={"https": running.proxy},
                                    connection_verify=running.ca)


def test_two_processes_share_state(tmp_path: Path) -> None:
    root_key = {"VAULTLINK_ROOT_KEY_FILE": str(tmp_path / "shared-root.key")}
    with throwaway_database() as url:
        a = start(tmp_path / "a", "--store", url, env=root_key)
        b = start(tmp_path / "b", "--store", url, env=root_key)
        try:
            assert a.credentials == b.credentials  # one default tenant, not one per process
            a_client = client(a)
            a_client.resource_groups.create_or_update("rg-from-a", {"location": "eastus", "tags": {"by": "a"}})
            assert client(b).resource_groups.get("rg-from-a").tags == {"by": "a"}
            client(b).resource_groups.update("rg-from-a", {"tags": {"by": "b"}})
            assert a_client.resource_groups.get("rg-from-a").tags == {"by": "b"}

            # a token minted by one process is honoured by the other: they share the signing key
            creds = a.credentials
            via_a = ClientSecretCredential(
                creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
                proxies={"https": a.proxy}, connection_verify=a.ca,
            )
            token = via_a.get_token("https://management.core.windows.net//.default")
            b_with_a_token = client(b, credential=_Fixed(token.token))  # type: ignore[arg-type]
            assert "rg-from-a" in [g.name for g in b_with_a_token.resource_groups.list()]
        finally:
            a.stop()
            b.stop()


def test_a_different_root_key_is_refused_clearly(tmp_path: Path) -> None:
    with throwaway_database() as url:
        first = start(tmp_path / "first", "--store", url)
        first.stop()
        result = subprocess.run(
            [sys.executable, "-m", "vaultlink", "up", "--data-dir", str(tmp_path / "second"), "--store", url,
             "--proxy-port", "0"],
            capture_output=True, text=True, timeout=30, check=False,
        )
        assert result.returncode == 1
        assert "sealed under another root key" in result.stderr
        assert "Traceback" not in result.stderr


class _Fixed:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, 2**31)

    def get_token_info(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self.token, 2**31)

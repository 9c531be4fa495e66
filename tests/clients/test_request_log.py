"""`vaultlink up -v` logs one line per request, and never what a request carries."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.core.pipeline import PipelineResponse
from azure.keyvault.secrets import SecretClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.clients.machines_support import cloud, unique, vaultlink_cli, vm_json
from tests.vaultlink_process import Running, start


@pytest.fixture
def verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    running = start(tmp_path / "data", "-v")
    for name, value in running.env_exports().items():
        monkeypatch.setenv(name, value)
    try:
        yield running
    finally:
        running.stop()


def lines(running: Running, pattern: str) -> list[str]:
    """The log's lines matching `pattern`. A request's line is written once its answer has gone out, so the client
    can see the answer a moment before the line is there: wait a few seconds for it."""
    deadline = time.monotonic() + 5
    while True:
        found = [line for line in running.log.read_text().splitlines() if re.search(pattern, line)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_each_request_is_one_line_without_values_or_tokens(verbose: Running) -> None:
    vault = make_vault(verbose)
    credential = owner_credential(verbose)
    client = SecretClient(vault_url(vault), credential)
    value = f"never-in-the-log-{uuid.uuid4().hex}"
    ids: list[str] = []

    def keep_id(response: PipelineResponse) -> None:  # type: ignore[type-arg]
        ids.append(response.http_response.headers["x-ms-request-id"])

    client.set_secret("db-password", value, raw_response_hook=keep_id)
    assert client.get_secret("db-password").value == value
    with pytest.raises(ResourceNotFoundError):
        client.get_secret("absent")
    token = credential.get_token("https://vault.azure.net/.default").token

    host = f"{vault}.vault.azure.net"
    number = r"\d+\.\d ms"
    put = lines(verbose, rf"PUT {host} /secrets/db-password api-version=[\d.-]+ 200 from the internet \(.+\) in "
                         rf"{number} request-id {ids[-1]}$")
    assert len(put) == 1, verbose.log.read_text()[-3000:]
    assert lines(verbose, rf"PUT {host} /secrets/db-password api-version=[\d.-]+ 401 ")  # the bearer challenge
    assert lines(verbose, rf"GET {host} /secrets/db-password/? api-version=[\d.-]+ 200 from the internet")
    assert lines(verbose, rf"GET {host} /secrets/absent/? api-version=[\d.-]+ 404 from the internet .* request-id "
                          r"[0-9a-f-]{32,36}$")
    assert lines(verbose, rf"PUT management\.azure\.com /subscriptions/[^ ]+/vaults/{vault} api-version=[\d-]+ 20[01] ")
    assert lines(verbose, r"POST login\.microsoftonline\.com /[^ ]+/oauth2/v2\.0/token api-version=- 200 ")

    # From a machine: the line names it, and its proxy credential stays out of the log too.
    az = cloud(verbose)
    group = az.group()
    az.vnet(group, "net")
    machine = vm_json(verbose, "create", unique("box-"), "-g", group, "--vnet", "net", "--subnet", "default")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in
                   vaultlink_cli(verbose, "env", "--vm", machine["name"]).stdout.splitlines() if "=" in line)
    proxy = exports["HTTPS_PROXY"].strip("'\"")
    inside = requests.get(f"{vault_url(vault)}/secrets/db-password?api-version=7.6", proxies={"https": proxy},
                          verify=verbose.ca, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert inside.status_code == 200
    assert lines(verbose, rf"GET {host} /secrets/db-password api-version=7\.6 200 from machine "
                          rf"\S+/virtualmachines/{machine['name']} \({re.escape(machine['privateIp'])}\) in {number} "
                          rf"request-id {inside.headers['x-ms-request-id']}$")

    # A CONNECT the edge refuses never reaches an app, and still has its line.
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://nowhere.example.com/", proxies={"https": verbose.proxy}, verify=verbose.ca, timeout=30)
    assert lines(verbose, r"CONNECT nowhere\.example\.com:443 - api-version=- 4\d\d from the internet ")

    log = verbose.log.read_text()
    assert proxy.split("@")[0].rsplit(":", 1)[1] not in log  # the machine's proxy password
    assert value not in log  # the secret's value
    assert token not in log and token.split(".")[2] not in log  # the bearer token, whole or its signature
    assert verbose.credentials["servicePrincipal"]["secret"] not in log  # the client secret the token was bought with

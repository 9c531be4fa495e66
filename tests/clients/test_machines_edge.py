"""A machine as a location: `vaultlink vm create|show|list|exec` and `vaultlink env --vm`, and the edge that
takes a machine's proxy credential for that machine (a vault's firewall rule for the machine's public address
admits it, the internet stays refused) and refuses any credential it did not hand out (407, nothing served)."""

from __future__ import annotations

import base64
import json
import shlex
import socket
import urllib.request
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.clients.machines_support import Cloud, cloud, unique, vaultlink_cli, vm_json
from tests.clients.seed_support import build_seed, observe, same_after_restarts
from tests.vaultlink_process import Running

INTERNET_ADDRESS = "203.0.113.50"


@pytest.fixture(scope="module")
def az(vaultlink: Running) -> Cloud:
    return cloud(vaultlink)


@pytest.fixture(scope="module")
def network(az: Cloud) -> tuple[str, str]:
    """A group with a virtual network named `net` and its subnet `default`."""
    group = az.group()
    az.vnet(group, "net")
    return group, "net"


@pytest.fixture(scope="module")
def machine(vaultlink: Running, network: tuple[str, str]) -> dict[str, Any]:
    group, vnet = network
    return vm_json(vaultlink, "create", unique("box-"), "-g", group, "--vnet", vnet, "--subnet", "default")


def exports_of(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        out[name] = shlex.split(value)[0] if value else ""
    return out


def machine_env(running: Running, name: str) -> dict[str, str]:
    return exports_of(vaultlink_cli(running, "env", "--vm", name).stdout)


def live_status(running: Running) -> dict[str, Any]:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{running.proxy}/vaultlink/status") as r:
        data: dict[str, Any] = json.loads(r.read())
    return data


def connect(running: Running, authorization: str | None) -> bytes:
    """A CONNECT to management.azure.com with this Proxy-Authorization: the edge's answer. A refusal is read to
    the end (the edge closes the connection); an open tunnel only to the end of its head."""
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as s:
        head = [b"CONNECT management.azure.com:443 HTTP/1.1", b"Host: management.azure.com:443"]
        if authorization is not None:
            head.append(b"Proxy-Authorization: " + authorization.encode())
        s.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
            if data.startswith(b"HTTP/1.1 200") and b"\r\n\r\n" in data:
                break
    return data


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def test_create_show_and_list(vaultlink: Running, network: tuple[str, str], machine: dict[str, Any]) -> None:
    group, vnet = network
    assert (machine["resourceGroup"], machine["location"], machine["vmSize"], machine["provisioningState"]) == (
        group, "eastus", "Standard_B1s", "Succeeded")
    assert machine["privateIp"].startswith("10.0.1.") and machine["subnet"].endswith(f"/virtualNetworks/{vnet}/subnets/default")
    assert machine["publicIp"].startswith("203.0.113.") and 100 <= int(machine["publicIp"].rsplit(".", 1)[1]) <= 254
    views = live_status(vaultlink).get("dnsViews") or {}
    assert machine["dnsServer"] == views.get(machine["virtualNetwork"].lower())

    shown = vm_json(vaultlink, "show", machine["name"])
    assert shown == machine
    assert vm_json(vaultlink, "show", machine["name"], "-g", group) == machine
    listed = json.loads(vaultlink_cli(vaultlink, "vm", "list", "-g", group, "-o", "json").stdout)
    assert [m["name"] for m in listed] == [machine["name"]]
    text = vaultlink_cli(vaultlink, "vm", "list").stdout
    assert machine["name"] in text and machine["privateIp"] in text and machine["publicIp"] in text

    second = vm_json(vaultlink, "create", unique("box-"), "-g", group, "--vnet", vnet, "--subnet", "default")
    assert second["publicIp"] != machine["publicIp"] and second["privateIp"] != machine["privateIp"]


def test_cli_errors_go_to_stderr_with_exit_1(vaultlink: Running, network: tuple[str, str],
                                             machine: dict[str, Any]) -> None:
    group, vnet = network
    for args in (["vm", "show", "no-such-box"], ["env", "--vm", "no-such-box"],
                 ["vm", "create", machine["name"], "-g", group, "--vnet", vnet, "--subnet", "default"],
                 ["vm", "create", unique("box-"), "-g", group, "--vnet", vnet, "--subnet", "missing"],
                 ["vm", "exec", "no-such-box", "--", "true"]):
        result = vaultlink_cli(vaultlink, *args, check=False)
        assert result.returncode == 1 and result.stdout == "", (args, result.stdout)
        assert result.stderr.startswith("vaultlink: "), result.stderr
    missing = vaultlink_cli(vaultlink, "vm", "create", unique("box-"), "-g", group, "--vnet", vnet, "--subnet",
                            "missing", check=False)
    assert "InvalidResourceReference" in missing.stderr


def test_env_vm_names_the_machine(vaultlink: Running, machine: dict[str, Any]) -> None:
    internet = exports_of(vaultlink_cli(vaultlink, "env").stdout)
    inside = machine_env(vaultlink, machine["name"])
    assert set(inside) == set(internet)
    assert {k: v for k, v in inside.items() if not k.upper().endswith("_PROXY")} == \
        {k: v for k, v in internet.items() if not k.upper().endswith("_PROXY")}
    proxy = inside["HTTPS_PROXY"]
    assert inside["HTTP_PROXY"] == inside["https_proxy"] == inside["http_proxy"] == proxy
    assert inside["NO_PROXY"] == inside["no_proxy"] == ""
    user, secret = proxy.removeprefix("http://").split("@")[0].split(":")
    assert user == f"vm-{machine['vmId']}" and len(secret) >= 32
    assert proxy.endswith("@" + vaultlink.proxy.removeprefix("http://"))
    assert machine_env(vaultlink, machine["name"])["HTTPS_PROXY"] == proxy  # shown again, the same


def test_the_machine_reaches_a_vault_its_firewall_admits_and_the_internet_does_not(
        vaultlink: Running, machine: dict[str, Any]) -> None:
    name = make_vault(vaultlink)
    c = vaultlink.credentials
    SecretClient(vault_url(name), owner_credential(vaultlink)).set_secret("inside", "only")
    KeyVaultManagementClient(owner_credential(vaultlink), c["subscriptionId"]).vaults.update("rg-data", name, {
        "properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "None",
                                       "ipRules": [{"value": machine["publicIp"]}]}}})

    proxy = {"https": machine_env(vaultlink, machine["name"])["HTTPS_PROXY"]}
    credential = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"],
                                        proxies=proxy, connection_verify=vaultlink.ca)
    on_machine = SecretClient(vault_url(name), credential, proxies=proxy, connection_verify=vaultlink.ca)
    assert on_machine.get_secret("inside").value == "only"
    on_machine.set_secret("written", "from the machine")

    with pytest.raises(HttpResponseError) as err:
        SecretClient(vault_url(name), owner_credential(vaultlink)).get_secret("inside")
    body = err.value.response.json()["error"]
    assert (err.value.status_code, body["innererror"]["code"]) == (403, "ForbiddenByFirewall")
    assert f"Client address: {INTERNET_ADDRESS}" in body["message"]


@pytest.mark.parametrize("forge", ["wrong secret", "unknown user", "bearer", "not base64", "no colon", "empty"])
def test_a_forged_credential_is_refused_and_nothing_is_served(vaultlink: Running, machine: dict[str, Any],
                                                              forge: str) -> None:
    user, secret = machine_env(vaultlink, machine["name"])["HTTPS_PROXY"].removeprefix("http://").split("@")[0].split(":")
    header = {
        "wrong secret": basic(user, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        "unknown user": basic("vm-00000000-0000-0000-0000-000000000000", secret),
        "bearer": "Bearer " + secret,
        "not base64": "Basic !!!not-base64!!!",
        "no colon": "Basic " + base64.b64encode(user.encode()).decode(),
        "empty": "",
    }[forge]
    answer = connect(vaultlink, header)
    assert answer.startswith(b"HTTP/1.1 407 "), answer
    assert b"proxy-authenticate: basic" in answer.lower()
    assert b"Proxy authentication failed" in answer and b"Connection Established" not in answer

    assert connect(vaultlink, basic(user, secret)).startswith(b"HTTP/1.1 200 Connection Established")
    assert connect(vaultlink, None).startswith(b"HTTP/1.1 200 Connection Established")


def test_forged_credentials_through_real_clients(vaultlink: Running, machine: dict[str, Any]) -> None:
    proxy = machine_env(vaultlink, machine["name"])["HTTPS_PROXY"]
    forged = proxy.replace(":" + proxy.split(":")[2].split("@")[0] + "@", ":forged@")
    with pytest.raises(requests.exceptions.ProxyError) as err:
        requests.get("https://management.azure.com/subscriptions?api-version=2022-12-01",
                     proxies={"https": forged}, verify=vaultlink.ca, timeout=10)
    assert "407" in str(err.value)
    plain = requests.get("http://management.azure.com/subscriptions?api-version=2022-12-01",
                         proxies={"http": forged}, timeout=10)
    assert plain.status_code == 407 and "Proxy authentication failed" in plain.text
    ok = requests.get("https://management.azure.com/subscriptions?api-version=2022-12-01",
                      proxies={"https": proxy}, verify=vaultlink.ca, timeout=10)
    assert ok.status_code == 401  # past the edge: ARM itself asks for a token


def test_a_deleted_machine_credential_is_refused(vaultlink: Running, az: Cloud, network: tuple[str, str]) -> None:
    group, vnet = network
    doomed = vm_json(vaultlink, "create", unique("box-"), "-g", group, "--vnet", vnet, "--subnet", "default")
    user, secret = machine_env(vaultlink, doomed["name"])["HTTPS_PROXY"].removeprefix("http://").split("@")[0].split(":")
    assert connect(vaultlink, basic(user, secret)).startswith(b"HTTP/1.1 200")
    az.compute.virtual_machines.begin_delete(group, doomed["name"]).result()
    assert connect(vaultlink, basic(user, secret)).startswith(b"HTTP/1.1 407")


def test_exec_runs_the_command_as_the_machine(vaultlink: Running, machine: dict[str, Any]) -> None:
    expected = machine_env(vaultlink, machine["name"])["HTTPS_PROXY"]
    result = vaultlink_cli(vaultlink, "vm", "exec", machine["name"], "--", "python", "-c",
                           "import os; print(os.environ['HTTPS_PROXY'])")
    assert result.stdout.strip() == expected
    failing = vaultlink_cli(vaultlink, "vm", "exec", machine["name"], "--", "python", "-c", "raise SystemExit(3)",
                            check=False)
    assert failing.returncode == 3


def test_exec_makes_the_network_resolver_the_system_resolver_where_it_can(vaultlink: Running,
                                                                          machine: dict[str, Any]) -> None:
    result = vaultlink_cli(vaultlink, "vm", "exec", machine["name"], "--", "cat", "/etc/resolv.conf")
    system = (live_status(vaultlink).get("dnsViews53") or {}).get(machine["virtualNetwork"].lower())
    if system is None or "point nslookup or dig at it explicitly" in result.stderr:
        assert "point nslookup or dig at it explicitly" in result.stderr
        if machine["dnsServer"]:
            host, port = machine["dnsServer"].rsplit(":", 1)
            assert f"-port={port}" in result.stderr and host in result.stderr
        pytest.skip("no resolver on port 53 for the machine's network, or no private mount namespace here")
    assert result.stdout.splitlines()[0] == f"nameserver {system.split(':')[0]}"
    with open("/etc/resolv.conf") as f:
        assert f"nameserver {system.split(':')[0]}" not in f.read()  # only the command saw it


def test_machines_keep_their_addresses_credentials_and_answers_after_a_restart(fresh_vaultlink: Running) -> None:
    """The seed's two machines on a server of this test's own: what `vaultlink vm show` and `vaultlink env --vm`
    print, what the vault sees of each machine's requests, and everything the seed's clients observe, across
    SIGTERM and SIGKILL. The exports handed out before keep working: the proxies are read once, before."""
    running = fresh_vaultlink
    site = build_seed(running)
    url = f"https://{site.vault}.vault.azure.net/healthstatus"

    def look() -> dict[str, Any]:
        return {**observe(site),
                "vm-show": {vm: vm_json(running, "show", vm) for vm in site.proxies},
                "vm-env": {vm: machine_env(running, vm) for vm in site.proxies},
                "seen-as": {vm: requests.get(url, proxies={"https": proxy}, verify=running.ca, timeout=10)
                            .headers["x-ms-keyvault-network-info"] for vm, proxy in site.proxies.items()}}

    before = same_after_restarts(running, look)
    assert before["seen-as"]["inside-vm"].startswith("conn_type=Ipv4;addr=10.1.0.")
    assert before["vm-env"]["inside-vm"]["HTTPS_PROXY"] == site.proxies["inside-vm"]

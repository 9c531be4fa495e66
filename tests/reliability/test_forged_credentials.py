"""Forged location credentials: variations of the proxy credential a machine gets from `vaultlink env --vm`,
each offered on a CONNECT and on a plain absolute-form request, by raw sockets, and the ones a proxy URL can
carry by a real client. None may land inside the network: the edge refuses it (407, or 400 for a request that
names two credentials), and a vault whose firewall admits only the machine never serves it.
"""

from __future__ import annotations

import base64
import shlex
import socket
from collections.abc import Iterator

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient

from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.clients.machines_support import cloud, unique, vaultlink_cli, vm_json
from tests.reliability.conftest import Probe, size
from tests.vaultlink_process import Running, serving

REFUSED = (b"HTTP/1.1 407 ", b"HTTP/1.1 400 ")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serving(tmp_path_factory.mktemp("credentials") / "data") as running:
        yield running


def proxy_of(running: Running, machine: str) -> str:
    for line in vaultlink_cli(running, "env", "--vm", machine).stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name == "HTTPS_PROXY":
            return shlex.split(value)[0]
    raise AssertionError("no HTTPS_PROXY for the machine")


def user_secret(proxy: str) -> tuple[str, str]:
    user, _, secret = proxy.removeprefix("http://").split("@")[0].partition(":")
    return user, secret


def basic(user: str, secret: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{secret}".encode())


def exchange(running: Running, head: list[bytes]) -> bytes:
    """Send a request head; the edge's answer, to the end of its head (or of the connection)."""
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as s:
        s.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data and (chunk := s.recv(4096)):
            data += chunk
    return data


def connect(running: Running, credentials: list[bytes]) -> bytes:
    head = [b"CONNECT management.azure.com:443 HTTP/1.1", b"Host: management.azure.com:443"]
    return exchange(running, head + [b"Proxy-Authorization: " + c for c in credentials])


def plain(running: Running, credentials: list[bytes]) -> bytes:
    head = [b"GET http://management.azure.com/subscriptions?api-version=2022-12-01 HTTP/1.1",
            b"Host: management.azure.com", b"Connection: close"]
    return exchange(running, head + [b"Proxy-Authorization: " + c for c in credentials])


def forgeries(user: str, secret: str, other_user: str, other_secret: str, gone: tuple[str, str]) -> dict[str, list[bytes]]:
    genuine = basic(user, secret)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    encoded = genuine.removeprefix(b"Basic ")
    return {
        "wrong password": [basic(user, flipped)],
        "password truncated": [basic(user, secret[:-1])],
        "password with a byte more": [basic(user, secret + "x")],
        "password upper-cased": [basic(user, secret.upper())] if secret.upper() != secret else [basic(user, flipped)],
        "empty password": [basic(user, "")],
        "another machine's user with this password": [basic(other_user, secret)],
        "this user with another machine's password": [basic(user, other_secret)],
        "user without its prefix": [basic(user.removeprefix("vm-"), secret)],
        "unknown user": [basic("vm-00000000-0000-0000-0000-000000000000", secret)],
        "deleted machine's credential": [basic(*gone)],
        "malformed base64": [b"Basic !!!not-base64!!!"],
        "base64 cut short": [b"Basic " + encoded[:-3]],
        "base64 with a space inside": [b"Basic " + encoded[:8] + b" " + encoded[8:]],
        "base64 of no colon": [b"Basic " + base64.b64encode(user.encode())],
        "base64 of a colon only": [b"Basic " + base64.b64encode(b":")],
        "latin-1 bytes": [b"Basic " + base64.b64encode(user.encode() + b":\xff\xfe" + secret.encode())],
        "NUL in the user": [basic(user + "\x00", secret)],
        "trailing words": [genuine + b" extra"],
        "Bearer scheme": [b"Bearer " + secret.encode()],
        "Digest scheme": [b'Digest username="' + user.encode() + b'", response="' + secret.encode() + b'"'],
        "scheme alone": [b"Basic"],
        "empty": [b""],
        "a 10 KB credential": [basic(user, secret + "x" * 10_000)],
        "genuine, then forged": [genuine, basic(user, flipped)],
        "forged, then genuine": [basic(user, flipped), genuine],
        "genuine twice": [genuine, genuine],
        "another machine's, then this one's": [basic(other_user, other_secret), genuine],
    }


def test_forged_credentials(server: Running, probe: Probe) -> None:
    az = cloud(server)
    group = az.group()
    az.vnet(group, "net")
    machines = [vm_json(server, "create", unique("box-"), "-g", group, "--vnet", "net", "--subnet", "default")
                for _ in range(3)]
    proxies = [proxy_of(server, m["name"]) for m in machines]
    gone = user_secret(proxies[2])
    az.compute.virtual_machines.begin_delete(group, machines[2]["name"]).result()
    (user, secret), (other_user, other_secret) = user_secret(proxies[0]), user_secret(proxies[1])

    # a vault only the first machine may read
    c = server.credentials
    vault = make_vault(server)
    SecretClient(vault_url(vault), owner_credential(server)).set_secret("inside", "only")
    KeyVaultManagementClient(owner_credential(server), c["subscriptionId"]).vaults.update("rg-data", vault, {
        "properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "None",
                                       "ipRules": [{"value": machines[0]["publicIp"]}]}}})

    def reads_secret(proxy: str, **headers: str) -> int:
        session = requests.Session()
        session.headers.update(headers)
        try:
            credential = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"],
                                                c["servicePrincipal"]["secret"])
            token = credential.get_token("https://vault.azure.net/.default").token
            r = session.get(f"{vault_url(vault)}/secrets/inside?api-version=7.5", timeout=10, verify=server.ca,
                            proxies={"https": proxy}, headers={"Authorization": f"Bearer {token}"})
        except requests.exceptions.ProxyError:
            return 407
        return r.status_code

    # the controls: the genuine credential lands inside and reads; the internet does not
    assert connect(server, [basic(user, secret)]).startswith(b"HTTP/1.1 200 Connection Established")
    assert reads_secret(proxies[0]) == 200
    assert reads_secret(server.proxy) == 403

    table = forgeries(user, secret, other_user, other_secret, gone)
    for _ in range(size(1, 10)):  # again and again: a credential once refused stays refused (no cache lets it in)
        for kind, credentials in table.items():
            for way, send in (("CONNECT", connect), ("absolute-form", plain)):
                answer = send(server, credentials)
                failure = None if answer.startswith(REFUSED) else f"{way} / {kind}: {answer[:80]!r}"
                if failure is None and len(credentials) > 1 and not answer.startswith(b"HTTP/1.1 400 "):
                    failure = f"{way} / {kind}: two credentials were not answered 400: {answer[:80]!r}"
                probe.case(failure)
        assert connect(server, [basic(user, secret)]).startswith(b"HTTP/1.1 200 Connection Established")

    # what a proxy URL can carry, through a real client
    host = server.proxy.removeprefix("http://")
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for kind, (u, s) in {"wrong password": (user, flipped), "another machine's user": (other_user, secret),
                         "another machine's password": (user, other_secret), "deleted machine": gone}.items():
        status = reads_secret(f"http://{u}:{s}@{host}")
        probe.case(None if status == 407 else f"client / {kind}: {status}")
    # a genuine credential inside the tunnel, not on the CONNECT, names no location: the caller is the internet
    status = reads_secret(server.proxy, **{"Proxy-Authorization": basic(user, secret).decode()})
    probe.case(None if status == 403 else f"client / credential inside the tunnel: {status}")

    probe.figures["kinds"] = len(table) + 5
    assert not probe.failures, probe.failures

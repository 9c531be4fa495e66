"""The ARM protocol itself: api-versions, error envelopes, bad bodies, the proxy's refusals, and the
long-running-operation protocol, spoken over real HTTPS through the proxy."""

from __future__ import annotations

import socket
import ssl
import uuid
from pathlib import Path

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running, start


@pytest.fixture(scope="module")
def session(vaultlink: Running) -> requests.Session:
    creds = vaultlink.credentials
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy, "http": vaultlink.proxy}
    s.verify = vaultlink.ca
    s.headers["Authorization"] = "Bearer " + cred.get_token("https://management.core.windows.net//.default").token
    return s


def sub_url(vaultlink: Running, path: str) -> str:
    return f"https://management.azure.com/subscriptions/{vaultlink.credentials['subscriptionId']}{path}"


def test_api_version_is_required(vaultlink: Running, session: requests.Session) -> None:
    r = session.get(sub_url(vaultlink, "/resourcegroups"))
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "MissingApiVersionParameter",
                                  "message": "The api-version query parameter (?api-version=) is required for all requests."}}


def test_unknown_api_version_is_refused(vaultlink: Running, session: requests.Session) -> None:
    r = session.get(sub_url(vaultlink, "/resourcegroups?api-version=2099-01-01"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert "2025-04-01" in r.json()["error"]["message"]
    r = session.get(sub_url(vaultlink, "/resourcegroups?api-version=yesterday"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidApiVersionParameter"
    for old in ("2014-04-01", "2019-10-01", "2021-04-01"):
        assert session.get(sub_url(vaultlink, f"/resourcegroups?api-version={old}")).status_code == 200


def test_malformed_json_changes_nothing(vaultlink: Running, session: requests.Session) -> None:
    url = sub_url(vaultlink, "/resourcegroups/rg-json?api-version=2025-04-01")
    r = session.put(url, data=b'{"location": "eastus",', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidRequestContent"
    r = session.put(url, data=b'["eastus"]', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidRequestContent"
    r = session.put(url, json={"tags": {}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "LocationRequired"
    assert session.get(url).status_code == 404


def test_unknown_namespace_and_path(vaultlink: Running, session: requests.Session) -> None:
    r = session.get(sub_url(vaultlink, "/providers/Contoso.Widgets?api-version=2025-04-01"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "InvalidResourceNamespace"
    r = session.get(sub_url(vaultlink, "/no/such/path/at/all?api-version=2025-04-01"))
    assert r.status_code == 404 and "error" in r.json()
    r = session.post(sub_url(vaultlink, "/resourcegroups?api-version=2025-04-01"), json={})
    assert r.status_code == 405 and r.json()["error"]["code"] == "HttpMethodNotSupported"


def test_group_names_at_the_limits(vaultlink: Running, session: requests.Session) -> None:
    ok = "a" * 90
    assert session.put(sub_url(vaultlink, f"/resourcegroups/{ok}?api-version=2025-04-01"), json={"location": "eastus"}).status_code == 201
    for bad in ("a" * 91, "ends-with-dot.", "semi;colon"):
        r = session.put(sub_url(vaultlink, f"/resourcegroups/{bad}?api-version=2025-04-01"), json={"location": "eastus"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidResourceGroup", bad


def test_oversized_body_is_refused(vaultlink: Running, session: requests.Session) -> None:
    url = sub_url(vaultlink, "/resourcegroups/rg-huge?api-version=2025-04-01")
    body = b'{"location":"eastus","tags":{"x":"' + b"a" * (5 * 1024 * 1024) + b'"}}'
    try:
        r = session.put(url, data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "RequestEntityTooLarge"
    except requests.exceptions.ConnectionError:
        pass  # the server may close the tunnel before the client has finished sending; either way nothing is stored
    assert session.get(url).status_code == 404


def test_resources_filter_as_az_uses_it(vaultlink: Running, session: requests.Session) -> None:
    r = session.get(sub_url(vaultlink, "/resources?$filter=resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'x'&api-version=2015-11-01"))
    assert r.status_code == 200 and r.json() == {"value": []}
    r = session.get(sub_url(vaultlink, "/resources?$filter=startswith(name,'x')&api-version=2025-04-01"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidFilterInQueryString"


def test_graph_lookups_az_makes(vaultlink: Running) -> None:
    creds = vaultlink.credentials
    cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"])
    token = cred.get_token("https://graph.microsoft.com//.default").token
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy}
    s.verify = vaultlink.ca
    s.headers["Authorization"] = f"Bearer {token}"
    me = s.get("https://graph.microsoft.com/v1.0/me")
    assert me.status_code == 400 and me.json()["error"]["code"] == "BadRequest"
    app_id = creds["servicePrincipal"]["appId"]
    sps = s.get(f"https://graph.microsoft.com/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '{app_id}')")
    assert sps.status_code == 200
    assert [sp["id"] for sp in sps.json()["value"]] == [creds["servicePrincipal"]["objectId"]]


def test_hosts_outside_azure_are_refused_by_the_proxy(vaultlink: Running) -> None:
    with pytest.raises(requests.exceptions.ProxyError, match="vaultlink does not serve example.com"):
        requests.get("https://example.com/", proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10)
    r = requests.get("http://example.com/", proxies={"http": vaultlink.proxy}, timeout=10)
    assert r.status_code == 403 and "vaultlink does not serve example.com" in r.text


def test_cli_side_hosts_answer_locally(vaultlink: Running) -> None:
    r = requests.get("https://azcliprod.blob.core.windows.net/cli/azure-cli-core/setup.py",
                     proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10)
    assert r.status_code == 404
    r = requests.post("https://dc.services.visualstudio.com/v2/track", json=[{}],
                      proxies={"https": vaultlink.proxy}, verify=vaultlink.ca, timeout=10)
    assert r.status_code == 200


def test_broken_tls_handshake_does_not_hurt_the_server(vaultlink: Running, session: requests.Session) -> None:
    with socket.create_connection(("127.0.0.1", vaultlink.port), timeout=5) as sock:
        sock.sendall(b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        sock.sendall(b"\x16\x03\x01\x00\x10this is not a client hello at all")
        sock.settimeout(5)
        try:
            sock.recv(1024)
        except (ConnectionResetError, TimeoutError):
            pass
    with socket.create_connection(("127.0.0.1", vaultlink.port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01garbage")
    untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts nothing, so it gives up mid-handshake
    with socket.create_connection(("127.0.0.1", vaultlink.port), timeout=5) as raw, pytest.raises(ssl.SSLError), \
            untrusting.wrap_socket(raw, server_hostname="management.azure.com"):
        pass
    assert session.get(sub_url(vaultlink, "/resourcegroups?api-version=2025-04-01")).status_code == 200


def test_direct_tls_routes_by_sni_and_host(vaultlink: Running, session: requests.Session) -> None:
    token = session.headers["Authorization"]
    ctx = ssl.create_default_context(cafile=vaultlink.ca)
    sub = vaultlink.credentials["subscriptionId"]
    with socket.create_connection(("127.0.0.1", vaultlink.port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname="management.azure.com") as tls:
        tls.sendall(f"GET /subscriptions/{sub}?api-version=2025-04-01 HTTP/1.1\r\nHost: management.azure.com\r\n"
                    f"Authorization: {token}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    assert sub.encode() in data


def test_long_running_operation_protocol(tmp_path: Path) -> None:
    running = start(tmp_path / "data", "--async-operations")
    try:
        creds = running.credentials
        cred = ClientSecretCredential(creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
                                      proxies={"https": running.proxy}, connection_verify=running.ca)
        client = ResourceManagementClient(cred, creds["subscriptionId"], proxies={"https": running.proxy},
                                          connection_verify=running.ca)
        name = f"rg-{uuid.uuid4().hex[:6]}"
        client.resource_groups.create_or_update(name, {"location": "eastus"})
        token = cred.get_token("https://management.core.windows.net//.default").token
        r = requests.delete(f"https://management.azure.com/subscriptions/{creds['subscriptionId']}/resourcegroups/{name}?api-version=2025-04-01",
                            headers={"Authorization": f"Bearer {token}"}, proxies={"https": running.proxy}, verify=running.ca, timeout=10)
        assert r.status_code == 202
        assert int(r.headers["Retry-After"]) >= 1
        polls = [requests.get(r.headers["Azure-AsyncOperation"], headers={"Authorization": f"Bearer {token}"},
                              proxies={"https": running.proxy}, verify=running.ca, timeout=10) for _ in range(2)]
        # Running to the first reader (with when to ask again), done to the next.
        assert [(p.status_code, p.json()["status"]) for p in polls] == [(200, "InProgress"), (200, "Succeeded")]
        assert polls[0].headers["Retry-After"] == "1" and "endTime" in polls[1].json()
        result = requests.get(r.headers["Location"], headers={"Authorization": f"Bearer {token}"},
                              proxies={"https": running.proxy}, verify=running.ca, timeout=10)
        assert result.status_code == 200
        assert client.resource_groups.check_existence(name) is False

        other = f"rg-{uuid.uuid4().hex[:6]}"
        client.resource_groups.create_or_update(other, {"location": "eastus"})
        client.resource_groups.begin_delete(other).result()  # the SDK's poller follows the protocol itself
        assert client.resource_groups.check_existence(other) is False
    finally:
        running.stop()

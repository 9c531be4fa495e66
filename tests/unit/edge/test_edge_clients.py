"""Real clients through the edge: requests, httpx, urllib (3.11 and 3.13's strict verification), curl, openssl."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from edge_support import MAX_BODY, VM_PASSWORD, VM_USER, RunningEdge
from edge_wire import context

VAULT_URL = "https://myvault.vault.azure.net"


@pytest.fixture
def session(edge: RunningEdge) -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # the proxy and CA named here, not the environment's
    session.proxies = {"https": edge.proxy_url, "http": edge.proxy_url}
    session.verify = str(edge.ca.cert_path)
    yield session
    session.close()


# ---- requests (urllib3; Python 3.11 sends CONNECT ... HTTP/1.0 without headers) --------------------------


def test_requests_keeps_one_tunnel_for_many_requests(session: requests.Session, edge: RunningEdge) -> None:
    seen = [session.get(f"{VAULT_URL}/secrets/s{i}", params={"api-version": "7.4"}).json() for i in range(5)]
    assert {s["app"] for s in seen} == {"vault"}
    assert len({tuple(s["client"]) for s in seen}) == 1
    assert seen[0]["query"] == "api-version=7.4" and seen[0]["location"].startswith("the internet")
    arm = session.get("https://management.azure.com/subscriptions").json()
    assert arm["app"] == "arm" and arm["host"] == "management.azure.com"


def test_requests_with_proxy_credentials(session: requests.Session, edge: RunningEdge) -> None:
    url = f"http://{VM_USER}:{VM_PASSWORD}@127.0.0.1:{edge.port}"
    seen = session.get(f"{VAULT_URL}/secrets", proxies={"https": url}).json()
    assert "10.0.0.4" in seen["location"]


def test_requests_with_a_wrong_credential_sees_407(session: requests.Session, edge: RunningEdge) -> None:
    url = f"http://{VM_USER}:wrong@127.0.0.1:{edge.port}"
    with pytest.raises(requests.exceptions.ProxyError, match="407 Proxy authentication failed"):
        session.get(f"{VAULT_URL}/secrets", proxies={"https": url})


def test_requests_to_an_unknown_host_sees_why(session: requests.Session) -> None:
    with pytest.raises(requests.exceptions.ProxyError) as caught:
        session.get("https://www.example.com/")
    message = str(caught.value)
    assert "403" in message and "www.example.com" in message and "only Azure endpoints" in message


def test_requests_plain_http_through_the_proxy(session: requests.Session) -> None:
    seen = session.get("http://management.azure.com/providers?api-version=2021-04-01").json()
    assert (seen["app"], seen["scheme"], seen["path"]) == ("arm", "http", "/providers")


def test_requests_chunked_upload(session: requests.Session) -> None:
    parts = [b"first ", b"second " * 100, b"third"]
    seen = session.put(f"{VAULT_URL}/secrets/x", data=iter(parts)).json()
    assert ["transfer-encoding", "chunked"] in seen["headers"]
    assert seen["body_length"] == sum(map(len, parts))


def test_requests_oversized_upload_gets_413(session: requests.Session) -> None:
    response = session.put(f"{VAULT_URL}/secrets/x", data=b"x" * (MAX_BODY * 4))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"


@pytest.mark.edge_logs_errors
def test_requests_sees_500_json(session: requests.Session) -> None:
    response = session.get(f"{VAULT_URL}/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalServerError"
    assert "kaboom" not in response.text


def test_requests_streamed_response(session: requests.Session) -> None:
    assert session.get(f"{VAULT_URL}/stream").content == b"part 0;part 1;part 2;part 3;part 4;"


# ---- httpx (httpcore; CONNECT HTTP/1.1 with Host) ---------------------------------------------------------


def test_httpx_through_the_proxy(edge: RunningEdge) -> None:
    with httpx.Client(proxy=edge.proxy_url, verify=context(edge.ca), trust_env=False) as client:
        seen = [client.get(f"{VAULT_URL}/secrets/{i}").json() for i in range(3)]
        assert len({tuple(s["client"]) for s in seen}) == 1
        posted = client.post(
            "https://login.microsoftonline.com/t/oauth2/v2.0/token", data={"grant_type": "x"}
        ).json()
        assert posted["app"] == "login" and posted["body_length"] == len("grant_type=x")


def test_httpx_async_through_the_proxy(edge: RunningEdge) -> None:
    import asyncio

    async def scenario() -> list[dict[str, object]]:
        async with httpx.AsyncClient(
            proxy=edge.proxy_url, verify=context(edge.ca), trust_env=False
        ) as client:
            return [(await client.get(f"{VAULT_URL}/k/{i}")).json() for i in range(3)]

    seen = asyncio.run(scenario())
    assert [s["path"] for s in seen] == ["/k/0", "/k/1", "/k/2"]


# ---- urllib --------------------------------------------------------------------------------------------


def test_urllib_through_the_proxy(edge: RunningEdge, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"https": edge.proxy_url, "http": edge.proxy_url}),
        urllib.request.HTTPSHandler(context=context(edge.ca)),
    )
    with opener.open(f"{VAULT_URL}/secrets/u?api-version=7.4", timeout=10) as response:
        assert json.loads(response.read())["path"] == "/secrets/u"
    with pytest.raises(urllib.error.URLError, match="403"):
        opener.open("https://github.com/", timeout=10)


def _python313() -> str | None:
    candidates = [os.environ.get("VAULTLINK_PYTHON313", ""), shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.13*/bin/python3.13"))
    for candidate in candidates:
        if (
            candidate
            and subprocess.run([candidate, "-c", "pass"], check=False, capture_output=True).returncode == 0
        ):
            return candidate
    return None


STRICT_CLIENT = """
import json, ssl, sys, urllib.request
proxy, cafile, url = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=cafile)
assert ctx.verify_flags & ssl.VERIFY_X509_STRICT, "3.13 verifies strictly by default"
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({"https": proxy}), urllib.request.HTTPSHandler(context=ctx))
with opener.open(url, timeout=10) as response:
    print(json.dumps(json.loads(response.read())))
"""


def test_python313_strict_verification_accepts_the_leaf(edge: RunningEdge) -> None:
    python = _python313()
    if python is None:
        pytest.skip("Python 3.13 is not installed")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    result = subprocess.run(
        [python, "-c", STRICT_CLIENT, edge.proxy_url, str(edge.ca.cert_path), f"{VAULT_URL}/secrets/strict"],
        check=False, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["path"] == "/secrets/strict" and seen["app"] == "vault"


# ---- curl and openssl ------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("CURL_")}
    return subprocess.run(args, input=stdin, check=False, capture_output=True, timeout=60, env=env)


def test_curl_through_the_proxy_reuses_the_tunnel(edge: RunningEdge) -> None:
    curl = _tool("curl")
    result = _run(
        [curl, "-sS", "--proxy", edge.proxy_url, "--cacert", str(edge.ca.cert_path),
         "-w", "\\n%{num_connects}\\n", f"{VAULT_URL}/secrets/c1", f"{VAULT_URL}/secrets/c2"]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    first, second = json.loads(lines[0]), json.loads(lines[2])
    assert (first["path"], second["path"]) == ("/secrets/c1", "/secrets/c2")
    assert lines[3] == "0"  # the second transfer opened no connection
    assert first["client"] == second["client"]


def test_curl_plain_http_direct_tls_and_expect_continue(edge: RunningEdge, tmp_path: Path) -> None:
    curl = _tool("curl")
    plain = _run([curl, "-sS", "--proxy", edge.proxy_url, "http://management.azure.com/plain"])
    assert json.loads(plain.stdout)["scheme"] == "http"
    direct = _run(
        [curl, "-sS", "--cacert", str(edge.ca.cert_path),
         "--resolve", f"myvault.vault.azure.net:{edge.port}:127.0.0.1",
         f"https://myvault.vault.azure.net:{edge.port}/direct"]
    )  # fmt: skip
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout)["host"] == "myvault.vault.azure.net"
    payload = tmp_path / "payload"
    payload.write_bytes(b"p" * 20000)
    upload = _run(
        [curl, "-sS", "--proxy", edge.proxy_url, "--cacert", str(edge.ca.cert_path), "-H", "Expect: 100-continue",
         "--expect100-timeout", "20", "--data-binary", f"@{payload}", f"{VAULT_URL}/secrets/up", "-w", "\\n%{time_total}"]
    )  # fmt: skip
    body, elapsed = upload.stdout.decode().rsplit("\n", 1)
    assert json.loads(body)["body_length"] == 20000
    assert float(elapsed) < 10  # the 100 Continue came; curl did not sit out its timeout


def test_curl_sees_the_refusal_reason(edge: RunningEdge) -> None:
    curl = _tool("curl")
    result = _run([curl, "-sS", "-v", "--proxy", edge.proxy_url, "https://example.net/"])
    assert result.returncode != 0
    assert b"403 vaultlink does not serve example.net" in result.stderr


def test_openssl_s_client_through_the_proxy_with_strict_checks(edge: RunningEdge) -> None:
    openssl = _tool("openssl")
    request = b"GET /secrets/o HTTP/1.1\r\nHost: myvault.vault.azure.net\r\nConnection: close\r\n\r\n"
    result = _run(
        [openssl, "s_client", "-proxy", f"127.0.0.1:{edge.port}", "-connect", "myvault.vault.azure.net:443",
         "-servername", "myvault.vault.azure.net", "-CAfile", str(edge.ca.cert_path), "-verify_return_error",
         "-verify_hostname", "myvault.vault.azure.net", "-x509_strict", "-alpn", "http/1.1", "-ign_eof"],
        stdin=request,
    )  # fmt: skip
    out = result.stdout.decode("latin-1")
    assert result.returncode == 0, out + result.stderr.decode("latin-1")
    assert "Verify return code: 0 (ok)" in out
    assert "ALPN protocol: http/1.1" in out
    assert '"path": "/secrets/o"' in out


def test_openssl_s_client_direct_by_sni(edge: RunningEdge) -> None:
    openssl = _tool("openssl")
    request = b"GET / HTTP/1.1\r\nHost: login.microsoftonline.com\r\nConnection: close\r\n\r\n"
    result = _run(
        [openssl, "s_client", "-connect", f"127.0.0.1:{edge.port}", "-servername", "login.microsoftonline.com",
         "-CAfile", str(edge.ca.cert_path), "-verify_return_error", "-x509_strict", "-ign_eof"],
        stdin=request,
    )  # fmt: skip
    out = result.stdout.decode("latin-1")
    assert "Verify return code: 0 (ok)" in out and '"app": "login"' in out

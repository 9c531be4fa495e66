"""Data-plane throughput: keep-alive `GET https://{vault}.vault.azure.net/secrets/{name}?api-version=7.6` with a
valid bearer token (audience https://vault.azure.net), against a vault whose access policy grants the service
principal secrets get.

In the same run, on the same machine:

- vaultlink through its proxy (CONNECT, then TLS in the tunnel: the way every Azure client reaches it) and over
  direct TLS (routed by Host), with the asyncio generator (bench/loadgen.py), and with wrk over direct TLS;
- the bare uvicorn app (bench/bare_server.py) returning the same body, over direct TLS, with both generators:
  the ceiling for one Python process;
- moto's server mode, Secrets Manager `GetSecretValue` (`POST /` with `X-Amz-Target`), the nearest Python peer,
  with wrk over plain HTTP: no TLS and no authentication (a fixed, unsigned SigV4 header only tells moto the
  service), which favours it; moto's server (werkzeug) closes the connection after every answer, so each of its
  requests includes a TCP connect on loopback, which it cannot avoid.

Admission (issue 5): the same GET, through the proxy, against three vaults that differ only in their network
rules — default rules (public access, default action Allow), the firewall's default action Deny with an IP
rule admitting the internet location's address 203.0.113.50, and public access Disabled reached from a machine
in a subnet over an approved private endpoint — with one connection (latency without queueing: the p50
difference is the added latency) and with C connections (throughput: the difference in cost per request).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench import loadgen
from bench.arm_throughput import ARM_HOST, _log_problems, _mint_leaf, _start_bare, parse_wrk
from bench.common import clean_env, fmt_ratio, python, stop

CONNECTIONS = 16
DURATION = 8.0
WARMUP = 1.0
SECRET_API = "7.6"
RG_API, KV_API, NET_API, DNS_API, VM_API = "2025-04-01", "2025-05-01", "2024-07-01", "2024-06-01", "2024-07-01"
ARM_SCOPE = "https://management.core.windows.net//.default"
VAULT_SCOPE = "https://vault.azure.net/.default"
INTERNET_ADDRESS = "203.0.113.50"
"""The public address vaultlink gives a client on the internet (vaultlink.network.location)."""
GROUP = "bench-kv"
ZONE = "privatelink.vaultcore.azure.net"
SECRET = "bench-secret"
VALUE = "s3cr3t-" + "0123456789abcdef" * 3
"""The secret value (55 characters): a connection string or an API key's size."""
RATIO_TARGET = 0.4
RPS_TARGET = 5000.0
ADMISSION_TARGET = 0.10
MOTO_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
"""Not signed (moto does not check): its credential scope is how moto's server picks the service."""


# ---- setting up: tokens, vaults, the machine ----------------------------------------------------------------


def _tokens(running: Any) -> tuple[str, str]:
    from azure.identity import ClientSecretCredential

    creds = running.credentials
    credential = ClientSecretCredential(
        creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
        proxies={"https": running.proxy, "http": running.proxy}, connection_verify=running.ca,
    )
    try:
        return str(credential.get_token(ARM_SCOPE).token), str(credential.get_token(VAULT_SCOPE).token)
    finally:
        credential.close()


def _session(running: Any, token: str, proxy: str | None = None) -> Any:
    import requests

    session = requests.Session()
    session.trust_env = False  # only the proxy given here: nothing else is dialled
    session.proxies = {"https": proxy or running.proxy, "http": proxy or running.proxy}
    session.verify = running.ca
    session.headers["Authorization"] = f"Bearer {token}"
    return session


class _Arm:
    """Raw ARM calls through the proxy, as the SDKs make them."""

    def __init__(self, running: Any, token: str) -> None:
        self.session = _session(running, token)
        self.subscription = running.credentials["subscriptionId"]
        self.group = f"/subscriptions/{self.subscription}/resourceGroups/{GROUP}"

    def put(self, path: str, api: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"https://{ARM_HOST}{path}?api-version={api}"
        reply = self.session.put(url, json=body, timeout=30)
        if reply.status_code not in (200, 201, 202):
            raise RuntimeError(f"PUT {path} answered {reply.status_code}: {reply.text[:500]}")
        deadline = time.monotonic() + 30
        while True:  # a create answered asynchronously (vaultlink's async mode) finishes soon after
            got = reply.json() if reply.content else {}
            state = (got.get("properties") or {}).get("provisioningState", "Succeeded")
            if state == "Succeeded":
                return dict(got)
            if state in ("Failed", "Canceled") or time.monotonic() > deadline:
                raise RuntimeError(f"PUT {path} ended {state}: {got}")
            time.sleep(0.1)
            reply = self.session.get(url, timeout=30)

    def close(self) -> None:
        self.session.close()


def _vault(arm: _Arm, running: Any, name: str, **properties: Any) -> str:
    c = running.credentials
    policy = {"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
              "permissions": {"secrets": ["get", "set"], "keys": [], "certificates": []}}
    vault = arm.put(f"{arm.group}/providers/Microsoft.KeyVault/vaults/{name}", KV_API, {
        "location": "eastus", "properties": {
            "tenantId": c["tenantId"], "sku": {"family": "A", "name": "standard"}, "accessPolicies": [policy],
            **properties}})
    return str(vault["id"])


def _private_world(arm: _Arm, running: Any, vault_id: str, vault: str) -> str:
    """A virtual network with the private zone linked, an approved private endpoint to the vault and its A
    record, and a machine in the subnet; returns the machine's Proxy-Authorization (`vaultlink env --vm`)."""
    net = f"{arm.group}/providers/Microsoft.Network"
    vnet_id, zone_id = f"{net}/virtualNetworks/bench-vnet", f"{net}/privateDnsZones/{ZONE}"
    subnet_id = f"{vnet_id}/subnets/default"
    arm.put(vnet_id, NET_API, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.7.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.7.0.0/24"}}]}})
    arm.put(zone_id, DNS_API, {"location": "global"})
    arm.put(f"{zone_id}/virtualNetworkLinks/bench-link", DNS_API, {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}})
    pe = arm.put(f"{net}/privateEndpoints/bench-pe", NET_API, {"location": "eastus", "properties": {
        "subnet": {"id": subnet_id}, "privateLinkServiceConnections": [{"name": "bench-conn", "properties": {
            "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}})
    state = pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    if state["status"] != "Approved":
        raise RuntimeError(f"the private endpoint's connection is {state['status']}, not Approved")
    address = pe["properties"]["customDnsConfigs"][0]["ipAddresses"][0]
    arm.put(f"{zone_id}/A/{vault}", DNS_API, {"properties": {"ttl": 600, "aRecords": [{"ipv4Address": address}]}})
    arm.put(f"{arm.group}/providers/Microsoft.Compute/virtualMachines/bench-vm", VM_API, {
        "location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}, "networkProfile": {
            "networkApiVersion": NET_API, "networkInterfaceConfigurations": [{"name": "bench-vm-nic", "properties": {
                "primary": True, "deleteOption": "Delete", "ipConfigurations": [{"name": "ipconfig1", "properties": {
                    "subnet": {"id": subnet_id}}}]}}]}}})
    out = subprocess.run(
        [python(), "-m", "vaultlink", "env", "--vm", "bench-vm", "-g", GROUP, "--data-dir", str(running.data_dir)],
        check=False, capture_output=True, text=True, timeout=60, env=clean_env(),
    )
    if out.returncode != 0:
        raise RuntimeError(f"vaultlink env --vm failed: {out.stderr or out.stdout}")
    for line in out.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name == "HTTPS_PROXY":
            url = urlsplit(value.strip().strip("'\""))
            if url.username and url.password:
                pair = f"{unquote(url.username)}:{unquote(url.password)}".encode()
                return "Basic " + base64.b64encode(pair).decode()
    raise RuntimeError(f"vaultlink env --vm printed no proxy credential:\n{out.stdout}")


def _secret(running: Any, token: str, vault: str, proxy: str | None = None) -> bytes:
    """Set the secret, then GET it once the way the benchmark will; return the GET's body."""
    with _session(running, token, proxy) as session:
        url = f"https://{vault}.vault.azure.net/secrets/{SECRET}?api-version={SECRET_API}"
        put = session.put(url, json={"value": VALUE}, timeout=30)
        if put.status_code != 200:
            raise RuntimeError(f"PUT {url} answered {put.status_code}: {put.text[:500]}")
        got = session.get(url, timeout=30)
        if got.status_code != 200 or got.json().get("value") != VALUE:
            raise RuntimeError(f"GET {url} answered {got.status_code}: {got.text[:500]}")
        return bytes(got.content)


# ---- moto ---------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_moto(work: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`python -m moto.server` (what `moto_server` runs) on 127.0.0.1, with the secret created by boto3."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    port = _free_port()
    log_path = work / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([python(), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        client = boto3.client(
            "secretsmanager", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(proxies={}, retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
        )
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not listen in 30 s:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        client.create_secret(Name=SECRET, SecretString=VALUE)
        return process, port, log_path
    except BaseException:
        stop(process)
        raise


def _moto_get(port: int) -> bytes:
    """One GetSecretValue, the way wrk will send it; its body."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps({"SecretId": SECRET}).encode(), method="POST",
        headers={"X-Amz-Target": "secretsmanager.GetSecretValue", "Content-Type": "application/x-amz-json-1.1",
                 "Authorization": MOTO_AUTHORIZATION})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        body = bytes(response.read())
    if json.loads(body).get("SecretString") != VALUE:
        raise RuntimeError(f"moto answered GetSecretValue with {body[:300]!r}")
    return body


# ---- wrk ----------------------------------------------------------------------------------------------------


def _wrk(url: str, headers: dict[str, str], connections: int, duration: float, work: Path,
         post: bytes | None = None) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    seconds = max(1, round(duration))
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    shown = list(cmd)
    if post is not None:
        script = work / "post.lua"
        lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(post.decode())}"]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
        script.write_text("\n".join(lines) + "\n")
        cmd += ["-s", str(script)]
        shown += ["-s", "post.lua"]
    else:
        for name, value in headers.items():
            cmd += ["-H", f"{name}: {value}"]
            shown += ["-H", f"'{name}: {'Bearer …' if name == 'Authorization' else value}'"]
    cmd.append(url)
    shown.append(url)
    completed = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=seconds + 30, env=clean_env())
    if completed.returncode != 0:
        raise RuntimeError(f"wrk exited with {completed.returncode}: {completed.stderr or completed.stdout}")
    return {**parse_wrk(completed.stdout), "command": " ".join(shown)}


# ---- measuring ----------------------------------------------------------------------------------------------


def _merge(results: list[loadgen.Result]) -> dict[str, Any]:
    whole = loadgen.Result(connections=results[0].connections, duration=sum(r.duration for r in results))
    for r in results:
        whole.requests += r.requests
        whole.statuses.update(r.statuses)
        whole.errors.update(r.errors)
        whole.latencies_us += r.latencies_us
        whole.body_bytes = whole.body_bytes or r.body_bytes
    return whole.summary()


def _abba(targets: dict[str, loadgen.Target], connections: int, warmup: float, duration: float) -> dict[str, Any]:
    """Each target for two halves of `duration`, in the order A B C C B A, so that a drift of the machine's
    speed falls on every target alike; the halves merged."""
    names = list(targets)
    halves: dict[str, list[loadgen.Result]] = {name: [] for name in names}
    for name in names + names[::-1]:
        halves[name].append(loadgen.run(targets[name], connections=connections, warmup=warmup / 2,
                                        duration=duration / 2))
    return {name: _merge(results) for name, results in halves.items()}


def run(connections: int = CONNECTIONS, duration: float = DURATION, warmup: float = WARMUP) -> dict[str, Any]:
    from tests.vaultlink_process import start

    result: dict[str, Any] = {"connections": connections, "durationS": duration, "warmupS": warmup, "notes": []}
    running = None
    bare: subprocess.Popen[bytes] | None = None
    moto: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-secrets-") as tmp:
        work = Path(tmp)
        try:
            running = start(work / "data")
            arm_token, token = _tokens(running)
            arm = _Arm(running, arm_token)
            try:
                arm.put(arm.group, RG_API, {"location": "eastus"})
                tag = uuid.uuid4().hex[:8]
                vaults = {"default": f"bench{tag}d", "firewall": f"bench{tag}f", "private": f"bench{tag}p"}
                _vault(arm, running, vaults["default"])
                _vault(arm, running, vaults["firewall"], networkAcls={
                    "defaultAction": "Deny", "bypass": "None", "ipRules": [{"value": INTERNET_ADDRESS}]})
                private_id = _vault(arm, running, vaults["private"], publicNetworkAccess="Disabled")
                machine = _private_world(arm, running, private_id, vaults["private"])
            finally:
                arm.close()
            body = _secret(running, token, vaults["default"])
            _secret(running, token, vaults["firewall"])
            host, port = running.proxy.split("://", 1)[1].rsplit(":", 1)
            user, _, secret = base64.b64decode(machine.split(" ", 1)[1]).decode().partition(":")
            _secret(running, token, vaults["private"], f"http://{user}:{secret}@{host}:{port}")
            path = f"/secrets/{SECRET}?api-version={SECRET_API}"
            result["request"] = f"GET https://{{vault}}.vault.azure.net{path}"
            result["responseBodyBytes"] = len(body)
            result["secretValueBytes"] = len(VALUE)

            cert, key = _mint_leaf(running.data_dir, work)
            bare, bare_port, _ = _start_bare(body, cert, key, running.ca, work)
            has_wrk = shutil.which("wrk") is not None
            moto_port = None
            if not has_wrk:
                result["notes"].append("wrk is not installed (apt-get install -y wrk): the wrk rows and moto "
                                       "were skipped")
            elif importlib.util.find_spec("moto") is None:
                result["notes"].append("moto is not installed (pip install '.[bench]', which `make bench` does): "
                                       "its row was skipped")
            else:
                moto, moto_port, _ = _start_moto(work)
                moto_body = _moto_get(moto_port)
                result["moto"] = {"request": "POST / X-Amz-Target: secretsmanager.GetSecretValue "
                                             "{\"SecretId\": ...}", "responseBodyBytes": len(moto_body)}

            headers = {"Authorization": f"Bearer {token}"}

            def vault_target(which: str, via_proxy: bool, credential: str | None = None) -> loadgen.Target:
                return loadgen.Target("127.0.0.1", running.port, f"{vaults[which]}.vault.azure.net", path, headers,
                                      via_proxy, running.ca, proxy_authorization=credential)

            generator: dict[str, Any] = {}
            wrk: dict[str, Any] = {}
            # interleaved, so that a slow spell of the shared machine does not land on one side only
            generator["vaultlinkProxy"] = loadgen.run(vault_target("default", True), connections=connections,
                                                      warmup=warmup, duration=duration).summary()
            # the bare app does not look at the host: it is dialled with the name its certificate carries
            bare_target = loadgen.Target("127.0.0.1", bare_port, ARM_HOST, path, headers, False, running.ca)
            generator["bareDirect"] = loadgen.run(bare_target, connections=connections, warmup=warmup,
                                                  duration=duration).summary()
            if has_wrk:
                wrk["bareDirect"] = _wrk(f"https://127.0.0.1:{bare_port}{path}", headers, connections, duration, work)
                wrk["vaultlinkDirect"] = _wrk(f"https://127.0.0.1:{running.port}{path}", {
                    "Host": f"{vaults['default']}.vault.azure.net", **headers}, connections, duration, work)
            if moto_port is not None:
                wrk["motoPlainHttp"] = _wrk(f"http://127.0.0.1:{moto_port}/", {
                    "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue",
                    "Authorization": MOTO_AUTHORIZATION}, connections, duration, work,
                    post=json.dumps({"SecretId": SECRET}).encode())
            generator["vaultlinkDirect"] = loadgen.run(vault_target("default", False), connections=connections,
                                                       warmup=warmup, duration=duration).summary()
            result["asyncio"] = generator
            result["wrk"] = wrk or None

            # admission: one connection (latency), then C connections (cost per request)
            admission_targets = {"default": vault_target("default", True),
                                 "firewall": vault_target("firewall", True),
                                 "private": vault_target("private", True, machine)}
            result["admission"] = {
                "oneConnection": _abba(admission_targets, 1, warmup, duration),
                "loaded": _abba(admission_targets, connections, warmup, duration),
                "vaults": {
                    "default": "public access, networkAcls default (Allow); from the internet",
                    "firewall": f"networkAcls defaultAction Deny, bypass None, ipRules [{INTERNET_ADDRESS}]; "
                                f"from the internet ({INTERNET_ADDRESS})",
                    "private": "publicNetworkAccess Disabled; from a machine in a linked subnet, over an approved "
                               "private endpoint (the machine's proxy credential)",
                },
            }
            result["ratios"] = _ratios(result)
        finally:
            stop(moto)
            stop(bare)
            if running is not None:
                running.stop()
                result["vaultlinkExitCode"] = running.process.returncode
                result["vaultlinkLogProblems"] = _log_problems(running.log)
            if bare is not None:
                result["bareLogProblems"] = _log_problems(work / "bare.log")
            if moto is not None:
                result["motoLogProblems"] = [line for line in _log_problems(work / "moto.log")
                                             if "Traceback" in line or "Exception" in line]
    return result


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _ratios(result: dict[str, Any]) -> dict[str, Any]:
    generator, wrk = result["asyncio"], result.get("wrk") or {}
    wrk_vaultlink = (wrk.get("vaultlinkDirect") or {}).get("rps")
    ratios: dict[str, Any] = {
        "asyncioProxyVsBare": _div(generator["vaultlinkProxy"]["rps"], generator["bareDirect"]["rps"]),
        "asyncioDirectVsBare": _div(generator["vaultlinkDirect"]["rps"], generator["bareDirect"]["rps"]),
        "wrkDirectVsBare": _div(wrk_vaultlink, (wrk.get("bareDirect") or {}).get("rps")),
        "wrkDirectVsMoto": _div(wrk_vaultlink, (wrk.get("motoPlainHttp") or {}).get("rps")),
        "asyncioProxyVsMotoWrk": _div(generator["vaultlinkProxy"]["rps"], (wrk.get("motoPlainHttp") or {}).get("rps")),
    }
    one, loaded = result["admission"]["oneConnection"], result["admission"]["loaded"]
    base_p50 = one["default"]["p50Ms"]
    for name in ("firewall", "private"):
        p50 = one[name]["p50Ms"]
        ratios[f"{name}P50AddedMs"] = p50 - base_p50 if p50 is not None and base_p50 is not None else None
        ratios[f"{name}P50AddedShare"] = _div(ratios[f"{name}P50AddedMs"], base_p50)
        # cost per request is 1/rps: the share it grew by
        share = _div(loaded["default"]["rps"], loaded[name]["rps"])
        ratios[f"{name}CostAddedShare"] = share - 1 if share is not None else None
    return ratios


# ---- the report ---------------------------------------------------------------------------------------------


def _row(label: str, figures: dict[str, Any] | None) -> str:
    if not figures:
        return f"  {label:44} {'-':>9} {'-':>8} {'-':>8}"
    return (f"  {label:44} {figures['rps']:>9.0f} {figures['p50Ms'] or float('nan'):>8.2f} "
            f"{figures['p99Ms'] or float('nan'):>8.2f}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def _ratio3(value: float | None) -> str:
    """Three places, so that a ratio just under its target does not print as the target."""
    return "-" if value is None else f"{value:.3f}"


def _verdict(value: float | None, target: float, above: bool = True) -> str:
    if value is None:
        return "not measured"
    return "met" if (value >= target if above else value < target) else "MISSED"


def report(result: dict[str, Any]) -> list[str]:
    title = (f"Secret GET (Key Vault data plane, api-version {SECRET_API}), keep-alive, {result['connections']} "
             f"connections, {result['durationS']:.0f} s each (asyncio generator: after {result['warmupS']:.0f} s "
             f"warm-up); body {result.get('responseBodyBytes')} bytes")
    lines = [title, f"  {'':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    generator = result.get("asyncio") or {}
    wrk = result.get("wrk") or {}
    lines.append(_row("asyncio: vaultlink via proxy (CONNECT)", generator.get("vaultlinkProxy")))
    lines.append(_row("asyncio: vaultlink direct TLS", generator.get("vaultlinkDirect")))
    lines.append(_row("asyncio: bare uvicorn direct TLS", generator.get("bareDirect")))
    if wrk:
        lines.append(_row("wrk: vaultlink direct TLS", wrk.get("vaultlinkDirect")))
        lines.append(_row("wrk: bare uvicorn direct TLS", wrk.get("bareDirect")))
        moto_bytes = (result.get("moto") or {}).get("responseBodyBytes")
        lines.append(_row(f"wrk: moto GetSecretValue, plain HTTP ({moto_bytes} B)", wrk.get("motoPlainHttp")))
    ratios = result.get("ratios") or {}
    lines.append(f"  vaultlink/bare (req/s, target >= {RATIO_TARGET}): "
                 f"asyncio via proxy {_ratio3(ratios.get('asyncioProxyVsBare'))} "
                 f"({_verdict(ratios.get('asyncioProxyVsBare'), RATIO_TARGET)}), "
                 f"asyncio direct {_ratio3(ratios.get('asyncioDirectVsBare'))}, "
                 f"wrk direct {_ratio3(ratios.get('wrkDirectVsBare'))} "
                 f"({_verdict(ratios.get('wrkDirectVsBare'), RATIO_TARGET)})")
    lines.append(f"  vaultlink/moto (req/s): wrk vaultlink direct TLS / wrk moto {fmt_ratio(ratios.get('wrkDirectVsMoto'))}, "
                 f"asyncio via proxy / wrk moto {fmt_ratio(ratios.get('asyncioProxyVsMotoWrk'))} "
                 "(moto: plain HTTP, no token, a new connection per request)")
    proxy_rps = (generator.get("vaultlinkProxy") or {}).get("rps")
    wrk_rps = (wrk.get("vaultlinkDirect") or {}).get("rps")
    lines.append(f"  absolute (target > {RPS_TARGET:,.0f} GETs/s): via proxy {proxy_rps or 0:,.0f} "
                 f"({_verdict(proxy_rps, RPS_TARGET)}), wrk direct {wrk_rps or 0:,.0f} ({_verdict(wrk_rps, RPS_TARGET)})")

    admission = result.get("admission")
    if admission:
        one, loaded = admission["oneConnection"], admission["loaded"]
        lines.append("")
        lines.append("Admission on a secret GET (through the proxy; each case in two halves, A B C C B A)")
        lines.append(f"  {'':44} {'1 conn: p50':>11} {'p99 ms':>8} {'req/s':>8} | {result['connections']} conn: req/s")
        for name, label in (("default", "default network rules (internet)"),
                            ("firewall", f"Deny + IP rule {INTERNET_ADDRESS} (internet)"),
                            ("private", "public access off, private endpoint (machine)")):
            a, b = one.get(name) or {}, loaded.get(name) or {}
            lines.append(f"  {label:44} {a.get('p50Ms') or float('nan'):>11.3f} {a.get('p99Ms') or float('nan'):>8.3f} "
                         f"{a.get('rps') or 0:>8.0f} | {b.get('rps') or 0:>8.0f}")
        for name in ("firewall", "private"):
            added = ratios.get(f"{name}P50AddedMs")
            lines.append(f"  {name} vs default: p50 {'-' if added is None else f'{added * 1000:+.0f} us'} "
                         f"= {_pct(ratios.get(f'{name}P50AddedShare'))} of the request "
                         f"({_verdict(ratios.get(f'{name}P50AddedShare'), ADMISSION_TARGET, above=False)}: target < "
                         f"{ADMISSION_TARGET:.0%}); cost per request under load {_pct(ratios.get(f'{name}CostAddedShare'))}")
    for note in result.get("notes", []):
        lines.append(f"  note: {note}")
    sections = [("asyncio", generator)]
    if admission:
        sections += [(f"admission {k}", v) for k, v in admission.items() if k != "vaults"]
    for where, group in sections:
        for name, figures in group.items():
            non200 = {k: v for k, v in figures["statuses"].items() if k != "200"}
            if non200:
                lines.append(f"  ! {where} {name}: non-200 responses {non200}")
            for error, count in figures["errors"].items():
                lines.append(f"  ! {where} {name}: {error} (x{count})")
    for name, figures in wrk.items():
        if figures.get("non2xx"):
            lines.append(f"  ! wrk {name}: {figures['non2xx']} non-2xx/3xx responses")
        if figures.get("socketErrors"):
            lines.append(f"  ! wrk {name}: socket errors: {figures['socketErrors']}")
    if result.get("vaultlinkExitCode") not in (0, None):
        lines.append(f"  ! vaultlink exited with {result['vaultlinkExitCode']} after SIGTERM")
    for key, label in (("vaultlinkLogProblems", "vaultlink"), ("bareLogProblems", "bare server"),
                       ("motoLogProblems", "moto")):
        for problem in result.get(key, [])[:10]:
            lines.append(f"  ! {label} log: {problem}")
    return lines


"""ARM throughput: keep-alive `GET .../resourcegroups/{rg}?api-version=2025-04-01` with a valid bearer token.

vaultlink is measured on two load paths, and a bare uvicorn app (bench/bare_server.py, the same body size,
a certificate from the same CA with the same key type) on the same generators in the same run:

- the asyncio generator (bench/loadgen.py): vaultlink through its proxy (CONNECT, then TLS in the tunnel, as
  every Azure client reaches it), vaultlink over direct TLS (routed by Host), and the bare app over direct TLS
  (it is no proxy);
- wrk (`wrk -t1 -cC -dDs --latency`), direct TLS, for vaultlink and the bare app, when wrk is installed.

The ratio vaultlink/bare for each path is what to compare across runs: the machine, its load and the client
all cancel out of it.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.common import clean_env, fmt_ratio, python, stop

CONNECTIONS = 16
DURATION = 8.0
WARMUP = 1.0
API_VERSION = "2025-04-01"
ARM_HOST = "management.azure.com"
ARM_SCOPE = "https://management.core.windows.net//.default"
GROUP = "bench-rg"


# ---- setting up: vaultlink, a token, the group, the peer ----------------------------------------------------


def _token(running: Any) -> str:
    from azure.identity import ClientSecretCredential

    creds = running.credentials
    credential = ClientSecretCredential(
        creds["tenantId"], creds["servicePrincipal"]["appId"], creds["servicePrincipal"]["secret"],
        proxies={"https": running.proxy, "http": running.proxy}, connection_verify=running.ca,
    )
    try:
        return str(credential.get_token(ARM_SCOPE).token)
    finally:
        credential.close()


def _create_group(running: Any, token: str, path: str) -> bytes:
    """PUT the group, then GET it once the way the benchmark will; return the GET's body."""
    import requests

    with requests.Session() as session:
        session.trust_env = False  # only the proxies given here: nothing else is dialled
        session.proxies = {"https": running.proxy, "http": running.proxy}
        session.verify = running.ca
        session.headers["Authorization"] = f"Bearer {token}"
        url = f"https://{ARM_HOST}{path}"
        put = session.put(url, json={"location": "eastus"}, timeout=30)
        if put.status_code not in (200, 201):
            raise RuntimeError(f"PUT {url} answered {put.status_code}: {put.text[:500]}")
        got = session.get(url, timeout=30)
        if got.status_code != 200:
            raise RuntimeError(f"GET {url} answered {got.status_code}: {got.text[:500]}")
        return got.content


def _mint_leaf(data_dir: Path, out: Path) -> tuple[Path, Path]:
    """A server certificate for the peer, signed by vaultlink's CA, with the same key type as vaultlink's
    leaves (EC P-256), so both servers do the same TLS work."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate((data_dir / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((data_dir / "ca-key.pem").read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ARM_HOST)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(ARM_HOST), x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)  # type: ignore[arg-type]
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    cert_path, key_path = out / "bare-cert.pem", out / "bare-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _start_bare(body: bytes, cert: Path, key: Path, cafile: str, work: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    body_file, port_file, log_path = work / "bare-body.json", work / "bare-port", work / "bare.log"
    body_file.write_bytes(body)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [python(), "-m", "bench.bare_server", str(body_file), str(cert), str(key), str(port_file)],
            stdout=log, stderr=subprocess.STDOUT, env=clean_env(),
        )
    try:
        context = ssl.create_default_context(cafile=cafile)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the bare server exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                port = int(port_file.read_text())
                with opener.open(f"https://localhost:{port}/", timeout=2) as response:
                    if response.status == 200 and response.read() == body:
                        return process, port, log_path
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the bare server did not answer in 30 s:\n{log_path.read_text()}")
    except BaseException:
        stop(process)
        raise


# ---- wrk --------------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not found:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, re.MULTILINE)

    rps = find(r"^Requests/sec:\s+([\d.]+)")
    total = find(r"^\s*(\d+) requests in ([\d.]+\w+),")
    p50 = find(r"^\s+50%\s+(\S+)")
    p99 = find(r"^\s+99%\s+(\S+)")
    non2xx = find(r"^\s*Non-2xx or 3xx responses: (\d+)")
    socket_errors = find(r"^\s*Socket errors: (.*)$")
    if rps is None:
        raise ValueError(f"cannot read wrk's output:\n{output}")
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)) if total else None,
        "p50Ms": _ms(p50.group(1)) if p50 else None,
        "p99Ms": _ms(p99.group(1)) if p99 else None,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socketErrors": socket_errors.group(1) if socket_errors else None,
    }


def run_wrk(port: int, path: str, token: str, connections: int, duration: float) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    seconds = max(1, round(duration))
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Host: {ARM_HOST}",
           "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json", f"https://127.0.0.1:{port}{path}"]
    completed = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=seconds + 30, env=clean_env())
    if completed.returncode != 0:
        raise RuntimeError(f"wrk exited with {completed.returncode}: {completed.stderr or completed.stdout}")
    return {**parse_wrk(completed.stdout), "command": f"wrk -t1 -c{connections} -d{seconds}s --latency "
            f"-H 'Host: {ARM_HOST}' -H 'Authorization: Bearer …' https://127.0.0.1:{port}{path}"}


# ---- the benchmark ----------------------------------------------------------------------------------------


def _log_problems(path: Path) -> list[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines()
            if any(word in line for word in ("Traceback", "ERROR", "Exception", "unexpected failure", "Error:"))]


def run(connections: int = CONNECTIONS, duration: float = DURATION, warmup: float = WARMUP) -> dict[str, Any]:
    from tests.vaultlink_process import start

    result: dict[str, Any] = {"connections": connections, "durationS": duration, "warmupS": warmup, "notes": []}
    running = None
    bare: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-arm-") as tmp:
        work = Path(tmp)
        try:
            running = start(work / "data")
            token = _token(running)
            subscription = running.credentials["subscriptionId"]
            path = f"/subscriptions/{subscription}/resourcegroups/{GROUP}?api-version={API_VERSION}"
            body = _create_group(running, token, path)
            result["request"] = f"GET https://{ARM_HOST}{path}"
            result["responseBodyBytes"] = len(body)
            cert, key = _mint_leaf(running.data_dir, work)
            bare, bare_port, _ = _start_bare(body, cert, key, running.ca, work)

            headers = {"Authorization": f"Bearer {token}"}
            targets = {
                "vaultlinkProxy": loadgen.Target("127.0.0.1", running.port, ARM_HOST, path, headers, True, running.ca),
                "vaultlinkDirect": loadgen.Target("127.0.0.1", running.port, ARM_HOST, path, headers, False, running.ca),
                "bareDirect": loadgen.Target("127.0.0.1", bare_port, ARM_HOST, path, headers, False, running.ca),
            }
            generator: dict[str, Any] = {}
            # interleaved, so that a slow spell of the shared machine does not land on one side only
            for name in ("vaultlinkProxy", "bareDirect", "vaultlinkDirect"):
                generator[name] = loadgen.run(targets[name], connections=connections, warmup=warmup,
                                              duration=duration).summary()
                if name == "bareDirect" and shutil.which("wrk"):
                    result["wrk"] = {"bareDirect": run_wrk(bare_port, path, token, connections, duration),
                                     "vaultlinkDirect": run_wrk(running.port, path, token, connections, duration)}
            result["asyncio"] = generator
            if not shutil.which("wrk"):
                result["wrk"] = None
                result["notes"].append("wrk is not installed (apt-get install -y wrk): the wrk path was skipped")
            bare_rps = generator["bareDirect"]["rps"]
            result["ratios"] = {
                "asyncioProxyVsBare": generator["vaultlinkProxy"]["rps"] / bare_rps if bare_rps else None,
                "asyncioDirectVsBare": generator["vaultlinkDirect"]["rps"] / bare_rps if bare_rps else None,
            }
            if result["wrk"]:
                wrk_bare = result["wrk"]["bareDirect"]["rps"]
                result["ratios"]["wrkDirectVsBare"] = (result["wrk"]["vaultlinkDirect"]["rps"] / wrk_bare
                                                       if wrk_bare else None)
        finally:
            stop(bare)
            if running is not None:
                running.stop()
                result["vaultlinkExitCode"] = running.process.returncode
                result["vaultlinkLogProblems"] = _log_problems(running.log)
            if bare is not None:
                result["bareLogProblems"] = _log_problems(work / "bare.log")
    return result


def _row(label: str, figures: dict[str, Any] | None) -> str:
    if not figures:
        return f"  {label:38} {'-':>9} {'-':>8} {'-':>8}"
    return (f"  {label:38} {figures['rps']:>9.0f} {figures['p50Ms'] or float('nan'):>8.2f} "
            f"{figures['p99Ms'] or float('nan'):>8.2f}")


def report(result: dict[str, Any]) -> list[str]:
    title = (f"ARM GET resource group, keep-alive, {result['connections']} connections, "
             f"{result['durationS']:.0f} s each (asyncio generator: after {result['warmupS']:.0f} s warm-up); "
             f"body {result.get('responseBodyBytes')} bytes")
    lines = [title, f"  {'':38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    generator = result.get("asyncio") or {}
    lines.append(_row("asyncio: vaultlink via proxy (CONNECT)", generator.get("vaultlinkProxy")))
    lines.append(_row("asyncio: vaultlink direct TLS", generator.get("vaultlinkDirect")))
    lines.append(_row("asyncio: bare uvicorn direct TLS", generator.get("bareDirect")))
    wrk = result.get("wrk")
    if wrk:
        lines.append(_row("wrk: vaultlink direct TLS", wrk.get("vaultlinkDirect")))
        lines.append(_row("wrk: bare uvicorn direct TLS", wrk.get("bareDirect")))
    ratios = result.get("ratios") or {}
    lines.append("  ratios vaultlink/bare (req/s): "
                 f"asyncio via proxy {fmt_ratio(ratios.get('asyncioProxyVsBare'))}, "
                 f"asyncio direct {fmt_ratio(ratios.get('asyncioDirectVsBare'))}, "
                 f"wrk direct {fmt_ratio(ratios.get('wrkDirectVsBare'))}")
    for note in result.get("notes", []):
        lines.append(f"  note: {note}")
    for name, figures in generator.items():
        non200 = {k: v for k, v in figures["statuses"].items() if k != "200"}
        if non200:
            lines.append(f"  ! asyncio {name}: non-200 responses {non200}")
        for error, count in figures["errors"].items():
            lines.append(f"  ! asyncio {name}: {error} (x{count})")
    for name, figures in (wrk or {}).items():
        if figures.get("non2xx"):
            lines.append(f"  ! wrk {name}: {figures['non2xx']} non-2xx/3xx responses")
        if figures.get("socketErrors"):
            lines.append(f"  ! wrk {name}: socket errors: {figures['socketErrors']}")
    if result.get("vaultlinkExitCode") not in (0, None):
        lines.append(f"  ! vaultlink exited with {result['vaultlinkExitCode']} after SIGTERM")
    for problem in result.get("vaultlinkLogProblems", [])[:10]:
        lines.append(f"  ! vaultlink log: {problem}")
    for problem in result.get("bareLogProblems", [])[:5]:
        lines.append(f"  ! bare server log: {problem}")
    return lines

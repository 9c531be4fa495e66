"""Fuzzers, bounded by hypothesis: generated ARM bodies, paths and api-versions; generated data-plane bodies for
secrets, keys and certificates; random and mutated DNS packets over UDP and TCP. All go to a running vaultlink the
way clients reach it (HTTPS through the edge with a real token; DNS to a resolver's address).

A case fails on a 5xx, a SERVFAIL (the resolver's internal error), a request that gets no answer in time, or a
server that no longer answers afterwards. JSON nesting is kept shallow here: deep nesting has its own test.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import shutil
import socket
import ssl
import struct
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dnslib
import httpx
import pytest
from azure.identity import ClientSecretCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients.seed_support import RG, ZONE, Site, build_seed, owner, view_of
from tests.reliability.conftest import LONG, Probe, size
from tests.vaultlink_process import start

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")

ARM = "https://management.azure.com"
API = {"Microsoft.KeyVault": "2025-05-01", "Microsoft.Network": "2024-07-01", "privateDnsZones": "2024-06-01"}
DATA_API = "7.6"
CASES = size(300, 10_000)
# `make test` runs the same cases every time (a red CI is then a regression, not a new draw); `make reliability`
# draws new ones each run.
FUZZ = settings(max_examples=CASES, deadline=None, database=None, derandomize=not LONG,
                suppress_health_check=list(HealthCheck))


# ---- generated values -----------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=40), st.sampled_from(["", "eastus", "10.0.0.0/24", "Approved", "Rejected",
                                                           "Disabled", "Enabled", "RSA", "EC", "P-256", "*", "/"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=16)


_DROP = object()


def shaped(template: Any) -> st.SearchStrategy[Any]:
    """Bodies near a valid one: each member mostly kept or mutated, sometimes replaced by any JSON or dropped, and
    extra members added now and then."""
    if isinstance(template, dict):
        members = {key: st.one_of(shaped(value), shaped(value), shaped(value), json_values, st.just(_DROP))
                   for key, value in template.items()}
        return st.builds(lambda kept, extra: {**extra, **{k: v for k, v in kept.items() if v is not _DROP}},
                         st.fixed_dictionaries(members),
                         st.one_of(st.just({}), st.dictionaries(st.text(max_size=10), json_values, max_size=2)))
    if isinstance(template, list):
        return st.lists(st.one_of(shaped(template[0]), json_values) if template else json_values, max_size=3)
    return st.one_of(st.just(template), st.just(template), scalars)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, member in value.items():
            found += _paths(member, (*prefix, key))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            found += _paths(member, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def one_mutation(template: Any) -> st.SearchStrategy[Any]:
    """The valid body with one member (at any depth) replaced: most of it passes validation, so the mutated member
    reaches the code that uses it."""
    return st.builds(lambda path, new: _replaced(template, path, new),
                     st.sampled_from(_paths(template)[1:] or [()]), json_values)


segment_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=30)


def segment(known: str) -> st.SearchStrategy[str]:
    """A path segment: the existing resource's name (so updates reach deep code), a variant of it, or anything."""
    return st.one_of(st.just(known), st.just(known), st.just(known), st.just(known.upper()),
                     segment_text.map(lambda s: known + s), segment_text,
                     st.sampled_from([".", "..", "%2F", "a" * 300, "-", "_", "~"]))


def quoted(part: str) -> str:
    return urllib.parse.quote(part, safe="-_.~")


# ---- the server and its clients -----------------------------------------------------------------------
@dataclass
class Target:
    site: Site
    http: httpx.Client
    subscription: str
    credential: ClientSecretCredential | None = None
    codes: Counter[str] = field(default_factory=Counter)

    def token(self, resource: str) -> str:
        # the credential caches each token until shortly before it expires
        if self.credential is None:
            self.credential = owner(self.site.running)
        return self.credential.get_token(f"{resource}/.default").token

    def alive(self) -> str | None:
        """None when the server still answers ARM, the data plane and DNS; else what failed."""
        running = self.site.running
        if running.process.poll() is not None:
            return f"the server exited with {running.process.returncode}"
        try:
            r = self.arm("GET", f"/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/{self.site.vault}",
                         API["Microsoft.KeyVault"])
            if r.status_code != 200:
                return f"ARM GET after the case: {r.status_code}"
            if dns_reply(view_of(running, "vnet-linked"), query(f"{self.site.vault}.vault.azure.net"), tcp=False) is None:
                return "the resolver stopped answering"
        except (httpx.HTTPError, OSError) as err:
            return f"no answer after the case: {err!r}"
        return None

    def arm(self, method: str, path: str, api: str, body: bytes | None = None) -> httpx.Response:
        url = f"{ARM}/subscriptions/{self.subscription}{path}?api-version={urllib.parse.quote(api)}"
        return self.http.request(method, url, content=body, headers={
            "Authorization": f"Bearer {self.token('https://management.azure.com')}",
            "Content-Type": "application/json"})

    def data(self, method: str, path: str, body: bytes | None, api: str = DATA_API) -> httpx.Response:
        url = f"https://{self.site.vault}.vault.azure.net{path}?api-version={urllib.parse.quote(api)}"
        return self.http.request(method, url, content=body, headers={
            "Authorization": f"Bearer {self.token('https://vault.azure.net')}", "Content-Type": "application/json"})


@contextmanager
def make_target(data_dir: Path) -> Iterator[Target]:
    """A server with the seed topology (its vault open to the internet, the owner allowed everything on it) and an
    HTTPS client through its edge."""
    running = start(data_dir)
    try:
        site = build_seed(running, public_access="Enabled")
        c = running.credentials
        site.kv.vaults.update_access_policy(RG, site.vault, "add", {"properties": {"accessPolicies": [{
            "tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"], "permissions": {
                "secrets": ["all"], "keys": ["all"], "certificates": ["all"]}}]}})
        context = ssl.create_default_context(cafile=running.ca)
        with httpx.Client(proxy=running.proxy, verify=context, timeout=30) as http:
            yield Target(site, http, c["subscriptionId"])
    finally:
        running.stop()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with make_target(tmp_path_factory.mktemp("fuzz") / "data") as made:
        yield made


def error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return str(response.status_code)


def judge(target: Target, probe: Probe, what: str, send: Any) -> None:
    """One case: `send()` must answer below 500 in time, and the server must answer afterwards."""
    try:
        response = send()
        failure = f"{what}: {response.status_code} {response.text[:300]}" if response.status_code >= 500 else None
        kind = f"{response.status_code // 100}xx"
        probe.figures[kind] = int(str(probe.figures.get(kind, 0))) + 1
        target.codes[error_code(response)] += 1
    except httpx.HTTPError as err:
        failure = f"{what}: no answer: {err!r}"
    if failure is None and probe.cases % 100 == 99:
        failure = target.alive()
    probe.case(failure)
    assert failure is None, failure


# ---- ARM ----------------------------------------------------------------------------------------------
VNET = {"location": "eastus", "tags": {"a": "b"}, "properties": {
    "addressSpace": {"addressPrefixes": ["10.5.0.0/16"]}, "dhcpOptions": {"dnsServers": ["10.5.0.4"]},
    "subnets": [{"name": "default", "properties": {"addressPrefix": "10.5.0.0/24"}}]}}
ARM_SHAPES: list[tuple[str, tuple[str, ...], str, dict[str, Any]]] = [
    ("/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", (RG, "fuzzvault"), "Microsoft.KeyVault", {
        "location": "eastus", "properties": {"tenantId": "00000000-0000-0000-0000-000000000000",
        "sku": {"family": "A", "name": "standard"}, "accessPolicies": [{"tenantId": "x", "objectId": "y",
        "permissions": {"secrets": ["get"]}}], "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "1.2.3.4/32"}],
        "virtualNetworkRules": [{"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z/subnets/w"}]},
        "softDeleteRetentionInDays": 7, "enablePurgeProtection": True}}),
    ("/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}/privateEndpointConnections/{}",
     (RG, "VAULT", "CONNECTION"), "Microsoft.KeyVault", {"properties": {"privateLinkServiceConnectionState": {
         "status": "Approved", "description": "ok", "actionsRequired": "None"}}}),
    ("/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}/accessPolicies/{}", (RG, "VAULT", "add"),
     "Microsoft.KeyVault", {"properties": {"accessPolicies": [{"tenantId": "t", "objectId": "o",
                                                               "permissions": {"keys": ["get"]}}]}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}", (RG, "vnet-fuzz"), "Microsoft.Network", VNET),
    ("/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}/subnets/{}", (RG, "vnet-linked", "fz"),
     "Microsoft.Network", {"properties": {"addressPrefix": "10.1.7.0/24", "privateEndpointNetworkPolicies": "Disabled",
                                          "networkSecurityGroup": {"id": "/x"}, "delegations": []}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/privateEndpoints/{}", (RG, "pe-fuzz"), "Microsoft.Network", {
        "location": "eastus", "properties": {"subnet": {"id": "SUBNET"}, "privateLinkServiceConnections": [{
            "name": "c", "properties": {"privateLinkServiceId": "VAULT_ID", "groupIds": ["vault"],
                                        "requestMessage": "please"}}], "customNetworkInterfaceName": "nic-fz",
            "ipConfigurations": [{"name": "i", "properties": {"groupId": "vault", "memberName": "default",
                                                              "privateIPAddress": "10.1.0.50"}}]}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/privateEndpoints/{}/privateDnsZoneGroups/{}",
     (RG, "pe-auto", "default"), "Microsoft.Network", {"properties": {"privateDnsZoneConfigs": [{
         "name": "c", "properties": {"privateDnsZoneId": "ZONE_ID"}}]}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/privateDnsZones/{}", (RG, "fuzz.example.com"), "privateDnsZones",
     {"location": "global", "tags": {"k": "v"}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/privateDnsZones/{}/virtualNetworkLinks/{}", (RG, ZONE, "lk"),
     "privateDnsZones", {"location": "global", "properties": {"virtualNetwork": {"id": "VNET_ID"},
                                                              "registrationEnabled": True, "resolutionPolicy": "Default"}}),
    ("/resourceGroups/{}/providers/Microsoft.Network/privateDnsZones/{}/{}/{}", (RG, ZONE, "A", "fz"),
     "privateDnsZones", {"properties": {"ttl": 300, "metadata": {"k": "v"}, "aRecords": [{"ipv4Address": "10.1.0.9"}],
                                        "cnameRecord": {"cname": "x.example.com"}, "txtRecords": [{"value": ["t"]}],
                                        "mxRecords": [{"preference": 1, "exchange": "m"}]}}),
]


def _bind(template: Any, ids: dict[str, str]) -> Any:
    text = json.dumps(template)
    for placeholder, value in ids.items():
        text = text.replace(f'"{placeholder}"', json.dumps(value))
    return json.loads(text)


def test_fuzz_arm(target: Target, probe: Probe) -> None:
    site = target.site
    sub = target.subscription
    ids = {"VAULT_ID": site.vault_id, "SUBNET": site.network.subnets.get(RG, "vnet-linked", "default").id,
           "ZONE_ID": site.dns.private_zones.get(RG, ZONE).id,
           "VNET_ID": f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-unlinked"}
    names = {"VAULT": site.vault, "CONNECTION": site.connection("pe-auto").name}
    shapes = [(path, tuple(names.get(n, n) for n in parts), api, _bind(body, ids))
              for path, parts, api, body in ARM_SHAPES]

    @st.composite
    def arm_case(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
        path, parts, provider, body = draw(st.sampled_from(shapes))
        segments = [quoted(draw(segment(part))) for part in parts]
        api = draw(st.one_of(st.just(API[provider]), st.just(API[provider]), st.just(API[provider]),
                             st.sampled_from(sorted(set(API.values()))), st.text(max_size=14)))
        method = draw(st.sampled_from(["PUT", "PUT", "PATCH"]))
        payload = draw(st.one_of(*[shaped(body).map(lambda b: json.dumps(b).encode())] * 2,
                                 *[one_mutation(body).map(lambda b: json.dumps(b).encode())] * 2,
                                 st.just(json.dumps(body).encode()),
                                 json_values.map(lambda b: json.dumps(b).encode()),
                                 st.binary(max_size=200), st.just(b"")))
        return method, path.format(*segments), api, payload

    @FUZZ
    @given(arm_case())
    def case(c: tuple[str, str, str, bytes]) -> None:
        method, path, api, body = c
        judge(target, probe, f"{method} {path}?api-version={api} {body[:200]!r}",
              lambda: target.arm(method, path, api, body))

    target.codes.clear()
    case()
    probe.figures["commonest answers"] = target.codes.most_common(6)
    assert target.alive() is None


# ---- the data plane ---------------------------------------------------------------------------------------
ATTRIBUTES = {"enabled": True, "nbf": 1700000000, "exp": 1900000000, "exportable": False}
KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _material() -> tuple[dict[str, str], str]:
    """An RSA key as a JWK, and a self-signed certificate with it as PKCS#12 (base64), for the import bodies."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.private_numbers()

    def num(value: int) -> str:
        return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    jwk = {"kty": "RSA", "n": num(n.public_numbers.n), "e": num(n.public_numbers.e), "d": num(n.d), "p": num(n.p),
           "q": num(n.q), "dp": num(n.dmp1), "dq": num(n.dmq1), "qi": num(n.iqmp)}
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz")])
    now = datetime.datetime.now(datetime.UTC)
    cert = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(
        1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
    p12 = pkcs12.serialize_key_and_certificates(b"fuzz", key, cert, None, serialization.BestAvailableEncryption(b"fuzz"))
    return jwk, base64.b64encode(p12).decode()


JWK, PFX = _material()
DIGEST = _b64url(hashlib.sha256(b"fuzz").digest())
# (method, path, the existing object's name, a valid body): setup makes secret and key "fz", key "fzec",
# certificate "fzcert" and a pending certificate "fzpend"
DATA_SHAPES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("PUT", "/secrets/{}", "fz", {"value": "v", "contentType": "text/plain", "tags": {"a": "b"}, "attributes": ATTRIBUTES}),
    ("PATCH", "/secrets/{}/", "fz", {"contentType": "x", "attributes": ATTRIBUTES, "tags": {}}),
    ("POST", "/secrets/restore", "", {"value": "YWJj"}),
    ("POST", "/keys/{}/create", "fz", {"kty": "RSA", "key_size": 2048, "key_ops": KEY_OPS, "public_exponent": 65537,
                                        "attributes": ATTRIBUTES, "tags": {"a": "b"}}),
    ("POST", "/keys/{}/create", "fzec", {"kty": "EC", "crv": "P-256", "key_ops": ["sign", "verify"],
                                          "attributes": ATTRIBUTES}),
    ("PUT", "/keys/{}", "fzimport", {"key": {**JWK, "key_ops": KEY_OPS}, "hsm": False, "attributes": ATTRIBUTES,
                                     "tags": {"a": "b"}}),
    ("PATCH", "/keys/{}/", "fz", {"key_ops": KEY_OPS, "attributes": {"enabled": True}, "tags": {"x": "y"}}),
    ("POST", "/keys/{}/encrypt", "fz", {"alg": "RSA-OAEP", "value": "aGVsbG8"}),
    ("POST", "/keys/{}/decrypt", "fz", {"alg": "RSA-OAEP-256", "value": _b64url(bytes(256))}),
    ("POST", "/keys/{}/sign", "fz", {"alg": "RS256", "value": DIGEST}),
    ("POST", "/keys/{}/sign", "fzec", {"alg": "ES256", "value": DIGEST}),
    ("POST", "/keys/{}/verify", "fz", {"alg": "PS256", "digest": DIGEST, "value": _b64url(bytes(256))}),
    ("POST", "/keys/{}/wrapkey", "fz", {"alg": "RSA-OAEP", "value": _b64url(bytes(32))}),
    ("POST", "/keys/{}/unwrapkey", "fz", {"alg": "RSA1_5", "value": _b64url(bytes(256))}),
    ("PUT", "/keys/{}/rotationpolicy", "fz", {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"},
                                                                  "action": {"type": "Rotate"}}],
                                              "attributes": {"expiryTime": "P2Y"}}),
    ("POST", "/keys/{}/rotate", "fz", {}),
    ("POST", "/keys/{}/release", "fz", {"target": "eyJ0eXAiOiJKV1QifQ.e30.AA", "enc": "CKM_RSA_AES_KEY_WRAP"}),
    ("POST", "/certificates/{}/create", "fzcert", {"policy": {
        "key_props": {"kty": "RSA", "key_size": 2048, "exportable": True, "reuse_key": False},
        "secret_props": {"contentType": "application/x-pkcs12"},
        "x509_props": {"subject": "CN=a", "validity_months": 12, "sans": {"dns_names": ["a.example"]},
                       "ekus": ["1.3.6.1.5.5.7.3.1"], "key_usage": ["digitalSignature"]},
        "issuer": {"name": "Self"},
        "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}]},
        "attributes": {"enabled": True}, "tags": {}}),
    ("POST", "/certificates/{}/import", "fzimported", {"value": PFX, "pwd": "fuzz", "policy": {"secret_props": {
        "contentType": "application/x-pkcs12"}}, "attributes": {"enabled": True}}),
    ("PATCH", "/certificates/{}/policy", "fzcert", {"x509_props": {"subject": "CN=b", "validity_months": 1}}),
    ("PATCH", "/certificates/{}/", "fzcert", {"attributes": {"enabled": True}, "tags": {"t": "u"}}),
    ("PATCH", "/certificates/{}/pending", "fzpend", {"cancellation_requested": False}),
    ("POST", "/certificates/{}/pending/merge", "fzpend", {"x5c": [PFX[:40]], "attributes": {"enabled": True}}),
    ("PUT", "/certificates/contacts", "", {"contacts": [{"email": "a@b.c", "name": "n", "phone": "1"}]}),
    ("PUT", "/certificates/issuers/{}", "fzissuer", {"provider": "DigiCert", "credentials": {"account_id": "a",
                                                                                               "pwd": "p"},
                                                     "org_details": {"admin_details": [{"email": "x"}]}}),
]


def seed_data_plane(target: Target) -> None:
    """The objects DATA_SHAPES names."""
    target.site.internet().set_secret("fz", "seed")
    for method, path, body in (
            ("POST", "/keys/fz/create", {"kty": "RSA", "key_ops": KEY_OPS}),
            ("POST", "/keys/fzec/create", {"kty": "EC", "crv": "P-256"}),
            ("POST", "/certificates/fzcert/create", {"policy": {"issuer": {"name": "Self"},
                                                                "x509_props": {"subject": "CN=fz"}}}),
            ("POST", "/certificates/fzpend/create", {"policy": {"issuer": {"name": "Unknown"},
                                                                "x509_props": {"subject": "CN=fz"}}})):
        made = target.data(method, path, json.dumps(body).encode())
        assert made.status_code in (200, 202), made.text


def test_fuzz_data_plane(target: Target, probe: Probe) -> None:
    seed_data_plane(target)

    @st.composite
    def data_case(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
        method, path, known, body = draw(st.sampled_from(DATA_SHAPES))
        name = draw(segment(known))
        api = draw(st.one_of(st.just(DATA_API), st.just(DATA_API), st.just(DATA_API),
                             st.sampled_from(["7.0", "7.3", "7.4", "2025-07-01"]), st.text(max_size=10)))
        payload = draw(st.one_of(*[shaped(body).map(lambda b: json.dumps(b).encode())] * 2,
                                 *[one_mutation(body).map(lambda b: json.dumps(b).encode())] * 2,
                                 st.just(json.dumps(body).encode()),
                                 json_values.map(lambda b: json.dumps(b).encode()), st.binary(max_size=200)))
        return method, path.format(quoted(name)), api, payload

    @FUZZ
    @given(data_case())
    def case(c: tuple[str, str, str, bytes]) -> None:
        method, path, api, body = c
        judge(target, probe, f"{method} {path}?api-version={api} {body[:200]!r}",
              lambda: target.data(method, path, body, api))

    target.codes.clear()
    case()
    probe.figures["commonest answers"] = target.codes.most_common(6)
    assert target.alive() is None


# ---- DNS ------------------------------------------------------------------------------------------------
def query(name: str, qtype: str = "A") -> bytes:
    packed: bytes = dnslib.DNSRecord.question(name, qtype).pack()
    return packed


def dns_reply(resolver: str, packet: bytes, *, tcp: bool, timeout: float = 2.0) -> bytes | None:
    """The resolver's reply to one packet, or None when none came in time (UDP) or the connection closed (TCP)."""
    host, port = resolver.rsplit(":", 1)
    if not tcp:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(packet, (host, int(port)))
            try:
                return s.recv(65535)
            except TimeoutError:
                return None
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(packet)) + packet)
        head = b""
        try:
            while len(head) < 2:
                chunk = s.recv(2 - len(head))
                if not chunk:
                    return None
                head += chunk
            length, body = struct.unpack("!H", head)[0], b""
            while len(body) < length:
                chunk = s.recv(length - len(body))
                if not chunk:
                    return None
                body += chunk
            return body
        except TimeoutError:
            return None


NAMES = ["VAULT.vault.azure.net", "VAULT.privatelink.vaultcore.azure.net", "VAULT.vaultcore.azure.net",
         "inside-vm.internal.cloudapp.net", "management.azure.com", "example.com", "4.0.1.10.in-addr.arpa", ".",
         "a" * 63 + ".vault.azure.net", "x.privatelink.vaultcore.azure.net"]
QTYPES = ["A", "AAAA", "CNAME", "SOA", "NS", "PTR", "TXT", "MX", "SRV", "ANY", "AXFR", "IXFR", "CAA", "OPT", "TYPE65"]


@st.composite
def packets(draw: st.DrawFn, vault: str) -> bytes:
    """A DNS packet: random bytes, or a valid query (with EDNS sometimes) mutated by flips, cuts and inserts."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=600))
    name = draw(st.one_of(st.sampled_from(NAMES), st.from_regex(r"\A[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,4}\Z")))
    record = dnslib.DNSRecord(dnslib.DNSHeader(id=draw(st.integers(0, 65535)), rd=draw(st.booleans())),
                              q=dnslib.DNSQuestion(name.replace("VAULT", vault), getattr(dnslib.QTYPE, draw(st.sampled_from(QTYPES)))))
    if draw(st.booleans()):
        record.add_ar(dnslib.EDNS0(udp_len=draw(st.integers(0, 65535)), version=draw(st.sampled_from([0, 0, 1]))))
    data = bytearray(record.pack())
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "byte"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            data = data[:at]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def servfail(reply: bytes | None) -> bool:
    return reply is not None and len(reply) >= 4 and reply[3] & 0x0F == 2


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_fuzz_dns(target: Target, probe: Probe, transport: str) -> None:
    running = target.site.running
    resolvers = [view_of(running, "vnet-linked"), view_of(running, "vnet-unlinked"), running.state["dns"][0]]
    tcp = transport == "tcp"

    @FUZZ
    @given(packets(target.site.vault), st.sampled_from(resolvers))
    def case(packet: bytes, resolver: str) -> None:
        try:
            reply = dns_reply(resolver, packet, tcp=tcp, timeout=0.15)  # garbage gets no reply: wait briefly
            kind = "no reply" if reply is None else dnslib.RCODE.get(reply[3] & 0x0F) if len(reply) > 3 else "short"
            probe.figures[kind] = int(str(probe.figures.get(kind, 0))) + 1
            failure = f"SERVFAIL from {resolver} for {packet!r}" if servfail(reply) else None
        except OSError as err:
            failure = f"{resolver}: {err!r} for {packet!r}"
        if failure is None and probe.cases % 50 == 49:
            alive = dns_reply(resolver, query(f"{target.site.vault}.vault.azure.net"), tcp=tcp)
            failure = None if alive is not None and dnslib.DNSRecord.parse(alive).rr else \
                f"{resolver} stopped answering after {packet!r}"
        probe.case(failure)
        assert failure is None, failure

    case()
    assert target.alive() is None
    assert not re.search(r"dns: answering .* failed", running.log.read_text())  # logged for each SERVFAIL

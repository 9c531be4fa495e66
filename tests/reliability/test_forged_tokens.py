"""Forged and malformed bearer tokens, each sent by a real HTTP client through the edge to ARM and to the Key
Vault data plane: every one is refused with 401, and the genuine token beside them is accepted.

Several kinds are signed with the server's real key (read from the store, as only the server could): a claim of
the wrong type or range must be refused on its own merits, not because the signature is wrong.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.clients.keyvaults import make_vault, vault_url
from tests.reliability.conftest import Probe, size
from tests.vaultlink_process import Running, serving

ARM = "https://management.core.windows.net/"
VAULT = "https://vault.azure.net"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serving(tmp_path_factory.mktemp("forged") / "data") as running:
        yield running


def real_key(running: Running) -> rsa.RSAPrivateKey:
    from vaultlink.identity import bootstrap
    from vaultlink.store import open_store

    store = open_store(str(running.state["store"]))
    try:
        pem = bootstrap.signing_key(store, bootstrap.open_sealer(store, running.data_dir)).to_pem()
    finally:
        store.close()
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A JWT assembled by hand (for what PyJWT refuses to encode: NaN, a bare header)."""
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])


Forge = Callable[[dict[str, Any]], str]


def kinds(running: Running) -> dict[str, Forge]:
    """Each kind of forgery, as a function of the genuine claims for the audience under test."""
    key = real_key(running)
    kid = {"kid": "unknown"}
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    public_der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())

    def signed(**changes: Any) -> Forge:
        def forge(claims: dict[str, Any]) -> str:
            body = {**claims, **{k: v(claims) if callable(v) else v for k, v in changes.items()}}
            return jwt.encode({k: v for k, v in body.items() if v is not DROP}, key, algorithm="RS256")
        return forge

    def hmac(secret: bytes, alg: str = "HS256") -> Forge:
        def forge(claims: dict[str, Any]) -> str:
            header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
            payload = b64(json.dumps(claims).encode())
            import hashlib
            import hmac as hm

            digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
            sig = hm.new(secret, f"{header}.{payload}".encode(), digest).digest()
            return f"{header}.{payload}.{b64(sig)}"
        return forge

    def tampered(claims: dict[str, Any]) -> str:
        header, _, signature = jwt.encode(claims, key, algorithm="RS256").split(".")
        payload = b64(json.dumps({**claims, "oid": "00000000-0000-0000-0000-000000000000"}).encode())
        return f"{header}.{payload}.{signature}"

    def spliced(claims: dict[str, Any]) -> str:
        # the signature of a genuine token for another audience, on these claims
        genuine = jwt.encode({**claims, "aud": "https://graph.microsoft.com"}, key, algorithm="RS256")
        header, payload, _ = jwt.encode(claims, other, algorithm="RS256").split(".")
        return f"{header}.{payload}.{genuine.split('.')[2]}"

    def header_swapped(claims: dict[str, Any]) -> str:
        _, payload, signature = jwt.encode(claims, key, algorithm="RS256").split(".")
        header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "other"}).encode())
        return f"{header}.{payload}.{signature}"

    return {
        "other key": lambda c: jwt.encode(c, other, algorithm="RS256"),
        "other key with our kid": lambda c: jwt.encode(c, other, algorithm="RS256", headers=kid),
        "alg none": lambda c: jwt.encode(c, None, algorithm="none"),
        "alg None with a signature": lambda c: raw_jwt({"alg": "None", "typ": "JWT"}, c, b"x" * 256),
        "no alg": lambda c: raw_jwt({"typ": "JWT"}, c, b"x" * 256),
        "HS256 with the public key PEM": hmac(public_pem),
        "HS256 with the public key DER": hmac(public_der),
        "HS512 with the public key PEM": hmac(public_pem, "HS512"),
        "ES256 with a key of its own": lambda c: jwt.encode(c, ec_key, algorithm="ES256"),
        "PS256 with the real key": lambda c: jwt.encode(c, key, algorithm="PS256"),
        "RS512 with the real key": lambda c: jwt.encode(c, key, algorithm="RS512"),
        "jku pointing elsewhere": lambda c: jwt.encode(c, other, algorithm="RS256",
                                                       headers={"jku": "https://evil.example/keys"}),
        "signature stripped": lambda c: jwt.encode(c, key, algorithm="RS256").rsplit(".", 1)[0] + ".",
        "signature of another token": spliced,
        "tampered payload": tampered,
        "tampered header": header_swapped,
        "wrong issuer": signed(iss="https://sts.windows.net/someone-else/"),
        "issuer of v2 endpoint": signed(iss=lambda c: f"https://login.microsoftonline.com/{c['tid']}/v2.0"),
        "issuer of another tenant, tid ours": signed(iss=f"https://sts.windows.net/{OTHER_TENANT}/"),
        "wrong tenant": signed(tid=OTHER_TENANT, iss=f"https://sts.windows.net/{OTHER_TENANT}/"),
        "wrong audience": signed(aud="https://graph.microsoft.com"),
        "audience look-alike": signed(aud="https://vault.azure.net.evil.com"),
        "audience as a list": signed(aud=lambda c: [c["aud"], "https://evil.example"]),
        "expired": signed(iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "expired a second ago": signed(iat=now - 600, nbf=now - 600, exp=now - 1),
        "not yet valid": signed(nbf=now + 3600, exp=now + 7200),
        "issued in the future": signed(iat=now + 3600, exp=now + 7200),
        "string exp": signed(exp=str(now + 600)),
        "string nbf": signed(nbf=str(now - 60)),
        "string iat": signed(iat=str(now)),
        "exp 1e308": signed(exp=1e308),
        "exp 2**62": signed(exp=2**62),
        "exp true": signed(exp=True),
        "exp fractional": signed(exp=now + 600.5),
        "exp NaN": lambda c: jwt.encode({**c, "exp": float("nan")}, key, algorithm="RS256"),
        "exp negative": signed(exp=-1),
        "lifetime of two days": signed(iat=now, nbf=now, exp=now + 2 * 86400),
        "lifetime of a year": signed(iat=now - 60, nbf=now - 60, exp=now + 365 * 86400),
        "nbf after exp": signed(nbf=now + 500, exp=now + 400),
        "missing exp": signed(exp=DROP),
        "missing nbf": signed(nbf=DROP),
        "missing iat": signed(iat=DROP),
        "missing iss": signed(iss=DROP),
        "missing aud": signed(aud=DROP),
        "missing tid": signed(tid=DROP),
        "tid null": signed(tid=None),
        "aud a number": signed(aud=42),
        "truncated": lambda c: jwt.encode(c, key, algorithm="RS256")[:-12],
        "two segments": lambda c: ".".join(jwt.encode(c, key, algorithm="RS256").split(".")[:2]),
        "four segments": lambda c: jwt.encode(c, key, algorithm="RS256") + ".e30",
        "not base64": lambda c: "!!!.@@@.###",
        "payload not JSON": lambda c: jwt.encode(c, key, algorithm="RS256").split(".")[0] + "." + b64(b"{nope") + ".x",
        "deeply nested payload": lambda c: raw_jwt({"alg": "RS256"}, {"x": 1}).split(".")[0] + "." + b64(b"[" * 5000) + ".x",
        "empty": lambda c: "",
    }


DROP = object()


def genuine_claims(running: Running, audience: str) -> dict[str, Any]:
    creds = running.credentials
    now = int(time.time())
    return {
        "aud": audience, "iss": f"https://sts.windows.net/{creds['tenantId']}/", "iat": now, "nbf": now - 60,
        "exp": now + 600, "tid": creds["tenantId"], "oid": creds["servicePrincipal"]["objectId"],
        "appid": creds["servicePrincipal"]["appId"], "idtyp": "app", "ver": "1.0",
    }


def test_forged_tokens(server: Running, probe: Probe) -> None:
    session = requests.Session()
    session.proxies = {"https": server.proxy}
    session.verify = server.ca
    sub = server.credentials["subscriptionId"]
    vault = make_vault(server)
    targets = {
        "arm": (ARM, f"https://management.azure.com/subscriptions/{sub}/resourcegroups?api-version=2025-04-01"),
        "data plane": (VAULT, f"{vault_url(vault)}/secrets?api-version=7.5"),
    }
    key = real_key(server)
    rounds = size(1, 10)  # each round forges anew: fresh keys, fresh times
    for _ in range(rounds):
        table = kinds(server)
        assert len(table) >= 36
        for plane, (audience, url) in targets.items():
            claims = genuine_claims(server, audience)
            genuine = jwt.encode(claims, key, algorithm="RS256")
            answer = session.get(url, headers={"Authorization": f"Bearer {genuine}"}, timeout=10)
            assert answer.status_code == 200, f"{plane}: the genuine token was refused: {answer.text}"
            for kind, forge in table.items():
                token = forge(dict(claims))
                r = session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                failure = None if r.status_code == 401 else f"{plane} / {kind}: {r.status_code} {r.text[:160]}"
                probe.case(failure)
    probe.figures["kinds"] = len(table)
    assert not probe.failures, probe.failures

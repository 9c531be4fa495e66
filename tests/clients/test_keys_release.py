"""Key release through the real azure-keyvault-keys SDK, with attestation tokens from vaultlink's Microsoft
Azure Attestation at *.attest.azure.net: the token verified, the release policy evaluated against its claims,
and the key wrapped for the runtime key the token names (unwrapped here with that key's private half)."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import KeyClient, KeyExportEncryptionAlgorithm, KeyReleasePolicy
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running

PROVIDER = "https://vaultlinktest.eus.attest.azure.net"
REFUSED = {"code": "Forbidden", "message": "Target environment attestation statement cannot be verified.",
           "innererror": {"code": "AccessDenied"}}
HASHES = {"CKM_RSA_AES_KEY_WRAP": hashes.SHA1, "RSA_AES_KEY_WRAP_256": hashes.SHA256,
          "RSA_AES_KEY_WRAP_384": hashes.SHA384}


@pytest.fixture(scope="module")
def client(vaultlink: Running) -> KeyClient:
    return KeyClient(vault_url(make_vault(vaultlink)), owner_credential(vaultlink))


@pytest.fixture(scope="module")
def web(vaultlink: Running) -> requests.Session:
    """Plain HTTPS through vaultlink's edge, as any client of the attestation provider would go."""
    session = requests.Session()
    session.trust_env = False  # only vaultlink's proxy and CA, whatever the environment names
    session.proxies = {"https": vaultlink.proxy}
    session.verify = vaultlink.ca
    return session


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def release_policy(*conditions: dict[str, Any], authority: str = PROVIDER) -> KeyReleasePolicy:
    policy = {"version": "1.0.0", "anyOf": [{"authority": authority + "/", "allOf": list(conditions)}]}
    return KeyReleasePolicy(json.dumps(policy).encode())


def sdk_test_token(web: requests.Session) -> str:
    """What the SDK's own key-release tests do: GET {attestation uri}/generate-test-token."""
    answer = web.get(f"{PROVIDER}/generate-test-token", timeout=30)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def token_for(web: requests.Session, runtime: rsa.RSAPrivateKey, **claims: Any) -> str:
    """A test token naming our own runtime key, so what is released to it can be unwrapped here."""
    numbers = runtime.public_key().public_numbers()
    jwk = {"kid": "my-enclave-key", "kty": "RSA", "n": b64url(numbers.n.to_bytes(256, "big")),
           "e": b64url(numbers.e.to_bytes(3, "big"))}
    answer = web.post(f"{PROVIDER}/generate-test-token", json={"x-ms-runtime": {"keys": [jwk]}, **claims},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def unwrap(result_value: str, runtime: rsa.RSAPrivateKey) -> tuple[dict[str, Any], bytes]:
    """The release result's payload, its signature checked against the certificate in its header, and the
    PKCS#8 private key unwrapped from its key_hsm."""
    signer = x509.load_der_x509_certificate(base64.b64decode(jwt.get_unverified_header(result_value)["x5c"][0]))
    payload: dict[str, Any] = jwt.decode(result_value, signer.public_key(), algorithms=["RS256"])
    document = json.loads(unb64url(payload["response"]["key"]["key"]["key_hsm"]))
    enc = document["header"]["enc"]
    ciphertext = unb64url(document["ciphertext"])
    digest = HASHES[enc]()
    aes = runtime.decrypt(ciphertext[:256], padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None))
    return payload, aes_key_unwrap_with_padding(aes, ciphertext[256:])


def test_the_attestation_provider_publishes_its_metadata_and_keys(web: requests.Session) -> None:
    metadata = web.get(f"{PROVIDER}/.well-known/openid-configuration", timeout=30).json()
    assert metadata["issuer"] == PROVIDER and metadata["jwks_uri"] == f"{PROVIDER}/certs"
    jwks = web.get(metadata["jwks_uri"], timeout=30).json()
    token = sdk_test_token(web)
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["RS256"])
    assert claims["iss"] == PROVIDER and claims["sdk-test"] is True
    assert claims["x-ms-runtime"]["keys"][0]["kty"] == "RSA" and "d" not in claims["x-ms-runtime"]["keys"][0]
    assert web.get(f"{PROVIDER}/nowhere", timeout=30).status_code == 404
    refused = web.post(f"{PROVIDER}/generate-test-token", json={"iss": "https://evil.example"}, timeout=30)
    assert refused.status_code == 400 and "provider's to set" in refused.json()["error"]["message"]


@pytest.mark.parametrize("enc", list(HASHES))
def test_release_wraps_the_key_for_the_token_runtime_key(client: KeyClient, web: requests.Session, enc: str) -> None:
    name = f"releasable-{enc.lower().replace('_', '-')}"
    key = client.create_rsa_key(name, hardware_protected=True, exportable=True,
                                release_policy=release_policy({"claim": "sdk-test", "equals": True}))
    runtime = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = client.release_key(name, token_for(web, runtime), algorithm=KeyExportEncryptionAlgorithm(enc), nonce="n-1")
    payload, pkcs8 = unwrap(result.value, runtime)
    assert payload["request"] == {"api-version": client.api_version, "enc": enc, "kid": key.id, "nonce": "n-1"}
    assert payload["response"]["key"]["key"]["kid"] == key.id
    released = serialization.load_der_private_key(pkcs8, None)
    assert isinstance(released, rsa.RSAPrivateKey)
    assert released.public_key().public_numbers().n.to_bytes(256, "big") == key.key.n


def test_release_with_the_sdk_samples_token_and_a_string_boolean(client: KeyClient, web: requests.Session) -> None:
    # Microsoft's .NET test writes the claim as "true"; the SDK's Python test calls GET generate-test-token.
    client.create_rsa_key("sample-release", exportable=True,
                          release_policy=release_policy({"claim": "sdk-test", "equals": "true"}))
    result = client.release_key("sample-release", sdk_test_token(web))
    assert jwt.decode(result.value, options={"verify_signature": False})["request"]["enc"] == "CKM_RSA_AES_KEY_WRAP"


def test_a_policy_the_token_does_not_meet_is_refused(client: KeyClient, web: requests.Session) -> None:
    runtime = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client.create_ec_key("sev-only", curve="P-256", exportable=True, release_policy=release_policy(
        {"claim": "x-ms-isolation-tee.x-ms-attestation-type", "equals": "sevsnpvm"}))
    with pytest.raises(HttpResponseError) as err:
        client.release_key("sev-only", token_for(web, runtime))
    assert err.value.status_code == 403 and err.value.response.json()["error"] == REFUSED
    # the same policy met: nested claims, walked at the dot, and an EC key released as PKCS#8
    released = client.release_key("sev-only", token_for(
        web, runtime, **{"x-ms-isolation-tee": {"x-ms-attestation-type": "sevsnpvm"}}))
    assert serialization.load_der_private_key(unwrap(released.value, runtime)[1], None) is not None

    client.create_rsa_key("other-authority", exportable=True, release_policy=release_policy(
        {"claim": "sdk-test", "equals": True}, authority="https://someoneelse.weu.attest.azure.net"))
    with pytest.raises(HttpResponseError) as err:
        client.release_key("other-authority", token_for(web, runtime))
    assert err.value.status_code == 403 and err.value.response.json()["error"] == REFUSED

    token = token_for(web, runtime)
    head, body, signature = token.split(".")
    claims = json.loads(unb64url(body))
    forged = ".".join([head, b64url(json.dumps({**claims, "sdk-test": True, "x-ms-ver": "2.0"}).encode()), signature])
    client.create_rsa_key("forgery", exportable=True, release_policy=release_policy({"claim": "sdk-test",
                                                                                     "equals": True}))
    with pytest.raises(HttpResponseError) as err:
        client.release_key("forgery", forged)
    assert err.value.status_code == 403 and err.value.response.json()["error"] == REFUSED


def test_bad_releases_are_clear(client: KeyClient, web: requests.Session) -> None:
    client.create_rsa_key("not-exportable")
    with pytest.raises(HttpResponseError) as err:
        client.release_key("not-exportable", sdk_test_token(web))
    assert err.value.status_code == 400 and "not exportable" in err.value.message
    client.create_rsa_key("disabled-release", exportable=True, enabled=False,
                          release_policy=release_policy({"claim": "sdk-test", "equals": True}))
    with pytest.raises(HttpResponseError) as err:
        client.release_key("disabled-release", sdk_test_token(web))
    assert err.value.status_code == 403 and "Operation release is not allowed on a disabled key" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.release_key("not-exportable", sdk_test_token(web), algorithm="A256KW")
    assert err.value.status_code == 400 and "CKM_RSA_AES_KEY_WRAP" in err.value.message


def test_tokens_and_releases_outlive_a_restart(vaultlink: Running, client: KeyClient, web: requests.Session) -> None:
    client.create_rsa_key("after-restart", exportable=True,
                          release_policy=release_policy({"claim": "sdk-test", "equals": True}))
    runtime = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = token_for(web, runtime)
    kid = jwt.get_unverified_header(token)["kid"]
    vaultlink.restart()
    jwks = web.get(f"{PROVIDER}/certs", timeout=30).json()
    assert [k["kid"] for k in jwks["keys"]] == [kid]  # the providers' key was kept, sealed in the store
    result = client.release_key("after-restart", token)
    assert unwrap(result.value, runtime)[1]


def test_malformed_release_requests_are_400s_or_refusals(vaultlink: Running, client: KeyClient,
                                                         web: requests.Session) -> None:
    client.create_rsa_key("raw-release", exportable=True,
                          release_policy=release_policy({"claim": "sdk-test", "equals": True}))
    token = owner_credential(vaultlink).get_token("https://vault.azure.net/.default").token
    url = f"{client.vault_url}/keys/raw-release/release?api-version=7.6"
    headers = {"Authorization": f"Bearer {token}"}
    for body, status in [({}, 400), ({"target": 5}, 400), ({"target": "x", "enc": 7}, 400),
                         ({"target": sdk_test_token(web), "nonce": 3}, 400), ({"target": "not.a.jwt"}, 403),
                         ({"target": "...."}, 403)]:
        answer = web.post(url, json=body, headers=headers, timeout=30)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"]["code"] in ("BadParameter", "Forbidden"), answer.text
    no_rsa = web.post(f"{PROVIDER}/generate-test-token", json={"x-ms-runtime": {"keys": [{"kty": "EC"}]}},
                      timeout=30).json()["token"]
    answer = web.post(url, json={"target": no_rsa}, headers=headers, timeout=30)
    assert answer.status_code == 400 and "no RSA key" in answer.json()["error"]["message"]
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_numbers()
    tiny = web.post(f"{PROVIDER}/generate-test-token", json={"x-ms-runtime": {"keys": [
        {"kty": "RSA", "n": b64url(small.n.to_bytes(128, "big")), "e": b64url(small.e.to_bytes(3, "big"))}]}},
        timeout=30).json()["token"]
    answer = web.post(url, json={"target": tiny, "enc": "RSA_AES_KEY_WRAP_384"}, headers=headers, timeout=30)
    assert answer.status_code == 400 and "can wrap a key for" in answer.json()["error"]["message"]
    for body in (b"[1]", b"{bad"):
        answer = web.post(f"{PROVIDER}/generate-test-token", data=body, timeout=30)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidRequest"

"""encrypt/decrypt, wrapKey/unwrapKey and sign/verify on the server, checked against the SDK's local
CryptographyClient and the `cryptography` library in both directions, and the refusals around them."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import JsonWebKey, KeyClient, KeyVaultKey
from azure.keyvault.keys.crypto import (
    CryptographyClient,
    EncryptionAlgorithm,
    KeyWrapAlgorithm,
    SignatureAlgorithm,
)
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running

HASHES = {"256": (hashlib.sha256, hashes.SHA256), "384": (hashlib.sha384, hashes.SHA384),
          "512": (hashlib.sha512, hashes.SHA512)}
OAEP = {"RSA-OAEP": padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
        "RSA-OAEP-256": padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
        "RSA1_5": padding.PKCS1v15()}


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    """A vault where the caller may use keys but not read them, so the SDK performs every operation remotely."""
    c = vaultlink.credentials
    ops = ["create", "import", "update", "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"]
    return make_vault(vaultlink, policies=[{"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
                                            "permissions": {"keys": ops}}])


@pytest.fixture(scope="module")
def keys(vaultlink: Running, vault: str) -> KeyClient:
    return KeyClient(vault_url(vault), owner_credential(vaultlink))


def remote(vaultlink: Running, key: KeyVaultKey) -> CryptographyClient:
    client = CryptographyClient(key.id, owner_credential(vaultlink))
    return client


def local(key: KeyVaultKey) -> CryptographyClient:
    return CryptographyClient.from_jwk(key.key)


def import_rsa(keys: KeyClient, name: str, **kwargs: Any) -> tuple[rsa.RSAPrivateKey, KeyVaultKey]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = private.private_numbers()
    jwk = JsonWebKey(kty="RSA", n=n.public_numbers.n.to_bytes(256, "big"), e=b"\x01\x00\x01",
                     d=n.d.to_bytes(256, "big"), p=n.p.to_bytes(128, "big"), q=n.q.to_bytes(128, "big"), **kwargs)
    return private, keys.import_key(name, jwk)


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"])
def test_encrypt_decrypt_both_ways(vaultlink: Running, keys: KeyClient, alg: str) -> None:
    private, key = import_rsa(keys, f"enc-{alg.replace('_', '-')}")
    algorithm = EncryptionAlgorithm(alg)
    server = remote(vaultlink, key)
    sealed = server.encrypt(algorithm, b"attack at dawn")
    assert sealed.key_id == key.id and sealed.ciphertext != b"attack at dawn"
    assert private.decrypt(sealed.ciphertext, OAEP[alg]) == b"attack at dawn"  # the library opens the server's
    assert server.decrypt(algorithm, sealed.ciphertext).plaintext == b"attack at dawn"
    mine = local(key).encrypt(algorithm, b"from the SDK")  # the SDK's local encryption
    assert server.decrypt(algorithm, mine.ciphertext).plaintext == b"from the SDK"
    theirs = private.public_key().encrypt(b"from the library", OAEP[alg])
    assert server.decrypt(algorithm, theirs).plaintext == b"from the library"


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"])
def test_wrap_unwrap_both_ways(vaultlink: Running, keys: KeyClient, alg: str) -> None:
    private, key = import_rsa(keys, f"wrap-{alg.replace('_', '-')}")
    algorithm = KeyWrapAlgorithm(alg)
    server = remote(vaultlink, key)
    cek = bytes(range(32))
    wrapped = server.wrap_key(algorithm, cek)
    assert private.decrypt(wrapped.encrypted_key, OAEP[alg]) == cek
    assert server.unwrap_key(algorithm, wrapped.encrypted_key).key == cek
    assert server.unwrap_key(algorithm, local(key).wrap_key(algorithm, cek).encrypted_key).key == cek


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
def test_rsa_signatures_interoperate(vaultlink: Running, keys: KeyClient, alg: str) -> None:
    private, key = import_rsa(keys, f"sign-{alg.lower()}")
    digest_of, hash_cls = HASHES[alg[2:]]
    digest = digest_of(b"the document").digest()
    server = remote(vaultlink, key)
    algorithm = SignatureAlgorithm(alg)
    signed = server.sign(algorithm, digest)
    assert signed.key_id == key.id
    assert local(key).verify(algorithm, digest, signed.signature).is_valid
    pad: padding.AsymmetricPadding = (padding.PSS(padding.MGF1(hash_cls()), hash_cls().digest_size)
                                      if alg.startswith("PS") else padding.PKCS1v15())
    private.public_key().verify(signed.signature, digest, pad, utils.Prehashed(hash_cls()))
    theirs = private.sign(digest, pad, utils.Prehashed(hash_cls()))
    assert server.verify(algorithm, digest, theirs).is_valid
    assert not server.verify(algorithm, digest, bytes(len(theirs))).is_valid


@pytest.mark.parametrize(("alg", "curve"), [("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521"),
                                            ("ES256K", "P-256K")])
def test_ec_signatures_interoperate(vaultlink: Running, keys: KeyClient, alg: str, curve: str) -> None:
    key = keys.create_ec_key(f"ec-{alg.lower()}", curve=curve)
    digest_of, hash_cls = HASHES["512" if alg == "ES512" else alg[2:5]]
    digest = digest_of(b"the document").digest()
    server = remote(vaultlink, key)
    algorithm = SignatureAlgorithm(alg)
    signed = server.sign(algorithm, digest)
    width = {"P-256": 32, "P-384": 48, "P-521": 66, "P-256K": 32}[curve]
    assert len(signed.signature) == 2 * width  # JWS r||s, not DER
    assert local(key).verify(algorithm, digest, signed.signature).is_valid
    curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(), "P-256K": ec.SECP256K1()}
    public = ec.EllipticCurvePublicNumbers(int.from_bytes(key.key.x, "big"), int.from_bytes(key.key.y, "big"),
                                           curves[curve]).public_key()
    r, s = int.from_bytes(signed.signature[:width], "big"), int.from_bytes(signed.signature[width:], "big")
    public.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hash_cls())))
    assert server.verify(algorithm, digest, signed.signature).is_valid
    tampered = bytearray(signed.signature)
    tampered[0] ^= 1
    assert not server.verify(algorithm, digest, bytes(tampered)).is_valid


def test_operation_not_in_key_ops_is_forbidden(vaultlink: Running, keys: KeyClient) -> None:
    key = keys.create_rsa_key("sign-only", key_operations=["sign", "verify"])
    with pytest.raises(HttpResponseError) as err:
        remote(vaultlink, key).decrypt(EncryptionAlgorithm.rsa_oaep, b"\x00" * 256)
    assert err.value.status_code == 403
    assert err.value.response.json() == {"error": {"code": "Forbidden", "message": "Operation decrypt is not "
                                                   "permitted on this key.", "innererror": {"code": "KeyOperationForbidden"}}}
    with pytest.raises(HttpResponseError) as err:
        remote(vaultlink, key).wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
    assert "Operation wrapKey is not permitted on this key." in err.value.message


def test_disabled_not_yet_valid_and_expired_keys(vaultlink: Running, keys: KeyClient) -> None:
    digest = hashlib.sha256(b"x").digest()
    disabled = keys.create_rsa_key("disabled", enabled=False)
    with pytest.raises(HttpResponseError) as err:
        remote(vaultlink, disabled).sign(SignatureAlgorithm.rs256, digest)
    assert err.value.status_code == 403 and "Operation sign is not allowed on a disabled key." in err.value.message
    future = keys.create_rsa_key("future", not_before=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(HttpResponseError) as err:
        remote(vaultlink, future).sign(SignatureAlgorithm.rs256, digest)
    assert err.value.response.json()["error"]["innererror"]["code"] == "KeyNotYetValid"
    private, old = import_rsa(keys, "expired")
    keys.update_key_properties("expired", expires_on=datetime.now(UTC) - timedelta(minutes=1))
    client = remote(vaultlink, old)
    with pytest.raises(HttpResponseError) as err:
        client.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"new data")
    assert err.value.response.json()["error"]["innererror"]["code"] == "KeyExpired"
    old_data = private.public_key().encrypt(b"old data", OAEP["RSA-OAEP-256"])
    assert client.decrypt(EncryptionAlgorithm.rsa_oaep_256, old_data).plaintext == b"old data"  # still opens


def raw(vaultlink: Running) -> requests.Session:
    s = requests.Session()
    s.proxies = {"https": vaultlink.proxy}
    s.verify = vaultlink.ca
    token = owner_credential(vaultlink).get_token("https://vault.azure.net/.default").token
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_bad_algorithm_and_values(vaultlink: Running, vault: str, keys: KeyClient) -> None:
    rsa_key = keys.create_rsa_key("algs")
    ec_key = keys.create_ec_key("algs-ec", curve="P-384")
    s = raw(vaultlink)
    url = f"{vault_url(vault)}/keys"
    cases = [
        (f"algs/{rsa_key.properties.version}/encrypt", {"alg": "A256GCM", "value": b64(b"x")}, "needs a symmetric key"),
        ("algs/encrypt", {"alg": "RSA-OAEP-512", "value": b64(b"x")}, "'RSA-OAEP-512' is not supported"),
        ("algs/encrypt", {"value": b64(b"x")}, "The 'alg' property is required"),
        ("algs/encrypt", {"alg": "RSA-OAEP", "value": b64(b"x" * 300)}, "at most 214 bytes"),
        ("algs/encrypt", {"alg": "RSA-OAEP", "value": "***"}, "not valid base64url"),
        ("algs/sign", {"alg": "ES256", "value": b64(bytes(32))}, "not supported for keys of type RSA"),
        ("algs/sign", {"alg": "RS256", "value": b64(bytes(20))}, "The digest is 20 bytes"),
        ("algs-ec/sign", {"alg": "ES256", "value": b64(bytes(32))}, "needs a P-256 key"),
        ("algs/decrypt", {"alg": "RSA-OAEP", "value": b64(bytes(256))}, "could not be decrypted"),
        ("algs/verify", {"alg": "RS256", "value": b64(bytes(256))}, "'digest' property"),
    ]
    for path, body, message in cases:
        r = s.post(f"{url}/{path}?api-version=7.4", json=body)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"]["code"] == "BadParameter" and message in r.json()["error"]["message"], r.text
    r = s.post(f"{url}/algs/{'0' * 32}/sign?api-version=7.4", json={"alg": "RS256", "value": b64(bytes(32))})
    assert r.status_code == 404 and r.json()["error"]["code"] == "KeyNotFound"
    assert ec_key.key.crv == "P-384"


def test_raw_rest_with_the_cli_api_version(vaultlink: Running) -> None:
    name = make_vault(vaultlink)
    s = raw(vaultlink)
    base = vault_url(name)
    r = s.post(f"{base}/keys/cli-key/create?api-version=7.4", json={"kty": "RSA", "key_size": 2048,
                                                                     "attributes": {"enabled": True}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"key", "attributes"} and set(body["key"]) == {"kid", "kty", "key_ops", "n", "e"}
    assert body["attributes"]["recoveryLevel"] == "Recoverable+Purgeable" and body["attributes"]["recoverableDays"] == 90
    kid = body["key"]["kid"]
    assert kid.startswith(f"{base}/keys/cli-key/")
    assert s.get(f"{base}/keys/cli-key/?api-version=7.4").json()["key"]["kid"] == kid
    digest = hashlib.sha256(b"az").digest()
    signed = s.post(f"{kid}/sign?api-version=7.4", json={"alg": "RS256", "value": b64(digest)}).json()
    assert signed["kid"] == kid
    verified = s.post(f"{kid}/verify?api-version=7.4", json={"alg": "RS256", "digest": b64(digest),
                                                              "value": signed["value"]})
    assert verified.json() == {"value": True}
    listed = s.get(f"{base}/keys?api-version=7.4").json()
    assert listed["value"][0]["kid"] == f"{base}/keys/cli-key" and listed["nextLink"] is None
    assert s.get(f"{base}/keys/cli-key/rotationpolicy?api-version=7.4").json()["id"].endswith("/rotationpolicy")
    deleted = s.delete(f"{base}/keys/cli-key?api-version=7.4").json()
    assert deleted["recoveryId"] == f"{base}/deletedkeys/cli-key" and "d" not in deleted["key"]
    assert s.post(f"{base}/keys/x/create?api-version=7.4", data=b"{oops",
                  headers={"Content-Type": "application/json"}).status_code == 400
    no_version = s.post(f"{base}/keys/x/create", json={"kty": "RSA"})
    assert no_version.status_code == 400 and no_version.json()["error"]["code"] == "BadParameter"

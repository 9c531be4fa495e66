"""The JWK algorithms (vault/keycrypto.py): every algorithm round-trips, JWKs go out public and come in whole,
and every refusal is a BadParameter naming the offending value."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto

RSA = keycrypto.generate(keycrypto.spec_of("RSA"))
P256 = keycrypto.generate(keycrypto.spec_of("EC"))


def test_specs_and_defaults() -> None:
    assert keycrypto.spec_of("RSA") == keycrypto.KeySpec("RSA", size=2048)
    assert keycrypto.spec_of("RSA-HSM", 4096).size == 4096
    assert keycrypto.spec_of("EC") == keycrypto.KeySpec("EC", crv="P-256")
    assert keycrypto.spec_of("EC-HSM", crv="P-256K").crv == "P-256K"
    for args, message in [(("RSA", 1024), "key size '1024'"), (("RSA", True), "key size 'True'"),
                          (("EC", None, "P-192"), "curve 'P-192'"), (("EC", 256), "'key_size' property does not apply"),
                          (("RSA", None, "P-256"), "'crv' property does not apply"), (("oct",), "Managed HSM"),
                          ((None,), "'kty' property is required"), (("RSA", 2048, None, 17), "public exponent '17'")]:
        with pytest.raises(BadParameter, match=message):
            keycrypto.spec_of(*args)


def test_key_ops() -> None:
    assert keycrypto.key_ops_in(None, "RSA") == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    assert keycrypto.key_ops_in(None, "EC-HSM") == ["sign", "verify"]
    assert keycrypto.key_ops_in(["WRAPKEY", "sign", "sign", "import"], "RSA") == ["wrapKey", "sign"]
    with pytest.raises(BadParameter, match="'decrypt' is not valid for keys of type EC"):
        keycrypto.key_ops_in(["decrypt"], "EC")
    with pytest.raises(BadParameter, match="must be a list"):
        keycrypto.key_ops_in("sign", "RSA")


def test_public_jwk_and_storage_round_trip() -> None:
    jwk = keycrypto.public_jwk(RSA)
    assert set(jwk) == {"n", "e"} and jwk["e"] == "AQAB"
    assert keycrypto.load_private(keycrypto.dump_private(RSA)).private_numbers() == RSA.private_numbers()
    ec_jwk = keycrypto.public_jwk(P256)
    assert set(ec_jwk) == {"crv", "x", "y"} and len(keycrypto.from_b64url(ec_jwk["x"], "x")) == 32
    p521 = keycrypto.generate(keycrypto.spec_of("EC", crv="P-521"))
    assert len(keycrypto.from_b64url(keycrypto.public_jwk(p521)["y"], "y")) == 66


def _private_jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kty: str, *, full: bool = True) -> dict[str, str]:
    jwk: dict[str, str] = {"kty": kty, **keycrypto.public_jwk(key)}
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        jwk["d"] = keycrypto.b64url(n.d.to_bytes(256, "big"))
        if full:
            jwk.update(p=keycrypto.b64url(n.p.to_bytes(128, "big")), q=keycrypto.b64url(n.q.to_bytes(128, "big")))
    else:
        jwk["d"] = keycrypto.b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    return jwk


def test_import_jwk() -> None:
    kty, key = keycrypto.import_jwk(_private_jwk(RSA, "RSA"))
    assert kty == "RSA" and isinstance(key, rsa.RSAPrivateKey) and key.private_numbers() == RSA.private_numbers()
    _, from_d_only = keycrypto.import_jwk(_private_jwk(RSA, "RSA", full=False))  # primes recovered from n, e, d
    assert isinstance(from_d_only, rsa.RSAPrivateKey) and from_d_only.private_numbers() == RSA.private_numbers()
    kty, ec_key = keycrypto.import_jwk(_private_jwk(P256, "EC"))
    assert kty == "EC" and keycrypto.public_jwk(ec_key) == keycrypto.public_jwk(P256)
    for jwk, message in [({"kty": "RSA", **keycrypto.public_jwk(RSA)}, "must include its private key"),
                         ({"kty": "oct", "k": "AAAA"}, "Managed HSM"),
                         ({**_private_jwk(RSA, "RSA"), "q": "AQAB"}, "components do not agree"),
                         ({**_private_jwk(P256, "EC"), "crv": "P-999"}, "curve 'P-999'"),
                         ({**_private_jwk(RSA, "RSA"), "n": "%%%"}, "not valid base64url"),
                         ("not a jwk", "JSON Web Key")]:
        with pytest.raises(BadParameter, match=message):
            keycrypto.import_jwk(jwk)


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"])
def test_rsa_encryption_round_trips_and_limits(alg: str) -> None:
    sealed = keycrypto.encrypt(RSA, "RSA", alg, b"secret")
    assert keycrypto.decrypt(RSA, "RSA", alg, sealed) == b"secret"
    limit = {"RSA-OAEP": 214, "RSA-OAEP-256": 190, "RSA1_5": 245}[alg]
    keycrypto.encrypt(RSA, "RSA", alg, bytes(limit))
    with pytest.raises(BadParameter, match=f"at most {limit} bytes"):
        keycrypto.encrypt(RSA, "RSA", alg, bytes(limit + 1))
    if alg != "RSA1_5":  # PKCS#1 v1.5 answers garbage rather than an error (implicit rejection, against oracles)
        with pytest.raises(BadParameter, match="could not be decrypted"):
            keycrypto.decrypt(RSA, "RSA", alg, bytes(256))


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
def test_rsa_signatures(alg: str) -> None:
    digest = hashlib.new(f"sha{alg[2:]}", b"doc").digest()
    signature = keycrypto.sign(RSA, "RSA", alg, digest)
    assert keycrypto.verify(RSA, "RSA", alg, digest, signature)
    assert not keycrypto.verify(RSA, "RSA", alg, digest, bytes(len(signature)))


@pytest.mark.parametrize(("alg", "crv", "digest_name"), [("ES256", "P-256", "sha256"), ("ES384", "P-384", "sha384"),
                                                         ("ES512", "P-521", "sha512"), ("ES256K", "P-256K", "sha256")])
def test_ec_signatures(alg: str, crv: str, digest_name: str) -> None:
    key = keycrypto.generate(keycrypto.spec_of("EC", crv=crv))
    digest = hashlib.new(digest_name, b"doc").digest()
    signature = keycrypto.sign(key, "EC", alg, digest)
    assert len(signature) == 2 * keycrypto.CURVE_BYTES[crv]
    assert keycrypto.verify(key, "EC", alg, digest, signature)
    assert not keycrypto.verify(key, "EC", alg, digest, signature[:-1])


def test_refusals() -> None:
    digest = bytes(32)
    for call, message in [
        (lambda: keycrypto.sign(RSA, "RSA", "ES256", digest), "not supported for keys of type RSA"),
        (lambda: keycrypto.sign(P256, "EC", "RS256", digest), "not supported for keys of type EC"),
        (lambda: keycrypto.sign(P256, "EC", "ES384", bytes(48)), "needs a P-384 key"),
        (lambda: keycrypto.sign(RSA, "RSA", "RS384", digest), "The digest is 32 bytes"),
        (lambda: keycrypto.sign(RSA, "RSA", "HS256", digest), "'HS256' is not supported"),
        (lambda: keycrypto.sign(RSA, "RSA", None, digest), "'alg' property is required"),
        (lambda: keycrypto.encrypt(P256, "EC", "RSA-OAEP", b"x"), "not supported for keys of type EC"),
        (lambda: keycrypto.encrypt(RSA, "RSA", "A128KW", b"x"), "needs a symmetric key"),
        (lambda: keycrypto.from_b64url(12, "value"), "must be a base64url-encoded string"),
    ]:
        with pytest.raises(BadParameter, match=message):
            call()
    assert keycrypto.from_b64url("AQAB", "e") == keycrypto.from_b64url("AQAB==", "e") == b"\x01\x00\x01"
    assert keycrypto.from_b64url("-_8", "v") == keycrypto.from_b64url("+/8=", "v")

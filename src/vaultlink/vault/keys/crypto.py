"""Key material and the JSON Web Key algorithms Key Vault offers, over the `cryptography` library.

Pure functions: make, load and dump private keys, render their public JWK, read an imported JWK, and run
encrypt/decrypt, wrapKey/unwrapKey (RSA-OAEP, RSA-OAEP-256, RSA1_5) and sign/verify (RS*, PS*, ES*) the way
Azure does, so results interoperate with the SDK's local CryptographyClient: base64url without padding,
PSS salt as long as the digest, ECDSA signatures as fixed-width r||s. Every refusal is a BadParameter.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from vaultlink.vault.errors import BadParameter

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

RSA_TYPES = ("RSA", "RSA-HSM")
EC_TYPES = ("EC", "EC-HSM")
RSA_SIZES = (2048, 3072, 4096)
CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1, "P-256K": ec.SECP256K1,
}
CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66, "P-256K": 32}
RSA_OPS = ("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey")
EC_OPS = ("sign", "verify")
KNOWN_OPS = ("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export")

ENCRYPTION = ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5")
SYMMETRIC = ("A128GCM", "A192GCM", "A256GCM", "A128KW", "A192KW", "A256KW", "A128CBC", "A192CBC", "A256CBC",
             "A128CBCPAD", "A192CBCPAD", "A256CBCPAD", "CKM_AES_KEY_WRAP", "CKM_AES_KEY_WRAP_PAD")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
SIGNATURE_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "P-256K"}
SIGNATURES = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", *SIGNATURE_CURVES)


@dataclass(frozen=True)
class KeySpec:
    """What a new key is: its JWK type and its size (RSA) or curve (EC)."""

    kty: str
    size: int | None = None
    crv: str | None = None
    public_exponent: int = 65537

    @property
    def is_rsa(self) -> bool:
        return self.kty in RSA_TYPES


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def from_b64url(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BadParameter(message=f"The '{what}' property must be a base64url-encoded string.")
    plain = value.rstrip("=").replace("-", "+").replace("_", "/")  # base64url, or standard base64 as some send
    try:
        return base64.b64decode(plain + "=" * (-len(plain) % 4), validate=True)
    except (ValueError, TypeError):
        raise BadParameter(message=f"The '{what}' property is not valid base64url.") from None


def _int_bytes(n: int, width: int | None = None) -> bytes:
    return n.to_bytes(width or max(1, (n.bit_length() + 7) // 8), "big")


# ---- specs, generation, storage -----------------------------------------------------------------------

def spec_of(kty: Any, size: Any = None, crv: Any = None, public_exponent: Any = None) -> KeySpec:
    """The validated spec of a create request (defaults as Azure's: RSA 2048, EC P-256)."""
    if not isinstance(kty, str) or not kty:
        raise BadParameter(message="The 'kty' property is required; use one of RSA, RSA-HSM, EC, EC-HSM.")
    if kty in ("oct", "oct-HSM"):
        raise BadParameter(message=f"The key type '{kty}' is not supported by a key vault; symmetric keys are "
                           "available only in a Managed HSM.")
    if kty not in RSA_TYPES + EC_TYPES:
        raise BadParameter(message=f"The key type '{kty}' is not supported; use one of RSA, RSA-HSM, EC, EC-HSM.")
    if kty in RSA_TYPES:
        if crv is not None:
            raise BadParameter(message=f"The 'crv' property does not apply to keys of type {kty}.")
        if size is None:
            size = 2048
        if not isinstance(size, int) or isinstance(size, bool) or size not in RSA_SIZES:
            raise BadParameter(message=f"The key size '{size}' is not supported for keys of type {kty}; use 2048, "
                               "3072 or 4096.")
        exponent = 65537 if public_exponent is None else public_exponent
        if exponent not in (3, 65537) or isinstance(exponent, bool):
            raise BadParameter(message=f"The public exponent '{public_exponent}' is not supported; use 65537.")
        return KeySpec(kty, size=size, public_exponent=exponent)
    if size is not None:
        raise BadParameter(message=f"The 'key_size' property does not apply to keys of type {kty}; give 'crv'.")
    curve = "P-256" if crv is None else crv
    if not isinstance(curve, str) or curve not in CURVES:
        raise BadParameter(message=f"The curve '{crv}' is not supported; use one of P-256, P-384, P-521, P-256K.")
    return KeySpec(kty, crv=str(curve))


def generate(spec: KeySpec) -> PrivateKey:
    if spec.is_rsa:
        assert spec.size is not None
        return rsa.generate_private_key(public_exponent=spec.public_exponent, key_size=spec.size)
    assert spec.crv is not None
    return ec.generate_private_key(CURVES[spec.crv]())


def spec_from_key(kty: str, key: PrivateKey) -> KeySpec:
    if isinstance(key, rsa.RSAPrivateKey):
        return KeySpec(kty, size=key.key_size, public_exponent=key.public_key().public_numbers().e)
    return KeySpec(kty, crv=curve_name(key.curve))


def curve_name(curve: ec.EllipticCurve) -> str:
    for name, cls in CURVES.items():
        if isinstance(curve, cls):
            return name
    raise BadParameter(message=f"The curve '{curve.name}' is not supported; use one of P-256, P-384, P-521, P-256K.")


def dump_private(key: PrivateKey) -> bytes:
    """PKCS#8 DER: what is sealed at rest."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(der: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TypeError("stored key material is not an RSA or EC private key")
    return key


def default_ops(kty: str) -> list[str]:
    return list(RSA_OPS if kty in RSA_TYPES else EC_OPS)


def key_ops_in(value: Any, kty: str) -> list[str]:
    if value is None:
        return default_ops(kty)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadParameter(message="The 'key_ops' property must be a list of key operations.")
    allowed = RSA_OPS if kty in RSA_TYPES else EC_OPS
    out: list[str] = []
    for op in value:
        match = next((a for a in KNOWN_OPS if a.lower() == op.lower()), None)
        if match is None:
            raise BadParameter(message=f"The key operation '{op}' is not valid; use encrypt, decrypt, sign, verify, "
                               "wrapKey or unwrapKey.")
        if match in ("import", "export"):
            continue  # accepted on the wire; a vault key never exports and import is not an operation on it
        if match not in allowed:
            raise BadParameter(message=f"The key operation '{op}' is not valid for keys of type {kty}.")
        if match not in out:
            out.append(match)
    return out


# ---- JWK in and out -----------------------------------------------------------------------------------

def public_jwk(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The public members only: n, e for RSA; crv, x, y for EC."""
    public = key.public_key() if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) else key
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"n": b64url(_int_bytes(numbers.n)), "e": b64url(_int_bytes(numbers.e))}
    crv = curve_name(public.curve)
    point = public.public_numbers()
    width = CURVE_BYTES[crv]
    return {"crv": crv, "x": b64url(_int_bytes(point.x, width)), "y": b64url(_int_bytes(point.y, width))}


def _jwk_int(jwk: dict[str, Any], name: str) -> int:
    if jwk.get(name) is None:
        raise BadParameter(message=f"The key to import lacks its '{name}' component.")
    raw = from_b64url(jwk[name], f"key.{name}")
    if not raw:
        raise BadParameter(message=f"The key component '{name}' is empty.")
    return int.from_bytes(raw, "big")


def import_jwk(jwk: Any) -> tuple[str, PrivateKey]:
    """(kty, private key) from an imported JWK, which must carry its private members."""
    if not isinstance(jwk, dict):
        raise BadParameter(message="The request must have a 'key' property holding a JSON Web Key.")
    kty = jwk.get("kty")
    if kty in ("oct", "oct-HSM"):
        raise BadParameter(message=f"The key type '{kty}' is not supported by a key vault; symmetric keys are "
                           "available only in a Managed HSM.")
    if kty not in RSA_TYPES + EC_TYPES:
        raise BadParameter(message=f"The key type '{kty}' is not supported; use one of RSA, RSA-HSM, EC, EC-HSM.")
    if jwk.get("key_hsm") is not None or jwk.get("t") is not None:
        raise BadParameter(message="Importing an HSM-protected key blob (BYOK 'key_hsm') is not supported.")
    if jwk.get("d") is None:
        raise BadParameter(message="The key to import must include its private key ('d'); a public key alone "
                           "cannot be imported.")
    try:
        if kty in RSA_TYPES:
            n, e, d = _jwk_int(jwk, "n"), _jwk_int(jwk, "e"), _jwk_int(jwk, "d")
            if all(jwk.get(k) is not None for k in ("p", "q")):
                p, q = _jwk_int(jwk, "p"), _jwk_int(jwk, "q")
            else:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
            dp = _jwk_int(jwk, "dp") if jwk.get("dp") is not None else rsa.rsa_crt_dmp1(d, p)
            dq = _jwk_int(jwk, "dq") if jwk.get("dq") is not None else rsa.rsa_crt_dmq1(d, q)
            qi = _jwk_int(jwk, "qi") if jwk.get("qi") is not None else rsa.rsa_crt_iqmp(p, q)
            rsa_key = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n)).private_key()
            if rsa_key.key_size not in RSA_SIZES:
                raise BadParameter(message=f"The key size '{rsa_key.key_size}' is not supported for keys of type "
                                   f"{kty}; use 2048, 3072 or 4096.")
            return kty, rsa_key
        crv = jwk.get("crv")
        if not isinstance(crv, str) or crv not in CURVES:
            raise BadParameter(message=f"The curve '{crv}' is not supported; use one of P-256, P-384, P-521, P-256K.")
        public = ec.EllipticCurvePublicNumbers(_jwk_int(jwk, "x"), _jwk_int(jwk, "y"), CURVES[crv]())
        return kty, ec.EllipticCurvePrivateNumbers(_jwk_int(jwk, "d"), public).private_key()
    except ValueError:
        raise BadParameter(message="The key to import is not a valid key: its components do not agree.") from None


# ---- operations ---------------------------------------------------------------------------------------

def _oaep(alg: str) -> padding.AsymmetricPadding:
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    digest: hashes.HashAlgorithm = hashes.SHA256() if alg == "RSA-OAEP-256" else hashes.SHA1()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def _check_encryption(alg: Any, kty: str) -> str:
    if not isinstance(alg, str) or not alg:
        raise BadParameter(message="The 'alg' property is required.")
    if alg in SYMMETRIC:
        raise BadParameter(message=f"The algorithm '{alg}' needs a symmetric key, which a key vault does not hold; "
                           "use RSA-OAEP, RSA-OAEP-256 or RSA1_5.")
    if alg not in ENCRYPTION:
        raise BadParameter(message=f"The algorithm '{alg}' is not supported; use RSA-OAEP, RSA-OAEP-256 or RSA1_5.")
    if kty not in RSA_TYPES:
        raise BadParameter(message=f"The algorithm '{alg}' is not supported for keys of type {kty}.")
    return alg


def encrypt(key: PrivateKey, kty: str, alg: Any, plaintext: bytes) -> bytes:
    alg = _check_encryption(alg, kty)
    assert isinstance(key, rsa.RSAPrivateKey)
    limit = _max_plaintext(key.key_size, alg)
    if len(plaintext) > limit:
        raise BadParameter(message=f"The value is {len(plaintext)} bytes; with {alg} and a {key.key_size}-bit key "
                           f"at most {limit} bytes can be encrypted.")
    return key.public_key().encrypt(plaintext, _oaep(alg))


def decrypt(key: PrivateKey, kty: str, alg: Any, ciphertext: bytes) -> bytes:
    alg = _check_encryption(alg, kty)
    assert isinstance(key, rsa.RSAPrivateKey)
    try:
        return key.decrypt(ciphertext, _oaep(alg))
    except ValueError:
        raise BadParameter(message=f"The value could not be decrypted with this key and the algorithm {alg}.") from None


def _max_plaintext(bits: int, alg: str) -> int:
    size = bits // 8
    if alg == "RSA1_5":
        return size - 11
    digest = 32 if alg == "RSA-OAEP-256" else 20
    return size - 2 * digest - 2


def _check_signature(alg: Any, kty: str, key: PrivateKey) -> str:
    if not isinstance(alg, str) or not alg:
        raise BadParameter(message="The 'alg' property is required.")
    if alg not in SIGNATURES:
        raise BadParameter(message=f"The algorithm '{alg}' is not supported; use one of {', '.join(SIGNATURES)}.")
    if alg in SIGNATURE_CURVES:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise BadParameter(message=f"The algorithm '{alg}' is not supported for keys of type {kty}.")
        if curve_name(key.curve) != SIGNATURE_CURVES[alg]:
            raise BadParameter(message=f"The algorithm '{alg}' needs a {SIGNATURE_CURVES[alg]} key; this key's curve "
                               f"is {curve_name(key.curve)}.")
    elif not isinstance(key, rsa.RSAPrivateKey):
        raise BadParameter(message=f"The algorithm '{alg}' is not supported for keys of type {kty}.")
    return alg


def _hash_of(alg: str) -> hashes.HashAlgorithm:
    return _HASHES[alg[2:5]]()  # RS256, PS384, ES512, ES256K...


def _check_digest(alg: str, digest: bytes) -> hashes.HashAlgorithm:
    algorithm = _hash_of(alg)
    if len(digest) != algorithm.digest_size:
        raise BadParameter(message=f"The digest is {len(digest)} bytes; the algorithm {alg} signs a "
                           f"{algorithm.name.upper()} digest of {algorithm.digest_size} bytes.")
    return algorithm


def sign(key: PrivateKey, kty: str, alg: Any, digest: bytes) -> bytes:
    alg = _check_signature(alg, kty, key)
    algorithm = _check_digest(alg, digest)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, _rsa_signing_padding(alg, algorithm), utils.Prehashed(algorithm))
    der = key.sign(digest, ec.ECDSA(utils.Prehashed(algorithm)))
    r, s = utils.decode_dss_signature(der)
    width = CURVE_BYTES[curve_name(key.curve)]
    return _int_bytes(r, width) + _int_bytes(s, width)


def verify(key: PrivateKey, kty: str, alg: Any, digest: bytes, signature: bytes) -> bool:
    alg = _check_signature(alg, kty, key)
    algorithm = _check_digest(alg, digest)
    try:
        if isinstance(key, rsa.RSAPrivateKey):
            key.public_key().verify(signature, digest, _rsa_signing_padding(alg, algorithm),
                                    utils.Prehashed(algorithm))
            return True
        width = CURVE_BYTES[curve_name(key.curve)]
        if len(signature) != 2 * width:
            return False
        r, s = int.from_bytes(signature[:width], "big"), int.from_bytes(signature[width:], "big")
        key.public_key().verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(algorithm)))
        return True
    except InvalidSignature:
        return False


def _rsa_signing_padding(alg: str, algorithm: hashes.HashAlgorithm) -> padding.AsymmetricPadding:
    if alg.startswith("PS"):
        return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
    return padding.PKCS1v15()

"""Importing certificates made elsewhere: PFX (PKCS#12) and PEM, with and without a password."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.certificates import CertificateClient, CertificateContentType, CertificatePolicy
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    return make_vault(vaultlink)


@pytest.fixture(scope="module")
def certs(vaultlink: Running, vault: str) -> CertificateClient:
    return CertificateClient(vault_url(vault), owner_credential(vaultlink))


def issue(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, cn: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fabrikam")])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=180))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))


def test_import_pfx_without_and_with_a_password(vaultlink: Running, vault: str, certs: CertificateClient) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue(key, "pfx.fabrikam.com")
    der = cert.public_bytes(serialization.Encoding.DER)
    plain = pkcs12.serialize_key_and_certificates(b"pfx", key, cert, None, serialization.NoEncryption())
    imported = certs.import_certificate("pfx-plain", plain, tags={"source": "pfx"})
    assert imported.cer == der and imported.properties.tags == {"source": "pfx"}
    policy = imported.policy
    assert policy.issuer_name == "Unknown" and policy.subject == "CN=pfx.fabrikam.com, O=Fabrikam"
    assert policy.san_dns_names == ["pfx.fabrikam.com"] and policy.enhanced_key_usage == ["1.3.6.1.5.5.7.3.1"]
    assert policy.key_type == "RSA" and policy.key_size == 2048 and policy.content_type == CertificateContentType.pkcs12
    assert policy.validity_in_months == 6

    locked = pkcs12.serialize_key_and_certificates(b"pfx", key, cert, None,
                                                   serialization.BestAvailableEncryption(b"s3cret"))
    assert certs.import_certificate("pfx-locked", locked, password="s3cret").cer == der
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("pfx-wrong", locked, password="nope")
    assert err.value.status_code == 400 and "PKCS#12 X.509 certificate content can not be read" in err.value.message
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate("pfx-wrong")

    secret = SecretClient(vault_url(vault), owner_credential(vaultlink)).get_secret("pfx-locked")
    opened_key, opened_cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert opened_cert == cert and opened_key is not None  # stored without the import password
    assert KeyClient(vault_url(vault), owner_credential(vaultlink)).get_key("pfx-locked").key.n == \
        key.public_key().public_numbers().n.to_bytes(256, "big")


def test_import_pem_with_and_without_a_password(vaultlink: Running, vault: str, certs: CertificateClient) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue(key, "pem.fabrikam.com")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem_policy = CertificatePolicy(content_type=CertificateContentType.pem)
    imported = certs.import_certificate("pem-plain", key_pem + cert_pem, policy=pem_policy)
    assert imported.cer == cert.public_bytes(serialization.Encoding.DER)
    assert imported.policy.key_type == "EC" and imported.policy.key_curve_name == "P-256"
    secret = SecretClient(vault_url(vault), owner_credential(vaultlink)).get_secret("pem-plain")
    assert secret.properties.content_type == "application/x-pem-file" and "BEGIN PRIVATE KEY" in secret.value

    locked_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(b"pem-pass"))
    assert certs.import_certificate("pem-locked", cert_pem + locked_pem, password="pem-pass",
                                    policy=pem_policy).cer == imported.cer
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("pem-nopass", locked_pem + cert_pem, policy=pem_policy)
    assert err.value.status_code == 400 and "password" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("pem-nokey", cert_pem, policy=pem_policy)
    assert err.value.status_code == 400 and "Private key is not specified" in err.value.message
    pkcs1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    traditional = pkcs1.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption())
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("pem-pkcs1", traditional + issue(pkcs1, "x").public_bytes(serialization.Encoding.PEM),
                                 policy=pem_policy)
    assert err.value.status_code == 400 and "PKCS#8" in err.value.message
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("pem-mismatch", other.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()) + cert_pem,
            policy=pem_policy)
    assert err.value.status_code == 400 and "does not match" in err.value.message
    for name in ("pem-nopass", "pem-nokey", "pem-pkcs1", "pem-mismatch"):
        with pytest.raises(ResourceNotFoundError):
            certs.get_certificate(name)


def test_import_garbage_and_a_new_version(certs: CertificateClient) -> None:
    with pytest.raises(HttpResponseError) as err:
        certs.import_certificate("garbage", b"definitely not a certificate")
    assert err.value.status_code == 400 and err.value.response.json()["error"]["code"] == "BadParameter"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    first = certs.import_certificate("twice", pkcs12.serialize_key_and_certificates(
        None, key, issue(key, "one"), None, serialization.NoEncryption()))
    second = certs.import_certificate("twice", pkcs12.serialize_key_and_certificates(
        None, key, issue(key, "two"), None, serialization.NoEncryption()))
    assert first.properties.version != second.properties.version
    assert certs.get_certificate("twice").policy.subject == "CN=two, O=Fabrikam"
    assert len(list(certs.list_properties_of_certificate_versions("twice"))) == 2

"""Importing certificates made elsewhere: PFX (PKCS#12) and PEM, with and without a password."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import requests
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


def issued_between(key: rsa.RSAPrivateKey, cn: str, start: datetime, end: datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .sign(key, hashes.SHA256()))


def test_import_a_certificate_valid_for_a_century(vaultlink: Running, certs: CertificateClient) -> None:
    # Over the 1200 months a policy may ask Key Vault to issue for; an import reads what the certificate says.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start, end = datetime(2021, 8, 6, tzinfo=UTC), datetime(2121, 7, 13, tzinfo=UTC)
    pfx = pkcs12.serialize_key_and_certificates(None, key, issued_between(key, "century", start, end), None,
                                                serialization.NoEncryption())
    imported = certs.import_certificate("century", pfx)
    assert imported.policy.validity_in_months == 1200  # calendar months: 1199 and a week
    assert imported.properties.expires_on == end and imported.properties.not_before == start
    # A policy update that leaves the validity alone keeps it; one that asks for too much is still refused.
    updated = certs.update_certificate_policy("century", CertificatePolicy(content_type=CertificateContentType.pem))
    assert updated.validity_in_months == 1200 and updated.content_type == CertificateContentType.pem
    with pytest.raises(HttpResponseError) as err:
        certs.update_certificate_policy("century", CertificatePolicy(validity_in_months=1300))
    assert err.value.status_code == 400 and "validity_months '1300' is not valid" in err.value.message

    # A new version under the imported policy is Key Vault's to issue, for 1200 months at most.
    ancient = issued_between(key, "ancient", datetime(2000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
    imported = certs.import_certificate("ancient", pkcs12.serialize_key_and_certificates(
        None, key, ancient, None, serialization.NoEncryption()))
    assert imported.policy.validity_in_months == 96000
    assert certs.update_certificate_policy("ancient", CertificatePolicy(issuer_name="Self")).issuer_name == "Self"
    token = owner_credential(vaultlink).get_token("https://vault.azure.net/.default").token
    renewal = requests.post(f"{certs.vault_url}/certificates/ancient/create?api-version=7.6", json={},
                            headers={"Authorization": f"Bearer {token}"}, proxies={"https": vaultlink.proxy},
                            verify=vaultlink.ca, timeout=30)
    assert renewal.status_code == 400, renewal.text
    assert renewal.json()["error"]["message"] == ("The validity_months '96000' is not valid; it must be between 1 "
                                                  "and 1200.")

    two_years = issued_between(key, "calendar", datetime(2024, 1, 31, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC))
    assert certs.import_certificate("calendar", pkcs12.serialize_key_and_certificates(
        None, key, two_years, None, serialization.NoEncryption())).policy.validity_in_months == 24


def chain_of_two(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
    """A leaf and the CA that signed it."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{cn} CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    return key, ca, leaf


def test_preserve_cert_order_on_import_and_create(vaultlink: Running, vault: str, certs: CertificateClient) -> None:
    secrets = SecretClient(vault_url(vault), owner_credential(vaultlink))
    key, ca, leaf = chain_of_two("ordered.fabrikam.com")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca_first = pem + ca.public_bytes(serialization.Encoding.PEM) + leaf.public_bytes(serialization.Encoding.PEM)
    pem_policy = CertificatePolicy(content_type=CertificateContentType.pem)

    kept = certs.import_certificate("ordered", ca_first, policy=pem_policy, preserve_order=True)
    assert kept.properties.preserve_order is True and kept.cer == leaf.public_bytes(serialization.Encoding.DER)
    assert x509.load_pem_x509_certificates(secrets.get_secret("ordered").value.encode()) == [ca, leaf]
    sorted_ = certs.import_certificate("leaf-first", ca_first, policy=pem_policy)
    assert not sorted_.properties.preserve_order
    assert x509.load_pem_x509_certificates(secrets.get_secret("leaf-first").value.encode()) == [leaf, ca]

    created = certs.begin_create_certificate("ordered-self", CertificatePolicy.get_default(), preserve_order=True)
    assert created.result().properties.preserve_order is True
    assert certs.get_certificate_operation("ordered-self").preserve_order is True

    vaultlink.restart()
    assert certs.get_certificate("ordered").properties.preserve_order is True
    assert certs.get_certificate("ordered-self").properties.preserve_order is True
    assert x509.load_pem_x509_certificates(secrets.get_secret("ordered").value.encode()) == [ca, leaf]
    old = CertificateClient(vault_url(vault), owner_credential(vaultlink), api_version="7.5")
    assert old.get_certificate("ordered").properties.preserve_order is None  # not in that api-version's certificate

"""Certificates from policies and certificates imported (vault/x509.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from vaultlink.vault.certificates import x509
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto

KEY = keycrypto.generate(keycrypto.spec_of("RSA"))
SUBJECT = x509.Subject("CN=www.contoso.com, O=Contoso, C=US", dns_names=("www.contoso.com",),
                       emails=("a@contoso.com",), upns=("u@contoso.com",), ip_addresses=("10.0.0.4",),
                       uris=("https://contoso.com",), ekus=("1.3.6.1.5.5.7.3.1",),
                       key_usage=("digitalSignature", "keyEncipherment"), validity_months=13)


def test_names() -> None:
    name = x509.parse_name('CN=a\\, b; O="Contoso, Ltd", OU=IT, L=Redmond, S=WA, C=US, E=x@y.z, DC=corp')
    assert name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "a, b"
    assert name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Contoso, Ltd"
    assert x509.format_name(x509.parse_name("cn=x, o=y")) == "CN=x, O=y"
    assert x509.parse_name("") == cx509.Name([])
    for bad in ("not a dn", "XX=1", "CN=", "C=USA"):
        with pytest.raises(BadParameter):
            x509.parse_name(bad)


def test_add_months_clamps_the_day() -> None:
    assert x509.add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert x509.add_months(datetime(2023, 11, 30, tzinfo=UTC), 14) == datetime(2025, 1, 30, tzinfo=UTC)


def test_self_signed_as_azure_makes_it() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    cert = x509.self_signed(KEY, SUBJECT, now)
    assert cert.issuer == cert.subject and cert.not_valid_before_utc == now - x509.BACKDATE
    assert cert.not_valid_after_utc == datetime(2027, 4, 30, 12, tzinfo=UTC)
    ext = {type(e.value): e for e in cert.extensions}
    assert ext[cx509.KeyUsage].critical and not ext[cx509.BasicConstraints].critical
    sans = ext[cx509.SubjectAlternativeName].value
    assert [str(i) for i in sans.get_values_for_type(cx509.IPAddress)] == ["10.0.0.4"]
    assert cx509.SubjectKeyIdentifier in ext and cx509.AuthorityKeyIdentifier in ext
    described = x509.describe(cert)
    assert described == {"subject": "CN=www.contoso.com, O=Contoso, C=US",
                         "sans": {"dns_names": ["www.contoso.com"], "emails": ["a@contoso.com"],
                                  "uris": ["https://contoso.com"], "ipAddresses": ["10.0.0.4"], "upns": ["u@contoso.com"]},
                         "ekus": ["1.3.6.1.5.5.7.3.1"], "key_usage": ["digitalSignature", "keyEncipherment"],
                         "validity_months": 13}
    csr = cx509.load_der_x509_csr(x509.csr(KEY, SUBJECT))
    assert csr.is_signature_valid and csr.subject == cert.subject
    # encipherOnly alone (undefined without keyAgreement) is built as asked: bit 7, the only bit set.
    only = x509.self_signed(KEY, x509.Subject("CN=x", key_usage=("encipherOnly",)), now)
    assert bytes.fromhex("0603551d0f" "0101ff" "0404" "03020001") in only.public_bytes(serialization.Encoding.DER)


def test_secret_values_and_import_round_trip() -> None:
    cert = x509.self_signed(KEY, SUBJECT, datetime.now(UTC))
    pfx = x509.secret_value(x509.PKCS12, KEY, [cert])
    imported = x509.load_import(pfx, None)
    assert imported.content_type == x509.PKCS12 and imported.chain == [cert]
    assert keycrypto.public_jwk(imported.key) == keycrypto.public_jwk(KEY)
    pem = x509.secret_value(x509.PEM, KEY, [cert])
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert x509.load_import(pem, None).chain == [cert]  # PEM as text
    assert x509.load_import(base64.b64encode(pem.encode()).decode(), None).content_type == x509.PEM
    assert "PRIVATE" not in x509.secret_value(x509.PEM, None, [cert])
    no_key, leaf, extra = pkcs12.load_key_and_certificates(base64.b64decode(x509.secret_value(x509.PKCS12, None, [cert])),
                                                           None)
    assert no_key is None and [c for c in (leaf, *extra) if c is not None] == [cert]
    assert x509.thumbprint(x509.der(cert)) == keycrypto.b64url(cert.fingerprint(hashes.SHA1()))


def test_import_refusals() -> None:
    cert = x509.self_signed(KEY, SUBJECT, datetime.now(UTC))
    locked = pkcs12.serialize_key_and_certificates(None, KEY, cert, None, serialization.BestAvailableEncryption(b"pw"))
    value = base64.b64encode(locked).decode()
    assert x509.load_import(value, "pw").chain[0] == cert
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    for args, message in [((value, "wrong"), "can not be read"), ((value, None), "can not be read"),
                          ((cert_pem, None), "Private key is not specified"), (("", None), "'value' property"),
                          ((value, 5), "'pwd' must be a string"),
                          (("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", None), "unexpected format")]:
        with pytest.raises(BadParameter, match=message):
            x509.load_import(*args)
    other = keycrypto.generate(keycrypto.spec_of("EC"))
    other_pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    with pytest.raises(BadParameter, match="does not match"):
        x509.load_import(other_pem + cert_pem, None)
    with pytest.raises(BadParameter, match="x5c"):
        x509.load_x5c(["%%%"])

"""The certificate authority: made once, reloaded, and leaves that strict verifiers accept."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import stat
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from vaultlink.edge import CertificateAuthority


def test_made_once_then_reloaded(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "data")
    assert ca.cert_path == tmp_path / "data" / "ca.pem"
    key_path = tmp_path / "data" / "ca-key.pem"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    first = ca.cert_path.read_bytes()

    again = CertificateAuthority.load_or_create(tmp_path / "data")
    assert again.cert_path.read_bytes() == first
    assert again.certificate == ca.certificate
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["ca-key.pem", "ca.pem"]


def test_a_certificate_without_its_key_is_an_error(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path)
    (tmp_path / "ca-key.pem").unlink()
    with pytest.raises(ValueError, match="without its key"):
        CertificateAuthority.load_or_create(tmp_path)
    assert ca.cert_path.exists()


def test_ca_certificate_extensions(ca: CertificateAuthority) -> None:
    cert = ca.certificate
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.value.key_cert_sign and usage.value.crl_sign
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)


def _leaf_of(context: ssl.SSLContext, ca: CertificateAuthority, host: str | None) -> x509.Certificate:
    """The certificate a server context presents, read by doing a handshake in memory."""
    client = ssl.create_default_context(cafile=str(ca.cert_path))
    client.check_hostname = host is not None
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(c_in, c_out, server_hostname=host)
    server_side = context.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side in (client_side, server_side):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    der = client_side.getpeercert(binary_form=True)
    assert der is not None
    assert client_side.selected_alpn_protocol() is None  # the client offered none
    return x509.load_der_x509_certificate(der)


def test_leaf_for_a_host(ca: CertificateAuthority) -> None:
    leaf = _leaf_of(ca.ssl_context_for("myvault.vault.azure.net"), ca, "myvault.vault.azure.net")
    ext = leaf.extensions
    assert ext.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["myvault.vault.azure.net"]
    assert ext.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert not constraints.critical and not constraints.value.ca
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    ext.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert leaf.not_valid_before_utc.timestamp() < time.time() - 3600
    assert leaf.not_valid_after_utc.timestamp() > time.time() + 300 * 86400
    assert leaf.issuer == ca.certificate.subject


def test_leaf_for_an_ip_literal_has_an_ip_san(ca: CertificateAuthority) -> None:
    leaf = _leaf_of(ca.ssl_context_for("127.0.0.1"), ca, "127.0.0.1")
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == []


def test_sni_context_follows_the_name_and_defaults_to_localhost(ca: CertificateAuthority) -> None:
    context = ca.ssl_context_by_sni()
    named = _leaf_of(context, ca, "login.microsoftonline.com")
    assert named.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["login.microsoftonline.com"]
    anonymous = _leaf_of(context, ca, None)
    san = anonymous.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)


def test_contexts_are_cached_per_host_and_every_host_gets_its_own(ca: CertificateAuthority) -> None:
    assert ca.ssl_context_for("Management.Azure.com") is ca.ssl_context_for("management.azure.com")
    contexts = [ca.ssl_context_for(f"host{i}.vault.azure.net") for i in range(40)]
    assert len({id(context) for context in contexts}) == 40
    assert all(ca.ssl_context_for(f"host{i}.vault.azure.net") is contexts[i] for i in range(40))
    leaf = _leaf_of(contexts[7], ca, "host7.vault.azure.net")
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["host7.vault.azure.net"]


def test_openssl_strict_verification_of_a_leaf(ca: CertificateAuthority, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    leaf = _leaf_of(ca.ssl_context_for("management.azure.com"), ca, "management.azure.com")
    leaf_path = tmp_path / "leaf.pem"
    leaf_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(
        [openssl, "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", "management.azure.com",
         "-CAfile", str(ca.cert_path), str(leaf_path)],
        check=False, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": OK" in result.stdout

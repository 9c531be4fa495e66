"""vaultlink's certificate authority: one CA kept in the data directory, and a leaf certificate per host.

Clients trust the CA file (REQUESTS_CA_BUNDLE, SSL_CERT_FILE) and keep Azure's own host names. A leaf carries
what strict verification (Python 3.13's VERIFY_X509_STRICT) asks for: a SAN, AKI and SKI, key usage and EKU
serverAuth. All leaves share one key made at start, so minting one is a single signature, well under 5 ms.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import ssl
import tempfile
import threading
import weakref
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger("vaultlink.edge")

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=365)
BACKDATE = timedelta(days=1)
"""Leaves start a day early, so a client whose clock lags a little still accepts them."""
ALPN = ["http/1.1"]

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CertificateAuthority:
    """The CA that signs every certificate the edge presents, and a cache of server contexts per host."""

    def __init__(
        self, key: SigningKey, certificate: x509.Certificate, cert_path: Path, *, cache_size: int = 1024
    ) -> None:
        self._key = key
        self._certificate = certificate
        self._cert_path = cert_path
        self._cache_size = cache_size
        self._contexts: OrderedDict[str, ssl.SSLContext] = OrderedDict()
        self._lock = threading.Lock()
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._leaf_ski = x509.SubjectKeyIdentifier.from_public_key(self._leaf_key.public_key())
        ca_ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        self._aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
        # ssl.SSLContext loads certificates from files only: keep the leaf key in a private directory.
        self._scratch = Path(tempfile.mkdtemp(prefix="vaultlink-tls-"))
        weakref.finalize(self, shutil.rmtree, self._scratch, True)
        self._leaf_key_path = self._scratch / "leaf-key.pem"
        _write_private(self._leaf_key_path, _key_pem(self._leaf_key))

    @classmethod
    def load_or_create(cls, directory: Path) -> CertificateAuthority:
        """The CA kept in `directory` (`ca.pem`, `ca-key.pem`), made on first use."""
        directory.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = directory / CA_CERT_FILE, directory / CA_KEY_FILE
        if key_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(key, SigningKey):
                raise ValueError(f"{key_path}: the CA key must be an EC or RSA private key")
        elif cert_path.exists():
            raise ValueError(f"{cert_path} exists without its key {key_path}: remove it to make a new CA")
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            _write_private(key_path, _key_pem(key))
        if cert_path.exists():
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if certificate.public_key() != key.public_key():
                raise ValueError(f"{cert_path} does not belong to the key {key_path}")
        else:
            certificate = _ca_certificate(key)
            _write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
            log.info("made a new certificate authority in %s", cert_path)
        return cls(key, certificate, cert_path)

    @property
    def cert_path(self) -> Path:
        """The CA certificate (PEM) that clients trust."""
        return self._cert_path

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def ssl_context_for(self, host: str) -> ssl.SSLContext:
        """A server context presenting a leaf certificate for `host` (a DNS name or an IP literal)."""
        host = host.lower()
        with self._lock:
            context = self._contexts.get(host)
            if context is not None:
                self._contexts.move_to_end(host)
                return context
        context = self._server_context(self._leaf((host,)))
        with self._lock:
            self._contexts[host] = context
            while len(self._contexts) > self._cache_size:
                self._contexts.popitem(last=False)
        return context

    def ssl_context_by_sni(self) -> ssl.SSLContext:
        """A server context for clients that speak TLS to the edge directly.

        The certificate follows the SNI name; a client that sends none (it dialled an IP) gets one for
        localhost and 127.0.0.1.
        """
        context = self._server_context(self._leaf(("localhost", "127.0.0.1", "::1")))
        context.sni_callback = self._on_sni
        return context

    def _on_sni(self, sslobj: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext) -> int | None:
        if server_name:
            try:
                sslobj.context = self.ssl_context_for(server_name)
            except Exception:  # a name no certificate can carry: keep the default certificate
                log.debug("no certificate for SNI name %r", server_name, exc_info=True)
        return None

    def _leaf(self, names: tuple[str, ...]) -> x509.Certificate:
        now = datetime.now(UTC)
        sans = [_general_name(name) for name in names]
        common_name = names[0]
        subject = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if len(common_name) <= 64 else []
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._certificate.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + LEAF_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            # An empty subject makes the SAN the only name, and RFC 5280 then wants it critical.
            .add_extension(x509.SubjectAlternativeName(sans), critical=not subject)
            .add_extension(self._leaf_ski, critical=False)
            .add_extension(self._aki, critical=False)
        )
        return builder.sign(self._key, hashes.SHA256())

    def _server_context(self, leaf: x509.Certificate) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(ALPN)
        with self._lock:  # one scratch file, reused: threads that mint take turns
            cert_file = self._scratch / "leaf.pem"
            cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
            context.load_cert_chain(cert_file, self._leaf_key_path)
        return context


def _ca_certificate(key: SigningKey) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vaultlink"),
            x509.NameAttribute(NameOID.COMMON_NAME, "vaultlink local CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,  # the leaf key is EC: it signs, it never enciphers
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return x509.DNSName(name)


def _key_pem(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    _write_atomically(path, data, 0o600)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as file:
        file.write(data)
    os.chmod(temporary, mode)  # os.open's mode is filtered by the umask
    os.replace(temporary, path)

"""X.509 for certificates: subjects, self-signed certificates and CSRs from a policy, the secret's PFX or PEM,
and reading an imported PFX (PKCS#12) or PEM. Pure functions over the `cryptography` library.

Self-signed certificates are made as Azure makes them: valid from ten minutes before creation for
validity_months calendar months, key usage critical, basic constraints CA:false, subject and authority key
identifiers, signed with SHA-256 (SHA-384/512 for the larger curves).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtensionOID, NameOID, ObjectIdentifier

from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto

PKCS12 = "application/x-pkcs12"
PEM = "application/x-pem-file"
UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
BACKDATE = timedelta(minutes=10)

_ATTRIBUTES: dict[str, ObjectIdentifier] = {
    "CN": NameOID.COMMON_NAME, "O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "L": NameOID.LOCALITY_NAME, "S": NameOID.STATE_OR_PROVINCE_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "C": NameOID.COUNTRY_NAME, "E": NameOID.EMAIL_ADDRESS, "EMAIL": NameOID.EMAIL_ADDRESS,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS, "DC": NameOID.DOMAIN_COMPONENT, "STREET": NameOID.STREET_ADDRESS,
    "SERIALNUMBER": NameOID.SERIAL_NUMBER, "T": NameOID.TITLE, "TITLE": NameOID.TITLE,
    "G": NameOID.GIVEN_NAME, "GIVENNAME": NameOID.GIVEN_NAME, "SN": NameOID.SURNAME,
    "POSTALCODE": NameOID.POSTAL_CODE,
}
_SHORT = {oid: short for short, oid in reversed(list(_ATTRIBUTES.items()))}
_SHORT[NameOID.STATE_OR_PROVINCE_NAME] = "S"
_SHORT[NameOID.EMAIL_ADDRESS] = "E"
KEY_USAGES = {
    "digitalSignature": "digital_signature", "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment", "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement", "keyCertSign": "key_cert_sign", "cRLSign": "crl_sign",
    "encipherOnly": "encipher_only", "decipherOnly": "decipher_only",
}


@dataclass(frozen=True)
class Subject:
    """What a policy's x509_props ask for."""

    subject: str
    dns_names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    upns: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    uris: tuple[str, ...] = ()
    ekus: tuple[str, ...] = ()
    key_usage: tuple[str, ...] = ()
    validity_months: int = 12


def parse_name(text: str) -> x509.Name:
    """A distinguished name as written in a policy ("CN=www.contoso.com, O=Contoso, C=US")."""
    if not text.strip():
        return x509.Name([])
    parts = [p for p in _split_rdns(text.strip()) if p]
    attrs = []
    for part in parts:
        key, sep, value = part.partition("=")
        oid = _ATTRIBUTES.get(key.strip().upper())
        value = value.strip().strip('"').replace("\\,", ",").replace("\\;", ";")
        if not sep or oid is None or not value:
            raise BadParameter(message=f"The subject name '{text}' is not a valid X.500 distinguished name: "
                               f"'{part}' is not an attribute such as CN=, O=, OU=, L=, S=, C= or E=.")
        try:
            attrs.append(x509.NameAttribute(oid, value))
        except ValueError as e:
            raise BadParameter(message=f"The subject name '{text}' is not valid: {e}") from None
    return x509.Name(attrs)


def _split_rdns(text: str) -> list[str]:
    """Splits at commas and semicolons, except escaped (\\,) or quoted ones."""
    parts, current, quoted, escaped = [], "", False, False
    for ch in text:
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            current, escaped = current + ch, True
        elif ch == '"':
            current, quoted = current + ch, not quoted
        elif ch in ",;" and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def format_name(name: x509.Name) -> str:
    parts = []
    for attr in name:
        short = _SHORT.get(attr.oid, attr.oid.dotted_string)
        value = attr.value if isinstance(attr.value, str) else attr.value.decode("latin-1")
        parts.append(f"{short}={value}")
    return ", ".join(parts)


def check_eku(value: str) -> str:
    if not re.fullmatch(r"[0-2](\.\d+)+", value):
        raise BadParameter(message=f"The enhanced key usage '{value}' is not an object identifier such as "
                           "1.3.6.1.5.5.7.3.1.")
    return value


def _utf8_der(text: str) -> bytes:
    raw = text.encode()
    if len(raw) < 128:
        return bytes([0x0C, len(raw)]) + raw
    size = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + raw


def _general_names(s: Subject) -> list[x509.GeneralName]:
    names = _ascii_names(x509.DNSName, s.dns_names) + _ascii_names(x509.RFC822Name, s.emails)
    names += [x509.OtherName(UPN, _utf8_der(u)) for u in s.upns]
    for ip in s.ip_addresses:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            raise BadParameter(message=f"The subject alternative name '{ip}' is not an IP address.") from None
    return names + _ascii_names(x509.UniformResourceIdentifier, s.uris)


def _ascii_names(kind: type[x509.DNSName | x509.RFC822Name | x509.UniformResourceIdentifier],
                 values: tuple[str, ...]) -> list[x509.GeneralName]:
    """Names a certificate holds as ASCII: a Unicode domain goes in as its A-label, and is refused otherwise."""
    out: list[x509.GeneralName] = []
    for value in values:
        try:
            out.append(kind(value))
        except ValueError:
            raise BadParameter(message=f"The subject alternative name '{value}' is not valid: give a Unicode "
                               "domain as its A-label (xn--...).") from None
    return out


def _key_usage(names: tuple[str, ...]) -> x509.ExtensionType:
    """The key usage extension with exactly the bits the policy names.

    RFC 5280 leaves encipherOnly and decipherOnly undefined without keyAgreement, and `cryptography` will not
    build that combination; Key Vault builds what the policy says all the same, so those bits go in as the
    extension's DER (a BIT STRING of the named bits, trailing zeros dropped).
    """
    flags = {v: False for v in KEY_USAGES.values()}
    for n in names:
        flags[KEY_USAGES[n]] = True
    if not (flags["encipher_only"] or flags["decipher_only"]) or flags["key_agreement"]:
        return x509.KeyUsage(**flags)
    bits = [i for i, attr in enumerate(KEY_USAGES.values()) if flags[attr]]
    width = bits[-1] + 1
    data = bytearray((width + 7) // 8)
    for i in bits:
        data[i // 8] |= 0x80 >> (i % 8)
    content = bytes([len(data) * 8 - width]) + bytes(data)
    return x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, bytes([0x03, len(content)]) + content)


def _extensions(s: Subject) -> list[tuple[x509.ExtensionType, bool]]:
    out: list[tuple[x509.ExtensionType, bool]] = []
    if s.key_usage:
        out.append((_key_usage(s.key_usage), True))
    if s.ekus:
        out.append((x509.ExtendedKeyUsage([ObjectIdentifier(e) for e in s.ekus]), False))
    names = _general_names(s)
    if names:
        out.append((x509.SubjectAlternativeName(names), False))
    out.append((x509.BasicConstraints(ca=False, path_length=None), False))
    return out


def _hash_for(key: keycrypto.PrivateKey) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        crv = keycrypto.curve_name(key.curve)
        if crv == "P-384":
            return hashes.SHA384()
        if crv == "P-521":
            return hashes.SHA512()
    return hashes.SHA256()


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def self_signed(key: keycrypto.PrivateKey, s: Subject, now: datetime) -> x509.Certificate:
    name = parse_name(s.subject)
    public = key.public_key()
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
               .serial_number(int.from_bytes(os.urandom(16), "big") >> 1)
               .not_valid_before(now - BACKDATE).not_valid_after(add_months(now, s.validity_months)))
    for ext, critical in _extensions(s):
        builder = builder.add_extension(ext, critical=critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    return builder.sign(key, _hash_for(key))


def csr(key: keycrypto.PrivateKey, s: Subject) -> bytes:
    builder = x509.CertificateSigningRequestBuilder().subject_name(parse_name(s.subject))
    for ext, critical in _extensions(s):
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(key, _hash_for(key)).public_bytes(serialization.Encoding.DER)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def thumbprint(cert_der: bytes) -> str:
    """x5t: the base64url SHA-1 of the DER certificate."""
    return keycrypto.b64url(hashlib.sha1(cert_der).digest())


def secret_value(content_type: str, key: keycrypto.PrivateKey | None, chain: list[x509.Certificate], *,
                 preserve_order: bool = False) -> str:
    """What the certificate's secret holds: a base64 PFX, or PEM (PKCS#8 key, then the certificates).

    The chain goes in leaf first, or in the order given when the certificate asks to preserve it (the PFX then
    holds every certificate as a bag in that order; readers find the leaf by its key).
    """
    if content_type == PKCS12:
        if preserve_order:
            pfx = pkcs12.serialize_key_and_certificates(None, key, None, chain, serialization.NoEncryption())
        else:
            pfx = pkcs12.serialize_key_and_certificates(None, key, chain[0], chain[1:] or None,
                                                        serialization.NoEncryption())
        return base64.b64encode(pfx).decode()
    text = ""
    if key is not None:
        text += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()
    return text + "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)


# ---- reading what is imported or merged ---------------------------------------------------------------

@dataclass(frozen=True)
class Imported:
    key: keycrypto.PrivateKey
    chain: list[x509.Certificate]
    """The leaf (the certificate of the key) first."""
    content_type: str
    given: list[x509.Certificate]
    """The chain in the order the content held it (a PFX's: its key's certificate, then the others)."""


def load_import(value: Any, password: Any) -> Imported:
    if not isinstance(value, str) or not value.strip():
        raise BadParameter(message="The request must have a 'value' property holding the base64-encoded PFX or "
                           "PEM certificate.")
    if password is not None and not isinstance(password, str):
        raise BadParameter(message="'pwd' must be a string.")
    if value.lstrip().startswith("-----BEGIN"):
        return _load_pem(value.encode(), password)
    try:
        raw = base64.b64decode(value.strip(), validate=False)
    except ValueError:
        raise BadParameter(message="The certificate content is not valid base64.") from None
    if raw.lstrip().startswith(b"-----BEGIN"):
        return _load_pem(raw, password)
    return _load_pfx(raw, password)


def _load_pfx(raw: bytes, password: str | None) -> Imported:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(raw, password.encode() if password else None)
    except (ValueError, TypeError):
        raise BadParameter(message="The specified PKCS#12 X.509 certificate content can not be read. Please check if "
                           "certificate is in valid PKCS#12 format.") from None
    if key is None or cert is None:
        raise BadParameter(message="Private key is not specified in the specified X.509 certificate content.")
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise BadParameter(message="Only RSA and EC keys are supported in a certificate.")
    return Imported(key, leaf_first(key, [cert, *extra]), PKCS12, [cert, *extra])


_KEY_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL)


def _load_pem(raw: bytes, password: str | None) -> Imported:
    try:
        certs = x509.load_pem_x509_certificates(raw)
    except ValueError:
        raise BadParameter(message="The specified PEM X.509 certificate content is in an unexpected format. Please "
                           "check if certificate is in valid PEM format.") from None
    block = _KEY_BLOCK.search(raw)
    if block is None:
        raise BadParameter(message="Private key is not specified in the specified X.509 PEM certificate content.")
    if block.group(1) not in (b"", b"ENCRYPTED "):
        raise BadParameter(message="The specified PEM X.509 certificate content is in an unexpected format: Key Vault "
                           "accepts only a PKCS#8 private key (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY).")
    try:
        key = serialization.load_pem_private_key(block.group(0), password.encode() if password else None)
    except (ValueError, TypeError):
        raise BadParameter(message="The private key in the specified PEM content can not be read: it is damaged, or "
                           "the password ('pwd') is missing or wrong.") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise BadParameter(message="Only RSA and EC keys are supported in a certificate.")
    return Imported(key, leaf_first(key, certs), PEM, certs)


def leaf_first(key: keycrypto.PrivateKey, certs: list[x509.Certificate]) -> list[x509.Certificate]:
    mine = keycrypto.public_jwk(key)
    for i, cert in enumerate(certs):
        if matches(cert, mine):
            return [cert, *certs[:i], *certs[i + 1:]]
    raise BadParameter(message="The private key does not match the public key of any certificate in the content.")


def matches(cert: x509.Certificate, public_jwk: dict[str, str]) -> bool:
    public = cert.public_key()
    if not isinstance(public, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return False
    try:
        return keycrypto.public_jwk(public) == public_jwk
    except BadParameter:
        return False


def load_x5c(items: Any) -> list[x509.Certificate]:
    """The certificates a merge brings, in the order given.

    Each entry is base64 of a DER certificate, or base64 of PEM text: a whole PEM block (one or more
    certificates), or a PEM body without its BEGIN/END lines, which is what the SDKs send when the caller passes
    the PEM text it has (they base64-encode the bytes they are given). Azure takes all three.
    """
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise BadParameter(message="The request must have an 'x5c' property: a list of base64 DER certificates.")
    chain: list[x509.Certificate] = []
    for item in items:
        chain += _x5c_entry(item)
    return chain


def _x5c_entry(item: str) -> list[x509.Certificate]:
    refused = BadParameter(message="The 'x5c' property must hold base64-encoded X.509 certificates (DER, or PEM "
                           "text).")
    try:
        raw = base64.b64decode(item, validate=True)
    except ValueError:
        raise refused from None
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificates(raw)
        return [x509.load_der_x509_certificate(raw)]
    except ValueError:
        pass
    try:  # a PEM body: base64 text of the DER, perhaps wrapped in lines
        return [x509.load_der_x509_certificate(base64.b64decode(b"".join(raw.split()), validate=True))]
    except ValueError:
        raise refused from None


def describe(cert: x509.Certificate) -> dict[str, Any]:
    """The x509_props of an existing certificate, as a policy records them."""
    sans: dict[str, list[str]] = {}
    ekus: list[str] = []
    usages: list[str] = []
    for ext in _readable_extensions(cert):
        value = ext.value
        if isinstance(value, x509.SubjectAlternativeName):
            _collect_sans(value, sans)
        elif isinstance(value, x509.ExtendedKeyUsage):
            ekus = [o.dotted_string for o in value]
        elif isinstance(value, x509.KeyUsage):
            usages = [name for name, attr in KEY_USAGES.items() if _usage_set(value, attr)]
    return {"subject": format_name(cert.subject), "sans": sans, "ekus": ekus, "key_usage": usages,
            "validity_months": calendar_months(cert.not_valid_before_utc, cert.not_valid_after_utc)}


def _readable_extensions(cert: x509.Certificate) -> x509.Extensions:
    """The certificate's extensions, or none where `cryptography` cannot read them (a key usage of
    decipherOnly alone, which Key Vault itself issues): the policy then records the subject and validity."""
    try:
        return cert.extensions
    except ValueError:
        return x509.Extensions([])


def calendar_months(start: datetime, end: datetime) -> int:
    """How many calendar months a validity spans, a part month of a day or more counting as a whole one.

    Counted on the calendar, not as days / 30.4, which drifts by a month a century: a certificate valid from
    2021-08-06 to 2121-07-13 spans 1200 months. Less than a day over is no month more, so a certificate
    backdated by minutes, as Key Vault issues them, still counts the months it was issued for.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    if end - add_months(start, months) >= timedelta(days=1):
        months += 1
    return max(1, months)


def _collect_sans(value: x509.SubjectAlternativeName, sans: dict[str, list[str]]) -> None:
    for kind, key in ((x509.DNSName, "dns_names"), (x509.RFC822Name, "emails"),
                      (x509.UniformResourceIdentifier, "uris")):
        found = [str(v) for v in value.get_values_for_type(kind)]
        if found:
            sans[key] = found
    ips = [str(v) for v in value.get_values_for_type(x509.IPAddress)]
    if ips:
        sans["ipAddresses"] = ips
    upns = [o.value[2:].decode(errors="replace") for o in value.get_values_for_type(x509.OtherName) if o.type_id == UPN]
    if upns:
        sans["upns"] = upns


def _usage_set(usage: x509.KeyUsage, attr: str) -> bool:
    try:
        return bool(getattr(usage, attr))
    except ValueError:  # encipher_only/decipher_only are undefined without key_agreement
        return False

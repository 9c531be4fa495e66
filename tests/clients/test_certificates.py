"""Certificates through the real azure-keyvault-certificates SDK: self-signed creation with a policy, the
pending operation, the policy, and the managed key and secret a certificate brings."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.certificates import (
    CertificateClient,
    CertificateContentType,
    CertificatePolicy,
    CertificatePolicyAction,
    KeyCurveName,
    KeyType,
    KeyUsageType,
    LifetimeAction,
    WellKnownIssuerNames,
)
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    return make_vault(vaultlink, softDeleteRetentionInDays=7)


@pytest.fixture(scope="module")
def certs(vaultlink: Running, vault: str) -> CertificateClient:
    return CertificateClient(vault_url(vault), owner_credential(vaultlink))


@pytest.fixture(scope="module")
def secrets(vaultlink: Running, vault: str) -> SecretClient:
    return SecretClient(vault_url(vault), owner_credential(vaultlink))


@pytest.fixture(scope="module")
def keys(vaultlink: Running, vault: str) -> KeyClient:
    return KeyClient(vault_url(vault), owner_credential(vaultlink))


def test_self_signed_with_the_default_policy(vaultlink: Running, certs: CertificateClient, secrets: SecretClient,
                                            keys: KeyClient) -> None:
    started = time.monotonic()
    poller = certs.begin_create_certificate("default-cert", CertificatePolicy.get_default(), tags={"app": "web"})
    cert = poller.result()
    assert time.monotonic() - started < 3  # the poller finds the operation complete on its first poll
    assert poller.status() == "completed"
    version = cert.properties.version
    assert cert.id == f"{certs.vault_url}/certificates/default-cert/{version}"
    assert cert.key_id == f"{certs.vault_url}/keys/default-cert/{version}"
    assert cert.secret_id == f"{certs.vault_url}/secrets/default-cert/{version}"
    assert cert.properties.x509_thumbprint == hashlib.sha1(cert.cer).digest()
    assert cert.properties.tags == {"app": "web"} and cert.properties.enabled is True
    assert cert.properties.recovery_level == "CustomizedRecoverable+Purgeable"

    parsed = x509.load_der_x509_certificate(cert.cer)
    assert parsed.subject.rfc4514_string() == "CN=DefaultPolicy" and parsed.issuer == parsed.subject
    eku = parsed.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    usage = parsed.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.key_encipherment
    assert parsed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    lifetime = parsed.not_valid_after_utc - parsed.not_valid_before_utc
    assert timedelta(days=364) < lifetime < timedelta(days=367)
    assert cert.properties.not_before == parsed.not_valid_before_utc
    assert cert.properties.expires_on == parsed.not_valid_after_utc

    policy = cert.policy
    assert policy.issuer_name == "Self" and policy.subject == "CN=DefaultPolicy"
    assert policy.key_type == KeyType.rsa and policy.key_size == 2048 and policy.exportable is True
    assert policy.reuse_key is False and policy.content_type == CertificateContentType.pkcs12
    assert policy.validity_in_months == 12 and policy.key_usage == [KeyUsageType.digital_signature,
                                                                    KeyUsageType.key_encipherment]
    assert [(a.action, a.lifetime_percentage) for a in policy.lifetime_actions] == [
        (CertificatePolicyAction.auto_renew, 80)]

    operation = certs.get_certificate_operation("default-cert")
    assert operation.status == "completed" and operation.target == f"{certs.vault_url}/certificates/default-cert"
    assert operation.issuer_name == "Self" and operation.cancellation_requested is False
    csr = x509.load_der_x509_csr(operation.csr)
    assert csr.is_signature_valid and csr.public_key().public_numbers() == parsed.public_key().public_numbers()

    secret = secrets.get_secret("default-cert")
    assert secret.properties.content_type == "application/x-pkcs12" and secret.properties.managed is True
    assert secret.properties.key_id == cert.key_id and secret.properties.version == version
    pfx_key, pfx_cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert pfx_cert is not None and pfx_cert.public_bytes(serialization.Encoding.DER) == cert.cer
    assert pfx_key is not None and pfx_key.public_key().public_numbers() == parsed.public_key().public_numbers()

    key = keys.get_key("default-cert")
    assert key.properties.managed is True and key.properties.version == version
    assert sorted(key.key_operations) == sorted(["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"])
    digest = hashlib.sha256(b"signed by the certificate's key").digest()
    signature = CryptographyClient(key, owner_credential(vaultlink)).sign(SignatureAlgorithm.rs256, digest).signature
    public = parsed.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_custom_policy_ec_pem_and_subject_alternative_names(certs: CertificateClient, secrets: SecretClient) -> None:
    policy = CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self, subject="CN=api.contoso.com, O=Contoso, C=US",
        san_dns_names=["api.contoso.com", "www.contoso.com"], san_emails=["admin@contoso.com"],
        san_user_principal_names=["svc@contoso.com"], key_type=KeyType.ec, key_curve_name=KeyCurveName.p_384,
        exportable=True, content_type=CertificateContentType.pem, validity_in_months=24,
        key_usage=[KeyUsageType.digital_signature], enhanced_key_usage=["1.3.6.1.5.5.7.3.1"],
        lifetime_actions=[LifetimeAction(CertificatePolicyAction.email_contacts, days_before_expiry=30)],
    )
    cert = certs.begin_create_certificate("ec-pem", policy).result()
    parsed = x509.load_der_x509_certificate(cert.cer)
    assert parsed.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "api.contoso.com"
    assert parsed.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "US"
    sans = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["api.contoso.com", "www.contoso.com"]
    assert sans.get_values_for_type(x509.RFC822Name) == ["admin@contoso.com"]
    assert len(sans.get_values_for_type(x509.OtherName)) == 1
    assert 729 < (parsed.not_valid_after_utc - parsed.not_valid_before_utc).days < 733
    got = certs.get_certificate_policy("ec-pem")
    assert got.key_type == KeyType.ec and got.key_curve_name == KeyCurveName.p_384
    assert got.san_dns_names == ["api.contoso.com", "www.contoso.com"] and got.san_user_principal_names == ["svc@contoso.com"]
    assert got.validity_in_months == 24 and got.content_type == CertificateContentType.pem
    assert [(a.action, a.days_before_expiry) for a in got.lifetime_actions] == [(CertificatePolicyAction.email_contacts, 30)]

    secret = secrets.get_secret("ec-pem")
    assert secret.properties.content_type == "application/x-pem-file"
    assert "-----BEGIN PRIVATE KEY-----" in secret.value and "-----BEGIN CERTIFICATE-----" in secret.value
    key = serialization.load_pem_private_key(secret.value.encode(), None)
    assert key.public_key().public_numbers() == parsed.public_key().public_numbers()  # type: ignore[union-attr]


def test_non_exportable_key_stays_out_of_the_secret(certs: CertificateClient, secrets: SecretClient) -> None:
    policy = CertificatePolicy(issuer_name="Self", subject="CN=locked", exportable=False, key_type=KeyType.rsa,
                               content_type=CertificateContentType.pem)
    certs.begin_create_certificate("locked", policy).result()
    value = secrets.get_secret("locked").value
    assert "PRIVATE KEY" not in value and "-----BEGIN CERTIFICATE-----" in value


def test_new_versions_and_reused_keys(certs: CertificateClient, keys: KeyClient) -> None:
    policy = CertificatePolicy(issuer_name="Self", subject="CN=renewing", reuse_key=True)
    first = certs.begin_create_certificate("renewing", policy).result()
    second = certs.begin_create_certificate("renewing", policy).result()
    assert first.properties.version != second.properties.version
    assert keys.get_key("renewing", first.properties.version).key.n == keys.get_key("renewing").key.n
    fresh = certs.begin_create_certificate("renewing", CertificatePolicy(issuer_name="Self", subject="CN=renewing")).result()
    assert keys.get_key("renewing", fresh.properties.version).key.n != keys.get_key("renewing", first.properties.version).key.n
    versions = {c.version for c in certs.list_properties_of_certificate_versions("renewing")}
    assert versions == {first.properties.version, second.properties.version, fresh.properties.version}
    assert certs.get_certificate_version("renewing", first.properties.version).cer == first.cer
    listed = {c.name: c for c in certs.list_properties_of_certificates()}
    assert listed["renewing"].x509_thumbprint == fresh.properties.x509_thumbprint and listed["renewing"].version is None


def test_update_policy_and_properties(certs: CertificateClient, secrets: SecretClient, keys: KeyClient) -> None:
    cert = certs.begin_create_certificate("updatable", CertificatePolicy.get_default()).result()
    policy = certs.get_certificate_policy("updatable")
    policy._validity_in_months = 36
    policy._san_dns_names = ["updatable.contoso.com"]
    updated = certs.update_certificate_policy("updatable", policy)
    assert updated.validity_in_months == 36 and updated.san_dns_names == ["updatable.contoso.com"]
    assert updated.subject == "CN=DefaultPolicy" and updated.updated_on >= updated.created_on
    renewed = certs.begin_create_certificate("updatable", certs.get_certificate_policy("updatable")).result()
    parsed = x509.load_der_x509_certificate(renewed.cer)
    assert (parsed.not_valid_after_utc - parsed.not_valid_before_utc).days > 1000

    props = certs.update_certificate_properties("updatable", cert.properties.version, enabled=False, tags={"x": "y"})
    assert props.properties.enabled is False and props.properties.tags == {"x": "y"}
    assert secrets.get_secret("updatable").properties.enabled is True  # the current version is the renewal
    with pytest.raises(HttpResponseError) as err:
        secrets.get_secret("updatable", cert.properties.version)
    assert err.value.status_code == 403  # the secret followed its certificate
    assert keys.get_key("updatable", renewed.properties.version).properties.enabled is True

    bad = CertificatePolicy(issuer_name="Self", subject="CN=x", validity_in_months=5000)
    with pytest.raises(HttpResponseError) as err:
        certs.update_certificate_policy("updatable", bad)
    assert err.value.status_code == 400 and "validity_months '5000' is not valid" in err.value.message
    assert certs.get_certificate_policy("updatable").validity_in_months == 36


def test_key_usage_is_stored_as_given(certs: CertificateClient) -> None:
    # decipherOnly alone, as Microsoft's own policy test asks: stored and answered unchanged, and the
    # certificate is built with exactly that bit (RFC 5280 leaves it undefined without keyAgreement).
    policy = CertificatePolicy(issuer_name="Self", subject="CN=DefaultPolicy", key_type=KeyType.rsa, key_size=2048,
                               key_usage=[KeyUsageType.decipher_only], san_dns_names=["sdk.azure-int.net"],
                               enhanced_key_usage=["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], validity_in_months=12)
    cert = certs.begin_create_certificate("decipher-only", policy).result()
    assert certs.get_certificate_policy("decipher-only").key_usage == [KeyUsageType.decipher_only]
    critical_key_usage = bytes.fromhex("0603551d0f" "0101ff" "0405" "0303070080")  # bit 8 alone
    assert cert.cer is not None and critical_key_usage in cert.cer
    policy._key_type, policy._key_size, policy._key_curve_name = KeyType.ec, 256, KeyCurveName.p_256
    updated = certs.update_certificate_policy("decipher-only", policy)
    assert updated.key_usage == [KeyUsageType.decipher_only] and updated.key_type == KeyType.ec
    renewed = certs.begin_create_certificate("decipher-only", updated).result()
    assert renewed.cer is not None and critical_key_usage in renewed.cer


def test_managed_key_and_secret_cannot_be_written_directly(certs: CertificateClient, secrets: SecretClient,
                                                           keys: KeyClient) -> None:
    certs.begin_create_certificate("guarded", CertificatePolicy.get_default()).result()
    expected = {"code": "Forbidden", "message": 'Operation "delete" is not allowed as this object\'s lifetime is '
                "managed by Key Vault.", "innererror": {"code": "SecretManagedByKeyVault"}}
    with pytest.raises(HttpResponseError) as err:
        secrets.begin_delete_secret("guarded")
    assert err.value.status_code == 403 and err.value.response.json() == {"error": expected}
    for call in (lambda: secrets.set_secret("guarded", "x"), lambda: secrets.update_secret_properties("guarded", tags={}),
                 lambda: secrets.backup_secret("guarded")):
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 403 and "managed by Key Vault" in err.value.message
    for call in (lambda: keys.begin_delete_key("guarded"), lambda: keys.update_key_properties("guarded", enabled=False),
                 lambda: keys.create_rsa_key("guarded"), lambda: keys.rotate_key("guarded")):
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 403
        assert err.value.response.json()["error"]["innererror"] == {"code": "KeyManagedByKeyVault"}
    assert secrets.get_secret("guarded").properties.managed is True
    assert "guarded" in {s.name for s in secrets.list_properties_of_secrets()}

    secrets.set_secret("plain-secret", "v")
    with pytest.raises(ResourceExistsError) as conflict:
        certs.begin_create_certificate("plain-secret", CertificatePolicy.get_default())
    assert "already exists" in conflict.value.message
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate("plain-secret")


def test_unknown_issuer_pending_then_merge(certs: CertificateClient, keys: KeyClient) -> None:
    policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=merged.contoso.com",
                               san_dns_names=["merged.contoso.com"])
    operation = certs.begin_create_certificate("merged", policy).result()
    assert operation.status == "inProgress" and operation.issuer_name == "Unknown"
    assert operation.status_details == "Pending certificate created. Please Perform Merge to complete the request."
    pending = certs.get_certificate("merged")
    assert pending.cer is None and pending.properties.enabled is False
    assert "merged" in {c.name for c in certs.list_properties_of_certificates(include_pending=True)}
    assert "merged" not in {c.name for c in certs.list_properties_of_certificates()}
    with pytest.raises(ResourceNotFoundError):
        keys.get_key("merged")

    csr = x509.load_der_x509_csr(operation.csr)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    now = datetime.now(UTC)
    signed = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name).public_key(csr.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=30))
              .sign(ca_key, hashes.SHA256()))
    stranger = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name).public_key(ca_key.public_key())
                .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    with pytest.raises(HttpResponseError) as err:
        certs.merge_certificate("merged", [stranger.public_bytes(serialization.Encoding.DER)])
    assert err.value.status_code == 400 and "doesn't match" in err.value.message
    merged = certs.merge_certificate("merged", [signed.public_bytes(serialization.Encoding.DER)])
    assert merged.cer == signed.public_bytes(serialization.Encoding.DER) and merged.properties.enabled is True
    assert certs.get_certificate_operation("merged").status == "completed"
    assert keys.get_key("merged").properties.managed is True


def sign_pending(certs: CertificateClient, name: str) -> x509.Certificate:
    """A pending certificate's CSR, signed by a throwaway CA: what a caller's own CA would hand back."""
    certs.begin_create_certificate(name, CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown,
                                                           subject=f"CN={name}")).result()
    csr = x509.load_der_x509_csr(certs.get_certificate_operation(name).csr)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(csr.subject).public_key(csr.public_key())
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Caller CA")]))
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=9))
            .sign(ca_key, hashes.SHA256()))


def test_merge_takes_pem_text_as_well_as_der(certs: CertificateClient) -> None:
    # The SDK base64-encodes the bytes it is given: here the PEM body without its BEGIN/END lines, as
    # Microsoft's own merge test passes it, then a whole PEM block.
    signed = sign_pending(certs, "merged-pem-body")
    pem = signed.public_bytes(serialization.Encoding.PEM).decode()
    body = "".join(pem.splitlines()[1:-1])
    merged = certs.merge_certificate("merged-pem-body", [body.encode()])
    assert merged.cer == signed.public_bytes(serialization.Encoding.DER)

    signed = sign_pending(certs, "merged-pem-block")
    merged = certs.merge_certificate("merged-pem-block", [signed.public_bytes(serialization.Encoding.PEM)])
    assert merged.cer == signed.public_bytes(serialization.Encoding.DER)
    assert certs.get_certificate_operation("merged-pem-block").status == "completed"
    sign_pending(certs, "merged-garbage")
    with pytest.raises(HttpResponseError) as err:
        certs.merge_certificate("merged-garbage", [b"not a certificate"])
    assert err.value.status_code == 400 and "base64-encoded X.509 certificates" in err.value.message


def test_merge_keeps_the_chain_order_when_asked(certs: CertificateClient, secrets: SecretClient) -> None:
    policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=ordered-merge",
                               content_type=CertificateContentType.pem)
    operation = certs.begin_create_certificate("ordered-merge", policy, preserve_order=True).result()
    assert operation.preserve_order is True
    csr = x509.load_der_x509_csr(operation.csr)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ordered CA")])
    now = datetime.now(UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=9)).sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name).public_key(csr.public_key())
            .serial_number(2).not_valid_before(now).not_valid_after(now + timedelta(days=9))
            .sign(ca_key, hashes.SHA256()))
    merged = certs.merge_certificate("ordered-merge", [ca.public_bytes(serialization.Encoding.DER),
                                                       leaf.public_bytes(serialization.Encoding.DER)])
    assert merged.cer == leaf.public_bytes(serialization.Encoding.DER) and merged.properties.preserve_order is True
    assert x509.load_pem_x509_certificates(secrets.get_secret("ordered-merge").value.encode()) == [ca, leaf]


def test_cancel_and_delete_an_operation(certs: CertificateClient) -> None:
    policy = CertificatePolicy(issuer_name="Unknown", subject="CN=abandoned")
    certs.begin_create_certificate("abandoned", policy).result()
    with pytest.raises(ResourceExistsError):
        certs.begin_create_certificate("abandoned", policy)  # one operation at a time
    cancelled = certs.cancel_certificate_operation("abandoned")
    assert cancelled.cancellation_requested is True and cancelled.status == "inProgress"
    deleted = certs.delete_certificate_operation("abandoned")
    assert deleted.cancellation_requested is True
    with pytest.raises(ResourceNotFoundError) as err:
        certs.get_certificate_operation("abandoned")
    assert err.value.response.json() == {"error": {"code": "PendingCertificateNotFound",
                                                   "message": "Pending certificate not found: abandoned"}}
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate("abandoned")


def test_named_issuer_operation_fails_clearly(certs: CertificateClient) -> None:
    with pytest.raises(HttpResponseError) as err:
        certs.begin_create_certificate("by-digicert", CertificatePolicy(issuer_name="NoSuchIssuer", subject="CN=x"))
    assert err.value.status_code == 400 and "issuer 'NoSuchIssuer' was not found" in err.value.message
    certs.create_issuer("digicert-issuer", "DigiCert")
    operation = certs.begin_create_certificate("by-digicert",
                                               CertificatePolicy(issuer_name="digicert-issuer", subject="CN=x")).result()
    assert operation.status == "failed" and operation.error is not None
    assert operation.error.code == "CertificateAuthorityUnreachable"


def test_certificate_not_found(certs: CertificateClient) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        certs.get_certificate("absent")
    assert err.value.response.json()["error"] == {"code": "CertificateNotFound", "message": (
        "A certificate with (name/id) absent was not found in this key vault. If you recently deleted this "
        "certificate you may be able to recover it using the correct recovery command. For help resolving this "
        "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")}
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate_policy("absent")
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate_version("default-cert", "0" * 32)


def test_versions_of_a_name_that_never_existed_is_an_empty_list(certs: CertificateClient) -> None:
    assert list(certs.list_properties_of_certificate_versions("never-issued")) == []


def test_certificate_private_keys_are_encrypted_at_rest(vaultlink: Running, certs: CertificateClient,
                                                        secrets: SecretClient) -> None:
    from tests.clients.test_keys import stored_bytes

    policy = CertificatePolicy(issuer_name="Self", subject="CN=at-rest", content_type=CertificateContentType.pem)
    certs.begin_create_certificate("cert-at-rest", policy).result()
    pem = secrets.get_secret("cert-at-rest").value
    body = pem.split("-----BEGIN PRIVATE KEY-----")[1].split("-----END PRIVATE KEY-----")[0].replace("\n", "")
    blob = stored_bytes(vaultlink)
    assert b"BEGIN PRIVATE KEY" not in blob and body[100:160].encode() not in blob


def test_platform_managed_policy_at_the_api_version_that_has_it(vaultlink: Running, vault: str,
                                                                certs: CertificateClient) -> None:
    from azure.keyvault.certificates import ApiVersion, PlatformManaged
    assert certs.api_version == ApiVersion.V2026_04_01  # the SDK's default, whose REST spec has platformManaged
    managed = PlatformManaged(certificate_usage="serverAuth", metadata={"sans": {"dns_names": ["pm.contoso.com"]},
                                                                        "owner": "platform"})
    cert = certs.begin_create_certificate("platform-managed", CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self, platform_managed=managed)).result()
    parsed = x509.load_der_x509_certificate(cert.cer)
    assert parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["pm.contoso.com"]
    policy = certs.get_certificate_policy("platform-managed")
    assert policy.platform_managed is not None and policy.platform_managed.certificate_usage == "serverAuth"
    assert policy.platform_managed.metadata == {"sans": {"dns_names": ["pm.contoso.com"]}, "owner": "platform"}
    assert policy.subject is None or policy.subject == ""

    # Nothing to issue it for: the operation ends with a clear error rather than a certificate for no one.
    operation = certs.begin_create_certificate("platform-nameless", CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self, platform_managed=PlatformManaged(certificate_usage="serverAuth"))).result()
    assert operation.status == "failed" and operation.error is not None and operation.error.code == "BadParameter"
    assert "names no subject and no subject alternative names" in operation.error.message

    policy._platform_managed = PlatformManaged(certificate_usage="clientAuth", metadata={"sans": {}})
    updated = certs.update_certificate_policy("platform-managed", policy)
    assert updated.platform_managed is not None and updated.platform_managed.certificate_usage == "clientAuth"

    vaultlink.restart()
    again = certs.get_certificate_policy("platform-managed")
    assert again.platform_managed is not None and again.platform_managed.certificate_usage == "clientAuth"
    older = CertificateClient(vault_url(vault), owner_credential(vaultlink), api_version=ApiVersion.V7_6)
    assert older.get_certificate_policy("platform-managed").platform_managed is None  # not in 7.6's policy
    with pytest.raises(HttpResponseError) as err:  # 7.6 has no platformManaged: the policy names nothing
        older.begin_create_certificate("platform-old", CertificatePolicy(issuer_name=WellKnownIssuerNames.self,
                                                                         platform_managed=managed))
    assert err.value.status_code == 400 and "must have a subject" in err.value.message


def test_a_unicode_name_is_refused_clearly(certs: CertificateClient) -> None:
    with pytest.raises(HttpResponseError) as err:
        certs.begin_create_certificate("unicode-name", CertificatePolicy(
            issuer_name=WellKnownIssuerNames.self, subject="CN=shop", san_dns_names=["bücher.example"]))
    assert err.value.status_code == 400 and "A-label" in err.value.message
    with pytest.raises(ResourceNotFoundError):
        certs.get_certificate("unicode-name")
    # the platform's metadata names may also be a plain list of DNS names
    from azure.keyvault.certificates import PlatformManaged
    cert = certs.begin_create_certificate("platform-list", CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self, platform_managed=PlatformManaged(
            certificate_usage="serverAuth", metadata={"sans": ["list.contoso.com"]}))).result()
    names = x509.load_der_x509_certificate(cert.cer).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["list.contoso.com"]

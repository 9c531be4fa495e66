"""Keys through the real azure-keyvault-keys SDK: create, import, read, update, rotate, soft delete, backup."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.keys import (
    JsonWebKey,
    KeyClient,
    KeyCurveName,
    KeyRotationLifetimeAction,
    KeyRotationPolicy,
    KeyRotationPolicyAction,
    KeyType,
)
from azure.keyvault.keys.crypto import SignatureAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tests.clients.keyvaults import make_vault, owner_credential, stored_bytes, vault_url
from tests.vaultlink_process import Running


@pytest.fixture(scope="module")
def vault(vaultlink: Running) -> str:
    return make_vault(vaultlink, softDeleteRetentionInDays=7)


@pytest.fixture(scope="module")
def client(vaultlink: Running, vault: str) -> KeyClient:
    return KeyClient(vault_url(vault), owner_credential(vaultlink))


def error_of(err: pytest.ExceptionInfo[HttpResponseError]) -> dict[str, object]:
    body: dict[str, object] = err.value.response.json()["error"]
    return body


@pytest.mark.parametrize("size", [2048, 3072, 4096])
def test_create_rsa_keys_of_every_size(client: KeyClient, size: int) -> None:
    key = client.create_rsa_key(f"rsa-{size}", size=size, tags={"size": str(size)})
    assert key.key_type == KeyType.rsa and key.key.n is not None and len(key.key.n) == size // 8
    assert key.key.e == b"\x01\x00\x01"
    assert key.key.d is None and key.key.p is None  # only the public key ever leaves
    assert key.key_operations == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    assert key.id == f"{client.vault_url}/keys/rsa-{size}/{key.properties.version}" and len(key.properties.version) == 32
    assert key.properties.recovery_level == "CustomizedRecoverable+Purgeable" and key.properties.recoverable_days == 7
    assert key.properties.tags == {"size": str(size)} and key.properties.managed is None


@pytest.mark.parametrize(("curve", "width"), [("P-256", 32), ("P-384", 48), ("P-521", 66), ("P-256K", 32)])
def test_create_ec_keys_on_every_curve(client: KeyClient, curve: str, width: int) -> None:
    key = client.create_ec_key(f"ec-{curve.replace('-', '')}", curve=curve)
    assert key.key_type == KeyType.ec and key.key.crv == curve
    assert len(key.key.x) == width and len(key.key.y) == width and key.key.d is None
    assert key.key_operations == ["sign", "verify"]


def test_get_versions_list_and_update(client: KeyClient) -> None:
    first = client.create_ec_key("versioned", curve=KeyCurveName.p_256)
    second = client.create_ec_key("versioned", curve=KeyCurveName.p_256, key_operations=["sign"])
    assert client.get_key("versioned").properties.version == second.properties.version
    assert client.get_key("versioned", first.properties.version).key.x == first.key.x
    versions = {p.version for p in client.list_properties_of_key_versions("versioned")}
    assert versions == {first.properties.version, second.properties.version}
    names = {p.name for p in client.list_properties_of_keys(max_page_size=2)}
    assert "versioned" in names
    listed = next(p for p in client.list_properties_of_keys() if p.name == "versioned")
    assert listed.version is None and listed.id == f"{client.vault_url}/keys/versioned"

    expires = datetime.now(UTC) + timedelta(days=30)
    updated = client.update_key_properties("versioned", first.properties.version, key_operations=["verify"],
                                           tags={"team": "blue"}, expires_on=expires)
    assert updated.key_operations == ["verify"] and updated.properties.tags == {"team": "blue"}
    assert abs(updated.properties.expires_on.timestamp() - expires.timestamp()) < 2
    assert updated.properties.created_on == first.properties.created_on

    client.update_key_properties("versioned", enabled=False)  # the current version
    disabled = client.get_key("versioned")  # read as Azure does: only crypto operations refuse a disabled key
    assert disabled.properties.enabled is False and disabled.properties.version == second.properties.version
    assert disabled.key.x == second.key.x
    assert client.get_key("versioned", second.properties.version).properties.enabled is False
    assert client.get_key("versioned", first.properties.version).properties.enabled is True
    with pytest.raises(HttpResponseError) as err:
        client.get_cryptography_client("versioned").sign(SignatureAlgorithm.es256, b"\0" * 32)
    assert err.value.status_code == 403 and error_of(err)["innererror"] == {"code": "KeyDisabled"}
    assert error_of(err)["message"] == "Operation sign is not allowed on a disabled key."


def test_versions_of_a_name_that_never_existed_is_an_empty_list(client: KeyClient) -> None:
    assert list(client.list_properties_of_key_versions("never-created")) == []


def test_import_rsa_and_ec_keys_from_jwk(client: KeyClient) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = private.private_numbers()
    jwk = JsonWebKey(kty="RSA", key_ops=["sign", "verify", "decrypt"],
                     n=n.public_numbers.n.to_bytes(256, "big"), e=(65537).to_bytes(3, "big"),
                     d=n.d.to_bytes(256, "big"), p=n.p.to_bytes(128, "big"), q=n.q.to_bytes(128, "big"),
                     dp=n.dmp1.to_bytes(128, "big"), dq=n.dmq1.to_bytes(128, "big"), qi=n.iqmp.to_bytes(128, "big"))
    imported = client.import_key("imported-rsa", jwk, tags={"origin": "local"})
    assert imported.key.n == n.public_numbers.n.to_bytes(256, "big") and imported.key.d is None
    assert imported.key_operations == ["sign", "verify", "decrypt"] and imported.properties.tags == {"origin": "local"}

    ec_private = ec.generate_private_key(ec.SECP384R1())
    numbers = ec_private.private_numbers()
    ec_jwk = JsonWebKey(kty="EC", crv="P-384", x=numbers.public_numbers.x.to_bytes(48, "big"),
                        y=numbers.public_numbers.y.to_bytes(48, "big"), d=numbers.private_value.to_bytes(48, "big"))
    imported_ec = client.import_key("imported-ec", ec_jwk, hardware_protected=False)
    assert imported_ec.key.crv == "P-384" and imported_ec.key.x == numbers.public_numbers.x.to_bytes(48, "big")
    assert imported_ec.key_operations == ["sign", "verify"]

    with pytest.raises(HttpResponseError) as err:
        client.import_key("public-only", JsonWebKey(kty="RSA", n=jwk.n, e=jwk.e))
    assert err.value.status_code == 400 and "private key" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.import_key("not-a-pair", JsonWebKey(kty="RSA", n=jwk.n, e=jwk.e, d=b"\x05" * 256))
    assert err.value.status_code == 400 and error_of(err)["code"] == "BadParameter"
    with pytest.raises(ResourceNotFoundError):
        client.get_key("not-a-pair")


def test_bad_input_is_refused_with_nothing_written(client: KeyClient) -> None:
    cases = [
        (lambda: client.create_rsa_key("small", size=1024), "The key size '1024' is not supported"),
        (lambda: client.create_ec_key("weird", curve="P-192"), "The curve 'P-192' is not supported"),
        (lambda: client.create_key("octet", "oct"), "symmetric keys are available only in a Managed HSM"),
        (lambda: client.create_key("bogus", "DSA"), "The key type 'DSA' is not supported"),
        (lambda: client.create_rsa_key("bad-ops", key_operations=["launch"]), "The key operation 'launch' is not valid"),
        (lambda: client.create_ec_key("ec-encrypt", key_operations=["encrypt"]), "not valid for keys of type EC"),
        (lambda: client.create_rsa_key("bad_name"), "invalid name: bad_name"),
    ]
    for call, message in cases:
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 400 and error_of(err)["code"] == "BadParameter", message
        assert message in err.value.message
    for name in ("small", "weird", "octet", "bogus", "bad-ops", "ec-encrypt"):
        with pytest.raises(ResourceNotFoundError):
            client.get_key(name)


def test_key_not_found_messages(client: KeyClient) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        client.get_key("nope")
    assert error_of(err) == {"code": "KeyNotFound", "message": (
        "A key with (name/id) nope was not found in this key vault. If you recently deleted this key you may be able "
        "to recover it using the correct recovery command. For help resolving this issue, please see "
        "https://go.microsoft.com/fwlink/?linkid=2125182")}
    client.create_ec_key("exists")
    with pytest.raises(ResourceNotFoundError) as err:
        client.get_key("exists", "0" * 32)
    assert f"(name/id) exists/{'0' * 32} was not found" in err.value.message
    with pytest.raises(ResourceNotFoundError) as err:
        client.get_deleted_key("nope")
    assert error_of(err) == {"code": "KeyNotFound", "message": "Deleted Key not found: nope"}


def test_delete_recover_purge(client: KeyClient) -> None:
    key = client.create_rsa_key("short-lived", tags={"a": "b"})
    deleted = client.begin_delete_key("short-lived").result()
    assert deleted.recovery_id == f"{client.vault_url}/deletedkeys/short-lived"
    assert deleted.scheduled_purge_date - deleted.deleted_date == timedelta(days=7)
    assert deleted.key.n == key.key.n
    with pytest.raises(ResourceNotFoundError):
        client.get_key("short-lived")
    assert "short-lived" in {d.name for d in client.list_deleted_keys()}
    with pytest.raises(ResourceExistsError) as err:
        client.create_rsa_key("short-lived")
    assert "deleted but recoverable state" in err.value.message
    recovered = client.begin_recover_deleted_key("short-lived").result()
    assert recovered.key.n == key.key.n and recovered.properties.tags == {"a": "b"}
    client.begin_delete_key("short-lived").result()
    client.purge_deleted_key("short-lived")
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_key("short-lived")
    assert client.create_rsa_key("short-lived").key.n != key.key.n


def test_purge_protection_is_honoured(vaultlink: Running) -> None:
    name = make_vault(vaultlink, softDeleteRetentionInDays=7, enablePurgeProtection=True)
    client = KeyClient(vault_url(name), owner_credential(vaultlink))
    client.create_ec_key("kept")
    deleted = client.begin_delete_key("kept").result()
    assert deleted.properties.recovery_level == "CustomizedRecoverable"
    with pytest.raises(HttpResponseError) as err:
        client.purge_deleted_key("kept")
    assert err.value.status_code == 403 and "purge protection is enabled" in err.value.message


def test_backup_and_restore(client: KeyClient) -> None:
    first = client.create_rsa_key("portable")
    client.create_rsa_key("portable")
    client.update_key_rotation_policy("portable", KeyRotationPolicy(expires_in="P90D"))
    blob = client.backup_key("portable")
    with pytest.raises(ResourceExistsError):
        client.restore_key_backup(blob)
    client.begin_delete_key("portable").result()
    client.purge_deleted_key("portable")
    restored = client.restore_key_backup(blob)
    assert restored.name == "portable"
    assert len(list(client.list_properties_of_key_versions("portable"))) == 2
    assert client.get_key("portable", first.properties.version).key.n == first.key.n
    assert client.get_key_rotation_policy("portable").expires_in == "P90D"
    tampered = bytearray(blob)
    tampered[len(tampered) // 2] ^= 0x55
    with pytest.raises(HttpResponseError) as err:
        client.restore_key_backup(bytes(tampered))
    assert err.value.status_code == 400 and "backup blob is not valid" in err.value.message


def test_rotation_policy_and_rotate(client: KeyClient) -> None:
    key = client.create_rsa_key("rotating", size=3072, key_operations=["sign", "verify"], tags={"t": "1"})
    default = client.get_key_rotation_policy("rotating")
    assert default.id == f"{client.vault_url}/keys/rotating/rotationpolicy"
    assert [(a.action, a.time_before_expiry) for a in default.lifetime_actions] == [(KeyRotationPolicyAction.notify, "P30D")]
    assert default.expires_in is None

    actions = [KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P90D")]
    policy = client.update_key_rotation_policy("rotating", KeyRotationPolicy(), lifetime_actions=actions,
                                               expires_in="P1Y")
    assert policy.expires_in == "P1Y" and policy.created_on is not None
    assert [(a.action, a.time_after_create, a.time_before_expiry) for a in policy.lifetime_actions] == [
        (KeyRotationPolicyAction.rotate, "P90D", None), (KeyRotationPolicyAction.notify, None, "P30D")]
    assert client.get_key_rotation_policy("rotating").expires_in == "P1Y"

    rotated = client.rotate_key("rotating")
    assert rotated.properties.version != key.properties.version and rotated.key.n != key.key.n
    assert len(rotated.key.n) == 3072 // 8 and rotated.key_operations == ["sign", "verify"]
    assert rotated.properties.tags == {"t": "1"}
    assert abs(rotated.properties.expires_on.timestamp() - (time.time() + 365 * 86400)) < 60
    assert client.get_key("rotating").properties.version == rotated.properties.version

    bad = [("P7D", [], "at least 28 days"),
           (None, [KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_before_expiry="P30D")],
            "needs the policy's expiryTime"),
           ("P1Y", [KeyRotationLifetimeAction(KeyRotationPolicyAction.notify, time_after_create="P30D")],
            "only be triggered by timeBeforeExpiry"),
           ("P90", [], "not a valid ISO 8601 duration")]
    for expires, lifetime, message in bad:
        with pytest.raises(HttpResponseError) as err:
            client.update_key_rotation_policy("rotating", KeyRotationPolicy(), lifetime_actions=lifetime or None,
                                              expires_in=expires)
        assert err.value.status_code == 400 and message in err.value.message
    assert client.get_key_rotation_policy("rotating").expires_in == "P1Y"
    with pytest.raises(ResourceNotFoundError):
        client.rotate_key("never-made")


def test_access_policy_permissions_per_operation(vaultlink: Running) -> None:
    c = vaultlink.credentials
    policy = {"tenantId": c["tenantId"], "objectId": c["servicePrincipal"]["objectId"],
              "permissions": {"keys": ["Get", "List", "Create"]}}
    name = make_vault(vaultlink, policies=[policy])
    client = KeyClient(vault_url(name), owner_credential(vaultlink))
    client.create_ec_key("allowed")
    assert client.get_key("allowed").name == "allowed"
    for call, permission in ((lambda: client.begin_delete_key("allowed"), "delete"),
                             (lambda: client.rotate_key("allowed"), "rotate"),
                             (lambda: client.get_key_rotation_policy("allowed"), "getrotationpolicy"),
                             (lambda: client.backup_key("allowed"), "backup")):
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 403 and f"does not have keys {permission} permission" in err.value.message


def test_rbac_data_actions(vaultlink: Running) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient

    name = make_vault(vaultlink, rbac=True)
    client = KeyClient(vault_url(name), owner_credential(vaultlink))
    with pytest.raises(HttpResponseError) as err:
        client.create_rsa_key("x")
    assert err.value.status_code == 403 and "'Microsoft.KeyVault/vaults/keys/create/action'" in err.value.message
    c = vaultlink.credentials
    scope = f"/subscriptions/{c['subscriptionId']}/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/{name}"
    auth = AuthorizationManagementClient(owner_credential(vaultlink), c["subscriptionId"])
    officer = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"  # Key Vault Crypto Officer
    auth.role_assignments.create(scope, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{c['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/{officer}",
        "principal_id": c["servicePrincipal"]["objectId"]})
    assert client.create_rsa_key("x").name == "x"
    assert client.get_key_rotation_policy("x").lifetime_actions


def test_private_key_material_is_encrypted_at_rest(vaultlink: Running, client: KeyClient) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = private.private_numbers()
    d = n.d.to_bytes(256, "big")
    client.import_key("at-rest", JsonWebKey(kty="RSA", n=n.public_numbers.n.to_bytes(256, "big"), e=b"\x01\x00\x01",
                                            d=d, p=n.p.to_bytes(128, "big"), q=n.q.to_bytes(128, "big")))
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    blob = stored_bytes(vaultlink)
    for secret in (d[:64], der[40:104], base64.b64encode(der)[60:120], base64.urlsafe_b64encode(d)[:64]):
        assert secret not in blob
    assert base64.urlsafe_b64encode(d).rstrip(b"=").decode()[:40] not in vaultlink.log.read_text()

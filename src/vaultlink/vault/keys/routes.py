"""Routes of keys (keys.json in the REST specs): each names its operation id, the access-policy permission
and RBAC data action it needs, and from which api-version it exists. The cryptographic operations take the
key with or without its version."""

from __future__ import annotations

from vaultlink.vault import throttle
from vaultlink.vault.auth import Permission
from vaultlink.vault.keys.lifecycle import KeyLifecycle
from vaultlink.vault.keys.operations import KeyOperations
from vaultlink.vault.keys.release import KeyRelease
from vaultlink.vault.keys.service import Keys
from vaultlink.vault.request import Op, Operation, Route

K = "Microsoft.KeyVault/vaults/keys/"
V = "Microsoft.KeyVault/vaults/"


def routes(keys: Keys, life: KeyLifecycle, ops: KeyOperations, release: KeyRelease) -> list[Route]:
    def p(name: str, action: str) -> Permission:
        return Permission("keys", name, K + action)

    def both(operation_id: str, segment: str, run: Operation, need: Permission, since: str = "7.0") -> list[Route]:
        return [("POST", f"/keys/{{name}}/{{version}}/{segment}", Op(operation_id, run, need, since=since)),
                ("POST", f"/keys/{{name}}/{segment}", Op(operation_id, run, need, since=since))]

    create, read = throttle.KEY_CREATE, p("get", "read")
    return [
        ("POST", "/keys/{name}/create", Op("Keys_CreateKey", keys.create, p("create", "create/action"),
                                           request_type=create)),
        ("PUT", "/keys/{name}", Op("Keys_ImportKey", keys.import_key, p("import", "import/action"), request_type=create)),
        ("GET", "/keys", Op("Keys_GetKeys", keys.list_keys, p("list", "read"))),
        ("GET", "/keys/{name}", Op("Keys_GetKey", keys.get, read)),
        ("GET", "/keys/{name}/{version}", Op("Keys_GetKey", keys.get, read)),
        ("GET", "/keys/{name}/versions", Op("Keys_GetKeyVersions", keys.versions, p("list", "read"))),
        ("PATCH", "/keys/{name}", Op("Keys_UpdateKey", keys.update, p("update", "update/action"))),
        ("PATCH", "/keys/{name}/{version}", Op("Keys_UpdateKey", keys.update, p("update", "update/action"))),
        ("DELETE", "/keys/{name}", Op("Keys_DeleteKey", life.delete, p("delete", "delete"))),
        ("POST", "/keys/{name}/backup", Op("Keys_BackupKey", life.backup, p("backup", "backup/action"))),
        ("POST", "/keys/restore", Op("Keys_RestoreKey", life.restore, p("restore", "restore/action"))),
        ("POST", "/keys/{name}/rotate", Op("Keys_RotateKey", keys.rotate, p("rotate", "rotate/action"), since="7.3",
                                           request_type=create)),
        ("GET", "/keys/{name}/rotationpolicy",
         Op("Keys_GetKeyRotationPolicy", keys.get_rotation_policy,
            Permission("keys", "getrotationpolicy", V + "keyrotationpolicies/read"), since="7.3")),
        ("PUT", "/keys/{name}/rotationpolicy",
         Op("Keys_UpdateKeyRotationPolicy", keys.set_rotation_policy,
            Permission("keys", "setrotationpolicy", V + "keyrotationpolicies/write"), since="7.3")),
        ("GET", "/deletedkeys", Op("Keys_GetDeletedKeys", life.list_deleted, p("list", "read"))),
        ("GET", "/deletedkeys/{name}", Op("Keys_GetDeletedKey", life.get_deleted, read)),
        ("DELETE", "/deletedkeys/{name}", Op("Keys_PurgeDeletedKey", life.purge, p("purge", "purge/action"))),
        ("POST", "/deletedkeys/{name}/recover", Op("Keys_RecoverDeletedKey", life.recover, p("recover", "recover/action"))),
        *both("Keys_Encrypt", "encrypt", ops.encrypt, p("encrypt", "encrypt/action")),
        *both("Keys_Decrypt", "decrypt", ops.decrypt, p("decrypt", "decrypt/action")),
        *both("Keys_Sign", "sign", ops.sign, p("sign", "sign/action")),
        *both("Keys_Verify", "verify", ops.verify, p("verify", "verify/action")),
        *both("Keys_WrapKey", "wrapkey", ops.wrap_key, p("wrapkey", "wrap/action")),
        *both("Keys_UnwrapKey", "unwrapkey", ops.unwrap_key, p("unwrapkey", "unwrap/action")),
        *both("Keys_Release", "release", release.release, p("release", "release/action"), since="7.3"),
    ]

"""Routes of certificates (certificates.json in the REST specs): each names its operation id, the
access-policy permission and RBAC data action it needs, and from which api-version it exists."""

from __future__ import annotations

from vaultlink.vault.auth import Permission
from vaultlink.vault.certificates.contacts import CertificateContacts
from vaultlink.vault.certificates.lifecycle import CertificateLifecycle
from vaultlink.vault.certificates.operations import CertificateOperations
from vaultlink.vault.certificates.service import Certificates
from vaultlink.vault.request import Op, Route

C = "Microsoft.KeyVault/vaults/certificates/"
V = "Microsoft.KeyVault/vaults/"


def routes(certs: Certificates, life: CertificateLifecycle, ops: CertificateOperations,
           contacts: CertificateContacts) -> list[Route]:
    def p(name: str, action: str) -> Permission:
        return Permission("certificates", name, C + action)

    def q(name: str, action: str) -> Permission:
        return Permission("certificates", name, V + action)

    read, update, create = p("get", "read"), p("update", "update/action"), p("create", "create/action")
    contacts_read, contacts_write = q("managecontacts", "certificatecontacts/read"), q("managecontacts", "certificatecontacts/write")
    issuers_write = q("setissuers", "certificatecas/write")
    return [
        ("GET", "/certificates", Op("Certificates_GetCertificates", certs.list_certificates, p("list", "read"))),
        ("GET", "/certificates/{name}", Op("Certificates_GetCertificate", certs.get, read)),
        ("GET", "/certificates/{name}/{version}", Op("Certificates_GetCertificate", certs.get, read)),
        ("GET", "/certificates/{name}/versions", Op("Certificates_GetCertificateVersions", certs.versions, p("list", "read"))),
        ("POST", "/certificates/{name}/create", Op("Certificates_CreateCertificate", certs.create, create)),
        ("POST", "/certificates/{name}/import",
         Op("Certificates_ImportCertificate", certs.import_certificate, p("import", "import/action"))),
        ("PATCH", "/certificates/{name}", Op("Certificates_UpdateCertificate", certs.update, update)),
        ("PATCH", "/certificates/{name}/{version}", Op("Certificates_UpdateCertificate", certs.update, update)),
        ("DELETE", "/certificates/{name}", Op("Certificates_DeleteCertificate", life.delete, p("delete", "delete"))),
        ("GET", "/certificates/{name}/policy", Op("Certificates_GetCertificatePolicy", certs.get_policy, read)),
        ("PATCH", "/certificates/{name}/policy", Op("Certificates_UpdateCertificatePolicy", certs.update_policy, update)),
        ("GET", "/certificates/{name}/pending", Op("Certificates_GetCertificateOperation", ops.get, read)),
        ("PATCH", "/certificates/{name}/pending", Op("Certificates_UpdateCertificateOperation", ops.update, update)),
        ("DELETE", "/certificates/{name}/pending", Op("Certificates_DeleteCertificateOperation", ops.delete, update)),
        ("POST", "/certificates/{name}/pending/merge", Op("Certificates_MergeCertificate", ops.merge, create)),
        ("POST", "/certificates/{name}/backup",
         Op("Certificates_BackupCertificate", life.backup, p("backup", "backup/action"))),
        ("POST", "/certificates/restore",
         Op("Certificates_RestoreCertificate", life.restore, p("restore", "restore/action"))),
        ("GET", "/deletedcertificates", Op("Certificates_GetDeletedCertificates", life.list_deleted, p("list", "read"))),
        ("GET", "/deletedcertificates/{name}", Op("Certificates_GetDeletedCertificate", life.get_deleted, read)),
        ("DELETE", "/deletedcertificates/{name}",
         Op("Certificates_PurgeDeletedCertificate", life.purge, p("purge", "purge/action"))),
        ("POST", "/deletedcertificates/{name}/recover",
         Op("Certificates_RecoverDeletedCertificate", life.recover, p("recover", "recover/action"))),
        ("GET", "/certificates/contacts", Op("Certificates_GetCertificateContacts", contacts.get_contacts, contacts_read)),
        ("PUT", "/certificates/contacts", Op("Certificates_SetCertificateContacts", contacts.set_contacts, contacts_write)),
        ("DELETE", "/certificates/contacts",
         Op("Certificates_DeleteCertificateContacts", contacts.delete_contacts, contacts_write)),
        ("GET", "/certificates/issuers",
         Op("Certificates_GetCertificateIssuers", contacts.list_issuers, q("listissuers", "certificatecas/read"))),
        ("GET", "/certificates/issuers/{issuer}",
         Op("Certificates_GetCertificateIssuer", contacts.get_issuer, q("getissuers", "certificatecas/read"))),
        ("PUT", "/certificates/issuers/{issuer}", Op("Certificates_SetCertificateIssuer", contacts.set_issuer, issuers_write)),
        ("PATCH", "/certificates/issuers/{issuer}",
         Op("Certificates_UpdateCertificateIssuer", contacts.update_issuer, issuers_write)),
        ("DELETE", "/certificates/issuers/{issuer}",
         Op("Certificates_DeleteCertificateIssuer", contacts.delete_issuer, q("deleteissuers", "certificatecas/delete"))),
    ]

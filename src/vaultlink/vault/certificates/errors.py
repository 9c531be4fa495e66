"""Errors of certificates, their pending operations, contacts and issuers, in Key Vault's envelope (vault/errors.py has the shared ones)."""

from __future__ import annotations

from vaultlink.core import errors


class CertificateNotFound(errors.NotFound):
    """A certificate with (name/id) {name} was not found in this key vault. If you recently deleted this
    certificate you may be able to recover it using the correct recovery command. For help resolving this issue,
    please see https://go.microsoft.com/fwlink/?linkid=2125182"""


class DeletedCertificateNotFound(CertificateNotFound):
    """Deleted Certificate not found: {name}"""

    code = "CertificateNotFound"


class PendingCertificateNotFound(errors.NotFound):
    """Pending certificate not found: {name}"""


class ContactsNotFound(errors.NotFound):
    """Contacts not found"""


class CertificateIssuerNotFound(errors.NotFound):
    """Issuer not found: {name}"""

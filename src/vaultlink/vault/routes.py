"""Every data-plane route, as the ARM providers list theirs: secrets, keys, and certificates with the keys and
secrets they manage. Each route names its Azure operation id (`Keys_Sign`), what it needs, and from which
api-version it exists (`versions.py` has the registry); the rooms' routes.py hold the tables."""

from __future__ import annotations

from vaultlink.store import Store
from vaultlink.store.sealing import Sealer
from vaultlink.vault.certificates import routes as certificates
from vaultlink.vault.certificates.contacts import CertificateContacts
from vaultlink.vault.certificates.lifecycle import CertificateLifecycle
from vaultlink.vault.certificates.operations import CertificateOperations
from vaultlink.vault.certificates.service import Certificates
from vaultlink.vault.keys import routes as keys
from vaultlink.vault.keys.lifecycle import KeyLifecycle
from vaultlink.vault.keys.operations import KeyOperations
from vaultlink.vault.keys.release import KeyRelease, Sign, Verify
from vaultlink.vault.keys.service import Keys
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Route
from vaultlink.vault.secrets import routes as secrets
from vaultlink.vault.secrets.lifecycle import SecretLifecycle
from vaultlink.vault.secrets.service import Secrets


def vault_routes(store: Store, protector: Protector, sealer: Sealer, attestation: Verify, sign: Sign) -> list[Route]:
    """`attestation` verifies the tokens a key release names; `sign` signs what a release hands out."""
    key_service = Keys(store, protector)
    key_life = KeyLifecycle(key_service, sealer)
    certs = Certificates(store, key_service, protector)
    secret_service = Secrets(store, protector)
    return (
        secrets.routes(secret_service, SecretLifecycle(secret_service, sealer), certs.owns)
        + keys.routes(key_service, key_life, KeyOperations(key_service), KeyRelease(key_service, attestation, sign))
        + certificates.routes(certs, CertificateLifecycle(certs, key_life, sealer), CertificateOperations(certs),
                              CertificateContacts(store, protector))
    )

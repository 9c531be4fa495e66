"""Keys: RSA and EC keys, the JWK operations, rotation, soft delete, recovery, purge, backup and restore, and
release to an attested environment (`release.py`, with the release policy's grammar in `releasepolicy.py`)."""

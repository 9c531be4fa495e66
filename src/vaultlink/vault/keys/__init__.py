"""Keys: RSA and EC keys, the JWK operations, rotation, soft delete, recovery, purge, backup and restore."""

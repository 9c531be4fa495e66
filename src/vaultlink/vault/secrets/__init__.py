"""Secrets: versioned values, soft delete, recovery, purge, backup and restore."""

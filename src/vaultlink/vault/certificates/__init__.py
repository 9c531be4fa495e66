"""Certificates: issuance by policy, import, pending operations, contacts and issuers, and the key and secret
of the same name that each certificate manages."""

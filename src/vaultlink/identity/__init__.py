"""Identity: Entra ID as vaultlink plays it.

Owns: tenants, subscriptions, service principals, users and managed identities (`directory.py`); the signing
key, token minting and token checks (`tokens.py`); the login.microsoftonline.com endpoints (`login.py`) and
Microsoft Graph v1.0 for the az workflows (`graph.py`, `graphobjects.py`, `graphquery.py`, application
registrations in `applications.py`). Authorization (role assignments) lands here too. Microsoft Azure
Attestation, the token service key release trusts, is `attestation.py`.
May import: store, core. Start with `tokens.py`.
"""

"""Identity: Entra ID as vaultlink plays it.

Owns: tenants, subscriptions, service principals, users and managed identities (`directory.py`); the signing
key, token minting and token checks (`tokens.py`); the login.microsoftonline.com endpoints (`login.py`) and
the few Microsoft Graph calls the az CLI makes (`graph.py`). Authorization (role assignments) lands here too.
May import: store, core. Start with `tokens.py`.
"""

"""Identity: Entra ID as vaultlink plays it.

Owns: tenants, subscriptions, service principals, users and managed identities (`directory.py`); the signing
key, token minting and token checks (`tokens.py`); the login.microsoftonline.com endpoints (`login.py`) and
Microsoft Graph v1.0 for the az workflows (`graph.py`, `graphobjects.py`, `graphquery.py`, application
registrations in `applications.py`). Authorization (role assignments) lands here too. Microsoft Azure
Attestation, the token service key release trusts, is `attestation.py`. What every start needs (`bootstrap.py`:
the root key, vaultlink's own signing keys sealed in the store, the default tenant and its principals) and az
signed in as the default service principal in the data directory's profile (`azcli.py`).
May import: store, core. Start with `tokens.py`.
"""

"""The Key Vault data plane at <vault>.vault.azure.net: secrets, keys and certificates, encrypted at rest.

Owns: the data-plane API, its objects, and the vault's own gate: network admission (`network.py`, the
vault's network rules over an injected topology snapshot) and authorization (`auth.py`, RBAC or access
policies). May import: identity, network, store, core. Start with `app.py` (the pipeline, in order), then
`routes.py` (every operation by its Azure operation id) and the rooms `secrets/`, `keys/`, `certificates/`.
Each decision goes to the decision log the runtime injects (the diagnose room keeps it).
"""

"""The Key Vault data plane at <vault>.vault.azure.net: secrets, keys and certificates, encrypted at rest.

Owns: the data-plane API and its objects. May import: identity, network, store, core. (Arrives with the
data-plane work; until then the edge answers vault hosts with a clear refusal.)
"""

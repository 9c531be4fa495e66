"""The web pages: a portal view of vaults, networks, endpoints and the decisions that refused a request.

Owns: HTML served on the portal host. May import: identity, network, store, core.
"""

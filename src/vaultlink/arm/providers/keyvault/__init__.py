"""Microsoft.KeyVault: vaults, soft-deleted vaults, access policies, the firewall settings, private link
resources and private endpoint connections.

Start with routes.py (every operation and its RBAC action). model.py holds the rules for a vault's settings
(pure), schemas.py the wire shapes, service.py the vault operations, deleted.py the global name index and soft
delete, connections.py the vault's side of private link (arm/privatelink.py holds the shared state machine).
"""

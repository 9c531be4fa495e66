"""vaultlink: Azure Key Vault with Azure Private Link, on one machine.

The package is built in rooms (see each sub-package's docstring for its contract):
core -> store -> identity/network -> arm, vault, dns, edge, diagnose, portal -> runtime -> cli.
"""

__version__ = "0.1.0"

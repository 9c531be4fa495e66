"""The troubleshooter: the checks of the private-link troubleshooting guide, run over live state (or over
JSON exported from real Azure), explaining each DNS answer and each refusal by replaying the network model's
decisions.

Owns: checks and explanations. May import: identity, network, store, core.
"""

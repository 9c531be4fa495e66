"""The troubleshooter: the decision log of the data plane (`decisions.py`: network admission and then
authorization, for each recent request, kept across restarts), and the checks of the private-link
troubleshooting guide run over live state (or over JSON exported from real Azure), explaining each DNS answer
and each refusal by replaying the network model's decisions; `live.py` runs them over a running server's state.

Owns: decisions, checks and explanations. May import: identity, network, store, core.
"""

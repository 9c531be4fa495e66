"""The composition root: builds the store, the directory, the apps, the DNS server and the edge, wires them
to each other, and runs them. It holds no behaviour of its own beyond that wiring.

Owns: start-up and shutdown (`server.py`), which app serves which host (`hosts.py`, and `arrivals.py`: vault
hosts through `network.arrive`), and the two adapters where rooms meet: the data plane's view of a vault from
the control plane's records (`vaults.py`) and the edge's `locate` from a machine's proxy credential
(`machines.py`). May import every room below it. Start with `server.py`.
"""

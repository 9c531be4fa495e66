"""The network model: locations, topology, IP allocation, and the pure functions resolve, route and admit.

Owns: where a request or a DNS query comes from and what it meets on the way. May import: core only (no
web framework, no store). Everything here is a value or a pure function over a snapshot of the topology.
Start with `location.py`; `paths.py` says which DNS server a place reaches (peering, VPN connections), and
`onprem.py` is the troubleshooter's on-premises check as a value.
"""

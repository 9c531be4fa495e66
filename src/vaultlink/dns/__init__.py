"""The DNS server: wire format in, network.resolve, wire format out, per location (the internet's resolver
and one per virtual network).

Owns: UDP and TCP listeners on loopback. May import: network, core.
"""

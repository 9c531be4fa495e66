"""The DNS server: wire format in, network.resolve, wire format out, per location (the internet's resolver
and one per virtual network).

Owns: UDP and TCP listeners on loopback. May import: network, core. Start with `server.py` (DnsServer: one
listener pair per view); `responder.py` is bytes in, bytes out with the answer cache; `encode.py` turns an
Answer into cacheable bytes; `wire.py` is the format.
"""

"""Microsoft.Network/privateDnsZones: zones, virtual network links and record sets.

Start with `routes.py` (every operation, its RBAC action, and the deletion hooks), then `zones.py`, `links.py`,
`recordsets.py`. Shared rules live in `model.py` (ids, names, ETag conditions, pages) and `records.py` (record
values per type); wire shapes in `schemas.py`; errors in `errors.py`. Storage is `arm/dnsrecords.py`, shared with
private endpoints' zone groups and read by the DNS server (`linked_zones`).
"""

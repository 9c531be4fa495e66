"""Microsoft.Network: virtual networks, subnets, network interfaces, private endpoints and their DNS zone
groups."""

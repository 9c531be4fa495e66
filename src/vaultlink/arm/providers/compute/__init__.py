"""Microsoft.Compute: virtual machines, minimal but real: each has network interfaces in a subnet with
dynamically allocated private addresses, and a machine record (a public address and a proxy credential) that
lets a shell stand "on" it.

Start with routes.py. schemas.py holds the request checks and wire shapes, vms.py the operations, sidecar.py
the machine record; the interfaces themselves are Microsoft.Network's (arm/providers/network/nics.py).
"""

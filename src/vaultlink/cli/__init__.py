"""The `vaultlink` command: up, status, env, the identity commands, and the machines (`vm`).

Owns: arguments, exit codes and printed output (the user's contract in DESIGN.md). May import: runtime and
everything below it. Every command takes --data-dir and finds the running server from it; errors go to
stderr with exit code 1. Start with `main.py`; `common.py` holds what every command shares, `vm.py` the
machines.
"""

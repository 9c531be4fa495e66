"""The `vaultlink` command: up, status, env, the identity commands, and the machines (`vm`).

Owns: arguments, exit codes and printed output (the user's contract in DESIGN.md). May import: runtime and
everything below it. Every command takes --data-dir and finds the running server from it; errors go to
stderr with exit code 1. Start with `main.py`; `common.py` holds what every command shares (and the export
lines of `vaultlink env`), `starting.py` what `up` prints, `vm.py` the machines, `why.py` a request's decision,
`seed.py` the seed's topology that `demo.py` (and the pytest plugin) build. `env` and `status` import neither the
server nor HTTP/TLS modules, so they answer at once; `vm`, `demo` and `why` are imported only when named.
"""

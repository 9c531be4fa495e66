"""The reliability suite: adversarial probes of a running vaultlink (kills, races, fuzzing, forged credentials).

Each probe runs small in `make test` and at full size in `make reliability` (VAULTLINK_LONG=1), and reports
one line: its cases and its failures.
"""

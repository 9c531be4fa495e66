"""The ground floor: ARM resource ids, the error tree, the clock and configuration.

Owns: values every other room shares. May import: the standard library only.
Start with `errors.py` (every Azure error is a class there) and `ids.py`.
"""

"""The ground floor: ARM resource ids, the error tree, the clock, configuration, OData's `$filter` as a tree
(`odata.py`) and the data directory's files (`files.py`, which the light commands read without loading the
server).

Owns: values every other room shares. May import: the standard library only.
Start with `errors.py` (every Azure error is a class there) and `ids.py`.
"""

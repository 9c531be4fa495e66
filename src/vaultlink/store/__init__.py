"""The store: versioned JSON records, grouped by kind, keyed by a case-folded key, changed in transactions.

Owns: persistence. May import: core. Backends: `sqlite.py` (embedded default, WAL mode) and `postgres.py`
(several vaultlink processes sharing one state). Start with `base.py`; `open_store(url)` (`opening.py`) picks the
backend, after `urls.py` has parsed the URL.
"""

from vaultlink.store.base import (
    ANY_VERSION,
    EVERYTHING,
    Change,
    Reader,
    Record,
    Store,
    StoreConflict,
    Transaction,
    iterate,
)
from vaultlink.store.opening import open_store

__all__ = ["ANY_VERSION", "EVERYTHING", "Change", "Reader", "Record", "Store", "StoreConflict", "Transaction", "iterate", "open_store"]

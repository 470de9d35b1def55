"""The wirewatch database: SQLAlchemy models and the Store that reads and writes them.

A leaf package: it imports nothing else of wirewatch. Callers hand it plain values.
"""

from storage.errors import StoreError
from storage.store import (
    ArticleSnapshot,
    FetchRecord,
    Store,
    StoreOutcome,
)

__all__ = ["ArticleSnapshot", "FetchRecord", "Store", "StoreError", "StoreOutcome"]

"""Storage: the passage store (SQLite) and the vector index (FAISS) behind one small interface.

Knows nothing of the domain (``qa``), the HTTP service (``api``) or evaluation (``eval``).
"""

from index.base import PassageIndex, SearchFilters, SearchResult
from index.errors import (
    CorruptIndexError,
    DiskFullError,
    ModelMismatchError,
    ReadOnlyIndexError,
    StorageError,
)
from index.local import LocalIndex
from index.records import Document, PassageRow

__all__ = [
    "CorruptIndexError",
    "DiskFullError",
    "Document",
    "LocalIndex",
    "ModelMismatchError",
    "PassageIndex",
    "PassageRow",
    "ReadOnlyIndexError",
    "SearchFilters",
    "SearchResult",
    "StorageError",
]

"""Storage behind one small protocol, with two backends: ``index.local`` (SQLite and FAISS
in one directory) and ``index.milvus`` (a Milvus server or milvus-lite).

What both share lives here: the protocol, the rows, the errors and the near-copy
signatures. A backend's class is imported when it is first named, so ``import index``
loads neither faiss nor pymilvus. Knows nothing of the domain (``qa``), the HTTP service
(``api``), evaluation (``eval``) or the benchmarks (``bench``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from index.errors import (
    CorruptIndexError,
    DiskFullError,
    ModelMismatchError,
    ReadOnlyIndexError,
    StorageError,
)
from index.protocol import PassageIndex, SearchFilters, SearchResult
from index.records import Document, PassageRow

if TYPE_CHECKING:
    from index.local.local_index import LocalIndex
    from index.milvus.milvus_index import MilvusIndex

# A backend's class and the module that holds it, imported on first use.
_BACKENDS = {
    "LocalIndex": "index.local.local_index",
    "MilvusIndex": "index.milvus.milvus_index",
}


def __getattr__(name: str) -> Any:
    if name in _BACKENDS:
        return getattr(importlib.import_module(_BACKENDS[name]), name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")


__all__ = [
    "CorruptIndexError",
    "DiskFullError",
    "Document",
    "LocalIndex",
    "MilvusIndex",
    "ModelMismatchError",
    "PassageIndex",
    "PassageRow",
    "ReadOnlyIndexError",
    "SearchFilters",
    "SearchResult",
    "StorageError",
]

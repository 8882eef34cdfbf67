"""The small interface every storage engine implements.

FAISS + SQLite (``index.local.LocalIndex``) is the embedded default; an engine for more
passages than one machine holds is another implementation of the same protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.records import DocumentRow, PassageRow


@dataclass(frozen=True)
class SearchFilters:
    """Restricts a search. Empty fields do not restrict; dates compare as ISO strings."""

    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    published_from: str = ""
    published_to: str = ""

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.sources or self.published_from or self.published_to)


@dataclass(frozen=True)
class SearchResult:
    passage: PassageRow
    document: DocumentRow
    score: float


class PassageIndex(Protocol):
    model: str
    dimension: int

    def add_document(
        self, document: DocumentRow, passages: Sequence[PassageRow], vectors: np.ndarray
    ) -> None:
        """Store a document with its passages and their vectors, replacing one of the same id."""

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document and its passages; False when there was none."""

    def search(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[SearchResult]:
        """The k passages whose vectors have the highest inner product with ``vector``."""

    def count_documents(self) -> int: ...

    def count_passages(self) -> int: ...

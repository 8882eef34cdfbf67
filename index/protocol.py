"""The small interface every storage engine implements.

FAISS + SQLite (``index.local``) is the embedded default; Milvus (``index.milvus``), for
more passages than one machine holds, implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.records import Document, PassageRow


@dataclass(frozen=True)
class SearchFilters:
    """Restricts a search. Empty fields do not restrict; dates compare as ISO strings."""

    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    published_from: str = ""
    published_to: str = ""
    # An ISO date: articles published after it are left out, undated ones kept.
    published_by: str = ""

    def is_empty(self) -> bool:
        return not (
            self.doc_ids
            or self.sources
            or self.published_from
            or self.published_to
            or self.published_by
        )


@dataclass(frozen=True)
class SearchResult:
    passage: PassageRow
    document: Document
    score: float


class PassageIndex(Protocol):
    """What the domain needs of a storage engine: dense and lexical search returning keys,
    reading the candidates and citing them, writing and deleting documents, counts.

    A passage is known by an integer ``key`` shared by its vector and its row. Searches
    return (key, score) pairs best first, so that an engine reads rows only for the few
    candidates that are scored further.
    """

    def search_dense(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """(key, cosine similarity) of the k passages nearest a unit vector."""

    def search_lexical(
        self,
        terms: Sequence[str],
        k: int,
        *,
        title_weight: float = 1.0,
        filters: SearchFilters | None = None,
        term_cap: int | None = None,
    ) -> list[tuple[int, float]]:
        """(key, BM25 score) of the k passages best matching any term; terms found in more
        than ``term_cap`` passages left out."""

    def passages_holding(self, words: Sequence[str], limit: int = 1) -> list[int]:
        """How many passages hold each word, as the lexical search splits it."""

    def passage_vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        """The unit vector of each passage found."""

    def passages(self, keys: Sequence[int]) -> dict[int, PassageRow]:
        """The passages found, with their sentences' spans and vectors."""

    def published_dates(self, keys: Sequence[int]) -> dict[int, str]:
        """The publication date of each passage's document, as stored (empty: undated)."""

    def any_published_after(self, day: str) -> bool:
        """Whether a document is dated after an ISO day (a date-time on it is not); with
        an empty day, whether any document is dated."""

    def cite(self, scored: Sequence[tuple[PassageRow, float]]) -> list[SearchResult]:
        """Results with their documents' citation fields (and the author in metadata), in
        the given order; a passage whose document is gone is left out."""

    def near_copies(
        self, doc_ids: Sequence[str], threshold: float
    ) -> dict[str, list[tuple[str, float]]]:
        """For each stored document given, the other documents whose texts are near-copies
        of its text: estimated Jaccard similarity of their word 5-grams (MinHash signatures
        kept with each document, ``index.near_copies``) of ``threshold`` or more, most
        similar first."""

    def add_document(
        self, document: Document, passages: Sequence[PassageRow], vectors: np.ndarray
    ) -> None:
        """Store a document with its passages and their vectors, replacing one of the same
        id; durable when this returns."""

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document and its passages; False when there was none."""

    def get_document(self, doc_id: str) -> Document | None: ...

    def content_hash(self, doc_id: str) -> str | None:
        """The stored document's content hash, to skip an unchanged one at ingest."""

    def passages_of(self, doc_id: str) -> list[PassageRow]: ...

    def list_documents(self, limit: int, offset: int) -> list[tuple[Document, int]]:
        """A page of documents by id, each with its number of passages."""

    def count_documents(self) -> int: ...

    def count_passages(self) -> int: ...

    def flush(self) -> None:
        """Write what is kept in memory only (derived structures), after a batch of writes."""

    def read_ahead(self) -> None:
        """Ask for the index's local files to be read into memory in the background, where
        they fit (a server's first questions then read no disk); nothing where none are."""

    def close(self) -> None: ...

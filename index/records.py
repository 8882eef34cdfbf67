"""The rows the storage layer keeps: documents and their passages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Document:
    """An article. ``content_hash`` is what its stored passages were made from: empty until
    it is stored."""

    doc_id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    published: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""

    @property
    def author(self) -> str:
        """The byline its metadata gives (``author``: a name or a list of names), or ""."""
        return author_of(self.metadata)


def author_of(metadata: dict[str, Any]) -> str:
    author = metadata.get("author")
    if isinstance(author, str):
        return author.strip()
    if isinstance(author, list):
        return ", ".join(name.strip() for name in author if isinstance(name, str) and name.strip())
    return ""


@dataclass(frozen=True)
class PassageRow:
    """A span of a document. ``key`` is the integer id shared with the vector index.

    ``sentence_spans`` are the passage's sentences (offsets into ``text``) and
    ``sentence_vectors`` their unit vectors, one row each, kept to pick the answering
    sentence without another forward pass at question time.
    """

    key: int
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    sentence_spans: tuple[tuple[int, int], ...] = ()
    sentence_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)

"""The rows the storage layer keeps: documents and their passages."""

from __future__ import annotations

import json
from collections.abc import Mapping
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


# A document's stored fields, in the order both backends keep them.
DOCUMENT_FIELDS = (
    "doc_id",
    "title",
    "text",
    "source",
    "url",
    "published",
    "metadata",
    "content_hash",
)


def document_from_fields(fields: Mapping[str, Any], text: str | None = None) -> Document:
    """A stored document, its metadata kept as JSON text. ``text`` is given by a backend
    that keeps the text apart from the row (Milvus joins it from the passages)."""
    metadata = fields.get("metadata")
    return Document(
        doc_id=str(fields["doc_id"]),
        title=str(fields["title"]),
        text=str(fields.get("text", "")) if text is None else text,
        source=str(fields["source"]),
        url=str(fields["url"]),
        published=str(fields["published"]),
        metadata=json.loads(str(metadata)) if metadata else {},
        content_hash=str(fields.get("content_hash") or ""),
    )


def sentence_vector_bytes(vectors: np.ndarray | None) -> bytes:
    """Sentence vectors as stored: float16, which halves the space; choosing a sentence
    needs no more precision. Empty when there are none."""
    if vectors is None or not len(vectors):
        return b""
    return np.asarray(vectors, dtype=np.float16).tobytes()


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

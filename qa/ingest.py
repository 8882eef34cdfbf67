"""Ingesting documents: split into passages, embed in batches, store one document at a time.

Each document is written in its own transaction once all its passages are embedded, so an
interrupted ingest leaves every document either whole or absent, and a rerun picks up where
it stopped (documents already stored unchanged are skipped).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from tqdm import tqdm

from index import LocalIndex, PassageRow
from qa.documents import Document
from qa.encoder import Encoder
from qa.sentences import split_sentences
from qa.splitting import SPLITTER_VERSION, split_passages

WriteStatus = Literal["added", "replaced", "unchanged"]

# Documents are embedded in groups of about this many passages before they are written.
_GROUP_PASSAGES = 128


@dataclass
class IngestSummary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    passages: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, WriteStatus] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return self.added + self.replaced + self.unchanged

    def describe(self) -> str:
        rate = self.passages / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.documents} documents ({self.added} added, {self.replaced} replaced, "
            f"{self.unchanged} unchanged), {self.passages} passages embedded in "
            f"{self.seconds:.1f} s ({rate:.0f} passages/s), {len(self.errors)} errors"
        )


# The most word pieces of a title put before each passage when titles are embedded.
TITLE_TOKENS = 32


class Passager:
    """Splits documents into passages that the encoder takes whole (with the title, if any)."""

    def __init__(
        self, encoder: Encoder, passage_tokens: int, overlap_tokens: int, embed_title: bool = False
    ) -> None:
        self.encoder = encoder
        self.embed_title = embed_title
        reserved = TITLE_TOKENS + 1 if embed_title else 0
        self.max_tokens = min(passage_tokens, encoder.max_tokens - reserved)
        self.overlap_tokens = min(overlap_tokens, self.max_tokens // 2)
        # How passages are made: part of a stored document's hash, so that a change of
        # passage size (or of the splitter) re-splits documents instead of skipping them.
        self.recipe = f"{SPLITTER_VERSION}|{self.max_tokens}|{self.overlap_tokens}|{embed_title}"

    def stored_hash(self, document: Document) -> str:
        """What the store keeps for a document: its content and how it was split."""
        payload = f"{document.content_hash()}|{self.recipe}"
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def embedding_text(self, document: Document, passage: PassageRow) -> str:
        """What is embedded for a passage: its text, after a short title when so set."""
        if not self.embed_title or not document.title:
            return passage.text
        spans = self.encoder.token_spans(document.title)
        title = (
            document.title[: spans[TITLE_TOKENS - 1][1]]
            if len(spans) > TITLE_TOKENS
            else (document.title)
        )
        return f"{title}\n{passage.text}"

    def passages(self, document: Document) -> list[PassageRow]:
        spans = split_passages(
            document.text,
            count_tokens=self.encoder.count_tokens,
            token_spans=self.encoder.token_spans,
            max_tokens=self.max_tokens,
            overlap_tokens=self.overlap_tokens,
        )
        passages = []
        for ordinal, span in enumerate(spans):
            text = document.text[span.start : span.end]
            passages.append(
                PassageRow(
                    key=0,  # given by the store
                    doc_id=document.doc_id,
                    ordinal=ordinal,
                    start=span.start,
                    end=span.end,
                    text=text,
                    sentence_spans=tuple(split_sentences(text)),
                )
            )
        return passages


def ingest_documents(
    documents: Iterable[Document],
    *,
    index: LocalIndex,
    passager: Passager,
    batch_size: int,
    show_progress: bool = False,
) -> IngestSummary:
    started = time.perf_counter()
    summary = IngestSummary()
    latest: dict[str, Document] = {}
    for document in documents:
        if document.doc_id in latest:
            summary.errors.append(
                f"{document.doc_id}: appears more than once; the last one is kept"
            )
        latest[document.doc_id] = document

    pending: list[tuple[Document, list[PassageRow], WriteStatus]] = []
    for document in latest.values():
        stored_hash = index.content_hash(document.doc_id)
        if stored_hash == passager.stored_hash(document):
            summary.unchanged += 1
            summary.statuses[document.doc_id] = "unchanged"
            continue
        status: WriteStatus = "added" if stored_hash is None else "replaced"
        pending.append((document, passager.passages(document), status))

    total = sum(len(passages) for _, passages, _ in pending)
    with tqdm(
        total=total, unit="passage", desc="embedding", disable=not show_progress or not total
    ) as progress:
        for group in _groups(pending):
            texts = [
                passager.embedding_text(document, passage)
                for document, passages, _ in group
                for passage in passages
            ]
            sentences = _unique_sentences(group)
            vectors = passager.encoder.encode([*texts, *sentences.values()], batch_size=batch_size)
            sentence_vectors = dict(zip(sentences, vectors[len(texts) :], strict=True))
            offset = 0
            for document, passages, status in group:
                index.add_document(
                    replace(document.to_row(), content_hash=passager.stored_hash(document)),
                    [_with_sentence_vectors(passage, sentence_vectors) for passage in passages],
                    vectors[offset : offset + len(passages)],
                )
                offset += len(passages)
                summary.passages += len(passages)
                summary.statuses[document.doc_id] = status
                if status == "added":
                    summary.added += 1
                else:
                    summary.replaced += 1
            progress.update(len(texts))
    summary.seconds = time.perf_counter() - started
    return summary


def _unique_sentences(
    group: Sequence[tuple[Document, list[PassageRow], WriteStatus]],
) -> dict[tuple[str, int, int], str]:
    """Each sentence of the group once (overlapping passages share sentences), by its span."""
    sentences: dict[tuple[str, int, int], str] = {}
    for document, passages, _ in group:
        for passage in passages:
            for start, end in passage.sentence_spans:
                key = (document.doc_id, passage.start + start, passage.start + end)
                sentences.setdefault(key, passage.text[start:end])
    return sentences


def _with_sentence_vectors(
    passage: PassageRow, vectors: dict[tuple[str, int, int], np.ndarray]
) -> PassageRow:
    if not passage.sentence_spans:
        return passage
    rows = [
        vectors[(passage.doc_id, passage.start + start, passage.start + end)]
        for start, end in passage.sentence_spans
    ]
    return replace(passage, sentence_vectors=np.vstack(rows))


def _groups(
    pending: Sequence[tuple[Document, list[PassageRow], WriteStatus]],
) -> Iterable[list[tuple[Document, list[PassageRow], WriteStatus]]]:
    group: list[tuple[Document, list[PassageRow], WriteStatus]] = []
    size = 0
    for item in pending:
        group.append(item)
        size += len(item[1])
        if size >= _GROUP_PASSAGES:
            yield group
            group, size = [], 0
    if group:
        yield group

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
from functools import partial
from typing import Literal

import numpy as np
from tqdm import tqdm

from index import PassageIndex, PassageRow
from qa.documents import Document, content_hash
from qa.encoding.encoder import Encoder, encode_spans_alone
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
        self,
        encoder: Encoder,
        passage_tokens: int,
        overlap_tokens: int,
        embed_title: bool = False,
        sentences_in_context: bool = True,
    ) -> None:
        self.encoder = encoder
        self.embed_title = embed_title
        # Sentence vectors read from the passage's own forward pass, or encoded alone.
        self.sentences_in_context = sentences_in_context
        reserved = TITLE_TOKENS + 1 if embed_title else 0
        self.max_tokens = min(passage_tokens, encoder.max_tokens - reserved)
        self.overlap_tokens = min(overlap_tokens, self.max_tokens // 2)
        # How passages are made: part of a stored document's hash, so that a change of
        # passage size (or of the splitter) re-splits documents instead of skipping them.
        sentences = "context" if sentences_in_context else "alone"
        self.recipe = (
            f"{SPLITTER_VERSION}|{self.max_tokens}|{self.overlap_tokens}|{embed_title}|{sentences}"
        )

    def stored_hash(self, document: Document) -> str:
        """What the store keeps for a document: its content and how it was split."""
        payload = f"{content_hash(document)}|{self.recipe}"
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def embedding_text(
        self, document: Document, passage: PassageRow
    ) -> tuple[str, list[tuple[int, int]]]:
        """What is embedded for a passage: its text, after a short title when so set, and
        the spans of its sentences in that text."""
        if not self.embed_title or not document.title:
            return passage.text, list(passage.sentence_spans)
        spans = self.encoder.token_spans(document.title)
        title = (
            document.title[: spans[TITLE_TOKENS - 1][1]]
            if len(spans) > TITLE_TOKENS
            else (document.title)
        )
        shift = len(title) + 1
        return f"{title}\n{passage.text}", [
            (a + shift, b + shift) for a, b in passage.sentence_spans
        ]

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
    index: PassageIndex,
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
            embedded = [
                passager.embedding_text(document, passage)
                for document, passages, _ in group
                for passage in passages
            ]
            encode = (
                passager.encoder.encode_in_context
                if passager.sentences_in_context
                else partial(encode_spans_alone, passager.encoder)
            )
            encoded = encode(
                [text for text, _ in embedded],
                [spans for _, spans in embedded],
                batch_size=batch_size,
            )
            offset = 0
            for document, passages, status in group:
                mine = encoded[offset : offset + len(passages)]
                index.add_document(
                    replace(document, content_hash=passager.stored_hash(document)),
                    [
                        replace(passage, sentence_vectors=sentence_vectors)
                        if passage.sentence_spans
                        else passage
                        for passage, (_, sentence_vectors) in zip(passages, mine, strict=True)
                    ],
                    np.vstack([vector for vector, _ in mine]),
                )
                offset += len(passages)
                summary.passages += len(passages)
                summary.statuses[document.doc_id] = status
                if status == "added":
                    summary.added += 1
                else:
                    summary.replaced += 1
            progress.update(len(embedded))
    summary.seconds = time.perf_counter() - started
    return summary


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

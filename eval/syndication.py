"""Syndicated copies of an article, as outlets republish a wire story: a different byline
and dateline on top, a footer, a sentence added to or cut from a paragraph, straight
quotes for curly ones; or the story cut for length. Used by the tests and by
``python -m eval.folding``."""

from __future__ import annotations

import random
import re

from qa.documents import Document

OUTLETS = ["Harbour Herald", "Valley Courier", "Northern Star", "City Ledger", "Coast Times"]
_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


def syndicated_copy(document: Document, outlet: str, seed: int) -> Document:
    rng = random.Random(seed)
    paragraphs = [line for line in document.text.splitlines() if line.strip()]
    if seed % 2:  # straight quotes, as many content systems write them
        paragraphs = [p.replace("“", '"').replace("”", '"').replace("’", "'") for p in paragraphs]
    changed = rng.randrange(len(paragraphs))
    sentences = _SENTENCE_END.split(paragraphs[changed])
    if len(sentences) > 1 and seed % 3 == 0:
        del sentences[rng.randrange(len(sentences))]  # a sentence cut
    else:
        sentences.append(f"{outlet} contributed reporting.")  # a sentence added
    paragraphs[changed] = " ".join(sentences)
    header = [f"By {outlet} staff and wire reports", f"{outlet.upper()} —"]
    footer = [f"Copyright 2025 {outlet}. All rights reserved.", "Follow us for more news."]
    return Document(
        doc_id=f"{document.doc_id}-copy-{seed}",
        title=document.title if seed % 2 else f"{document.title} | {outlet}",
        text="\n".join(header + paragraphs + footer),
        source=outlet,
        url=f"https://{outlet.lower().replace(' ', '')}.example.com/{document.doc_id}",
        published=document.published,
    )


def syndicated_copies(document: Document, count: int = 5) -> list[Document]:
    return [syndicated_copy(document, OUTLETS[n % len(OUTLETS)], n) for n in range(count)]


def trimmed_copy(document: Document, kept: float) -> Document:
    """The article's first ``kept`` share of paragraphs under another outlet's name, as an
    outlet runs a wire story cut for length."""
    paragraphs = [line for line in document.text.splitlines() if line.strip()]
    keep = max(1, round(len(paragraphs) * kept))
    return Document(
        doc_id=f"{document.doc_id}-trimmed",
        title=document.title,
        text="\n".join(paragraphs[:keep]),
        source="Metro Daily",
        url=f"https://metrodaily.example.com/{document.doc_id}",
        published=document.published,
    )

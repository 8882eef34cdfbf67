"""A synthetic index of many passages, for timing the whole ``/ask`` at scale.

Embedding a million real passages would take this machine most of a day, so the passages
are made from the real ones of a small index (SQuAD articles ingested by ``qa``): each
synthetic passage is a real passage with one of its sentences swapped for a sentence of
another real passage. Texts, sentence spans and sentence vectors are therefore real text
and real vectors; the passage vector is a blend of the two source passages' vectors plus
noise (``bench.vector_scale.blend``), as in the vector-only measurement. Everything is
written through the store's own write path and the vector index is built by ``LocalIndex``
as the server would build it (HNSW from ``QA_HNSW_FROM`` passages on).

Its vocabulary is the source articles' (about 10,000 terms) spread over a million
passages, so a question's words match far more passages than they would in a real news
archive: the lexical search is timed on a harder case than a real one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bench.vector_scale import blend
from index.local.layout import STORE_NAME, VECTOR_NAME
from index.local.local_index import LocalIndex
from index.local.sqlite_store import PassageStore
from index.records import Document, PassageRow

# About a long news article's worth of text.
PASSAGES_PER_DOCUMENT = 10
# Written beside the index when it is complete: a half-built corpus is never reused.
DONE_NAME = "synthetic.json"


@dataclass(frozen=True)
class SourcePassage:
    title: str
    sentences: list[str]
    sentence_vectors: np.ndarray
    vector: np.ndarray


def read_source(directory: Path) -> list[SourcePassage]:
    """Every passage of a real index that has sentence vectors."""
    store = PassageStore(directory / STORE_NAME)
    try:
        out = []
        documents = store.list_documents(limit=1_000_000, offset=0)
        for document, _ in documents:
            keys = [passage.key for passage in store.passages_of(document.doc_id)]
            vectors = store.vectors_of(keys)
            for passage in store.passages(keys).values():
                if passage.sentence_vectors is None or not passage.sentence_spans:
                    continue
                out.append(
                    SourcePassage(
                        title=document.title,
                        sentences=[passage.text[a:b] for a, b in passage.sentence_spans],
                        sentence_vectors=np.asarray(passage.sentence_vectors, dtype=np.float32),
                        vector=vectors[passage.key][0],
                    )
                )
        return out
    finally:
        store.close()


def _synthetic_passage(
    sources: list[SourcePassage], rng: np.random.Generator
) -> tuple[list[str], np.ndarray, np.ndarray, str]:
    first, second = (sources[i] for i in rng.integers(0, len(sources), 2))
    sentences = list(first.sentences)
    vectors = first.sentence_vectors.copy()
    swapped = int(rng.integers(0, len(sentences)))
    taken = int(rng.integers(0, len(second.sentences)))
    sentences[swapped] = second.sentences[taken]
    vectors[swapped] = second.sentence_vectors[taken]
    vector = blend(first.vector[None, :], second.vector[None, :], rng)[0]
    return sentences, vectors, vector, first.title


def _document(
    number: int, sources: list[SourcePassage], rng: np.random.Generator, count: int
) -> tuple[Document, list[PassageRow], np.ndarray]:
    texts, passages, vectors = [], [], []
    offset = 0
    title = ""
    for ordinal in range(count):
        sentences, sentence_vectors, vector, title = _synthetic_passage(sources, rng)
        spans, text, cursor = [], "", 0
        for sentence in sentences:
            if text:
                text += " "
                cursor += 1
            spans.append((cursor, cursor + len(sentence)))
            text += sentence
            cursor += len(sentence)
        passages.append(
            PassageRow(
                key=0,
                doc_id=f"synthetic-{number}",
                ordinal=ordinal,
                start=offset,
                end=offset + len(text),
                text=text,
                sentence_spans=tuple(spans),
                sentence_vectors=sentence_vectors,
            )
        )
        texts.append(text)
        vectors.append(vector)
        offset += len(text) + 2  # the paragraph break below
    document = Document(
        doc_id=f"synthetic-{number}",
        title=f"{title} (synthetic {number})",
        text="\n\n".join(texts),
        source="synthetic",
        url=f"https://example.org/synthetic/{number}",
        published="2026-01-01",
        content_hash=f"synthetic-{number}",
    )
    return document, passages, np.vstack(vectors)


def build_synthetic_index(
    source_dir: Path,
    target: Path,
    passages: int,
    model: str,
    dimension: int,
    hnsw_from: int,
    seed: int = 0,
) -> dict[str, float]:
    """Build (or reuse, when already complete) a synthetic index of ``passages`` passages."""
    done = target / DONE_NAME
    if done.is_file():
        built = json.loads(done.read_text(encoding="utf-8"))
        if (built.get("passages"), built.get("model")) == (passages, model):
            figures = {key: float(value) for key, value in built["figures"].items()}
            return _with_current_vectors(target, figures, model, dimension, hnsw_from)
    if target.exists():
        for path in target.iterdir():
            path.unlink()
    sources = read_source(source_dir)
    if not sources:
        raise ValueError(f"the index at {source_dir} has no passages with sentence vectors")
    rng = np.random.default_rng(seed)
    target.mkdir(parents=True, exist_ok=True)
    store = PassageStore(target / STORE_NAME)
    started = time.perf_counter()
    try:
        store.bind_model(model, dimension)
        for number in tqdm(
            range(0, passages, PASSAGES_PER_DOCUMENT), desc="synthetic passages", unit="doc"
        ):
            count = min(PASSAGES_PER_DOCUMENT, passages - number)
            store.upsert_document(*_document(number, sources, rng, count))
    finally:
        store.close()
    store_seconds = time.perf_counter() - started
    # Opening the index builds its vector index from the store, as a server start would.
    started = time.perf_counter()
    LocalIndex(target, model, dimension, hnsw_from).close()
    vector_seconds = time.perf_counter() - started
    figures = {
        "store_build_seconds": round(store_seconds, 1),
        "vector_build_seconds": round(vector_seconds, 1),
        "store_mb": round((target / STORE_NAME).stat().st_size / 2**20, 1),
        "vector_mb": round((target / VECTOR_NAME).stat().st_size / 2**20, 1),
    }
    done.write_text(
        json.dumps({"passages": passages, "model": model, "figures": figures}), encoding="utf-8"
    )
    return figures


def _with_current_vectors(
    target: Path, figures: dict[str, float], model: str, dimension: int, hnsw_from: int
) -> dict[str, float]:
    """Open a reused index as a server would, which rebuilds a vector index an earlier
    version built differently; when it did, its build is what the figures report."""
    vectors = target / VECTOR_NAME
    before = vectors.stat().st_mtime_ns if vectors.is_file() else None
    started = time.perf_counter()
    LocalIndex(target, model, dimension, hnsw_from).close()
    if vectors.stat().st_mtime_ns != before:
        figures["vector_build_seconds"] = round(time.perf_counter() - started, 1)
        figures["vector_mb"] = round(vectors.stat().st_size / 2**20, 1)
        done = target / DONE_NAME
        built = json.loads(done.read_text(encoding="utf-8"))
        done.write_text(json.dumps({**built, "figures": figures}), encoding="utf-8")
    return figures

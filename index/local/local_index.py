"""The embedded index: a directory with a SQLite passage store and a FAISS file beside it.

    <dir>/passages.sqlite3   documents, passages and vectors: the source of truth
    <dir>/vectors.faiss      the vector index, derived from the store
    <dir>/manifest.json      what vectors.faiss was built from (model, dimension, counts)

A missing, stale or corrupt FAISS file costs a rebuild from the store, never data.

Several processes may share a directory (a server answering while ``qa ingest`` adds
articles): every write bumps the store's generation, and an index whose in-memory vectors
are behind the store's generation rebuilds them, checking at most once a second.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from index.errors import CorruptIndexError, storage_error
from index.local import vector_blobs
from index.local.faiss_vectors import HNSW_EF_CONSTRUCTION, VectorIndex
from index.local.huge_pages import collapse_into_huge_pages
from index.local.layout import HNSW_FROM, IVF_FROM, STORE_NAME, VECTOR_NAME, VectorIndexChoice
from index.local.manifest import FORMAT_VERSION, Manifest, read_manifest, write_manifest
from index.local.page_cache import read_ahead
from index.local.sqlite_store import PassageStore
from index.protocol import SearchFilters, SearchResult
from index.records import Document, PassageRow

log = logging.getLogger(__name__)

# Vector indexes rebuilt from this many passages on show their progress.
PROGRESS_FROM = 50_000

T = TypeVar("T")

# How often a search looks whether another process wrote to the store.
REFRESH_INTERVAL_SECONDS = 1.0
# Vector indexes this large are backed by huge pages (index.local.huge_pages); smaller ones fit
# the processor's ordinary page tables well enough.
HUGE_PAGES_FROM_BYTES = 256 << 20
# A filter that lets through this share of the documents or more is applied to the best
# unfiltered candidates, WIDE_FILTER_DEPTH times as many as wanted, rather than by listing
# every key it admits (600 ms at a million passages). When enough of them pass, they are
# the filtered search's own first ones.
WIDE_FILTER_SHARE = 0.25
WIDE_FILTER_DEPTH = 8
# The store's tables a server reads through before the rest, in this order.
READ_FIRST = ("passage_vectors", "passage_dates", "copy_signatures", "copy_candidates")


def index_exists(directory: Path) -> bool:
    return (directory / STORE_NAME).is_file()


def stored_model(directory: Path) -> tuple[str, int] | None:
    """The (model, dimension) an existing index was built with, without loading it."""
    return _read_store(directory, PassageStore.stored_model)


def stored_passages(directory: Path) -> int:
    """How many passages an index holds (0 when there is none), without loading it."""
    return _read_store(directory, PassageStore.count_passages) or 0


def _read_store(directory: Path, read: Callable[[PassageStore], T]) -> T | None:
    if not index_exists(directory):
        return None
    store = PassageStore(directory / STORE_NAME)
    try:
        return read(store)
    finally:
        store.close()


def refuse_a_lost_store(directory: Path, manifest: Manifest | None = None) -> None:
    """A store that is gone or empty beside a manifest naming documents was lost, not
    never made: serving it as a new, empty index would hide the loss (and overwrite the
    manifest that tells of it)."""
    store = directory / STORE_NAME
    manifest = manifest or read_manifest(directory)
    if manifest is None or not manifest.documents:
        return
    if not store.is_file() or store.stat().st_size == 0:
        raise CorruptIndexError(_lost_store_message(directory, manifest))


def _lost_store_message(directory: Path, manifest: Manifest) -> str:
    return (
        f"the passage store {directory / STORE_NAME} is missing or empty, but the index's "
        f"manifest says it holds {manifest.documents} documents: restore the store from a "
        "backup, or move the directory away to build a new index"
    )


def why_vectors_stale(
    directory: Path, manifest: Manifest | None, generation: int, passages: int
) -> str | None:
    """Why the vector file cannot be loaded as it is, by its manifest (None: it can)."""
    if manifest is None:
        return "its manifest is missing or unreadable"
    if manifest.format_version != FORMAT_VERSION:
        return f"its format version is {manifest.format_version}, not {FORMAT_VERSION}"
    if manifest.generation != generation or manifest.passages != passages:
        return "it is older than the passage store"
    if not (directory / VECTOR_NAME).is_file():
        return "it is missing"
    return None


def refuse_a_broken_store(directory: Path, *, quick_check: bool = True) -> None:
    """CorruptIndexError, with one line naming the file, what is wrong and what to do, for
    a store that is lost, emptied beside its manifest, or damaged (SQLite's quick_check):
    the checks that need no model, so that a server refuses before it listens."""
    manifest = read_manifest(directory)
    refuse_a_lost_store(directory, manifest)
    if not index_exists(directory):
        return  # never made: a new index will be
    store = PassageStore(directory / STORE_NAME)
    try:
        _refuse_damage(store, directory, manifest, quick_check=quick_check)
    finally:
        store.close()


def _refuse_damage(
    store: PassageStore, directory: Path, manifest: Manifest | None, *, quick_check: bool
) -> None:
    if quick_check:
        store.quick_check()
    try:
        emptied = manifest is not None and manifest.documents and not store.count_documents()
    except sqlite3.DatabaseError as error:
        raise storage_error(error, directory / STORE_NAME) from error
    if emptied:
        assert manifest is not None
        raise CorruptIndexError(_lost_store_message(directory, manifest))


class LocalIndex:
    """FAISS + SQLite in one directory; safe to share between the threads of a process."""

    def __init__(
        self,
        directory: Path,
        model: str,
        dimension: int,
        hnsw_from: int = HNSW_FROM,
        *,
        check_store: bool = True,
        vector_index: str = "auto",
        ivf_from: int = IVF_FROM,
    ) -> None:
        """Open (or create) the index in a directory. ``check_store`` runs SQLite's
        quick_check over the whole store first. ``vector_index`` (flat, hnsw, ivf or auto)
        and the sizes from which auto takes HNSW and IVF choose the vector index built."""
        self.directory = directory
        self.model = model
        self.dimension = dimension
        self.vector_choice = VectorIndexChoice(
            vector_index,  # type: ignore[arg-type]  # checked by Settings
            hnsw_from,
            ivf_from,
        )
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        manifest = read_manifest(directory)
        refuse_a_lost_store(directory, manifest)
        self._store = PassageStore(directory / STORE_NAME)
        try:
            _refuse_damage(self._store, directory, manifest, quick_check=check_store)
            self._store.bind_model(model, dimension)
        except BaseException:
            self._store.close()  # refused: the connection is not left open
            raise
        self._dirty = False
        # The store generation that the in-memory vectors reflect.
        self._generation = self._store.generation()
        self._vectors = self._load_or_rebuild_vectors(manifest)
        self._back_with_huge_pages(self._vectors)
        self._checked_at = time.monotonic()
        # any_published_after's answers by day, with when each was read.
        self._dated_after: dict[str, tuple[bool, float]] = {}
        # The documents counted for telling wide filters, with when they were counted, and
        # each filter's verdict with when it was given (a question asks for both searches).
        self._documents_counted: tuple[int, float] | None = None
        self._wide_filters: dict[SearchFilters, tuple[bool, float]] = {}

    # -- lifecycle ---------------------------------------------------------------

    def _load_or_rebuild_vectors(self, manifest: Manifest | None) -> VectorIndex:
        passages = self._store.count_passages()
        reason = why_vectors_stale(self.directory, manifest, self._generation, passages)
        if reason is None:
            try:
                assert manifest is not None  # why_vectors_stale found it
                vectors = VectorIndex.load(
                    self.directory / VECTOR_NAME, self.dimension, manifest.vector_checksum
                )
                reason = self._why_rebuild(vectors, passages)
                if reason is None:
                    return vectors
            except CorruptIndexError as error:
                reason = str(error)
        if passages:
            log.warning("rebuilding %s from the passage store: %s", VECTOR_NAME, reason)
        vectors = self._vectors_from_store()
        self._write_vectors(vectors, self._generation)
        return vectors

    def _why_rebuild(self, vectors: VectorIndex, passages: int) -> str | None:
        """Why a vector index read from its file is not the one to serve (None: it is)."""
        if len(vectors) != passages:
            return f"it holds {len(vectors)} vectors for {passages} passages"
        reason = self.vector_choice.rebuild_reason(vectors.kind, passages)
        built_with = vectors.graph_ef_construction
        if reason is None and built_with is not None and built_with < HNSW_EF_CONSTRUCTION:
            # Searched with today's beam, an older, coarser graph misses neighbours.
            reason = (
                f"its HNSW graph was built with efConstruction {built_with}, "
                f"not {HNSW_EF_CONSTRUCTION}"
            )
        return reason

    def _back_with_huge_pages(self, vectors: VectorIndex) -> None:
        """On a background thread, so that searches need not wait for the seconds it takes."""
        if sum(array.nbytes for array in vectors.searched_arrays()) < HUGE_PAGES_FROM_BYTES:
            return

        def collapse() -> None:
            started = time.perf_counter()
            # The thread holds `vectors`, so the memory stays the index's while it works.
            collapsed = collapse_into_huge_pages(vectors.searched_arrays())
            log.info(
                "vector index: %d MB in huge pages in %.1f s",
                collapsed >> 20,
                time.perf_counter() - started,
            )

        threading.Thread(target=collapse, name="huge-pages", daemon=True).start()

    def _vectors_from_store(self) -> VectorIndex:
        """Every vector of the store (read after ``self._generation`` was taken). An
        approximate index is trained on the first of them, then given them all."""
        passages = self._store.count_passages()
        kind = self.vector_choice.kind_for(passages)
        vectors = VectorIndex.new(self.dimension, kind, passages)
        waiting: list[tuple[np.ndarray, np.ndarray]] = []
        with tqdm(
            total=passages, desc=f"vector index ({kind})", unit="passage",
            disable=passages < PROGRESS_FROM,
        ) as progress:  # fmt: skip
            for keys, batch in self._store.iter_vectors():
                if batch.shape[1] != self.dimension:
                    raise CorruptIndexError(
                        f"the passage store holds {batch.shape[1]}-dimensional vectors, "
                        f"not {self.dimension}"
                    )
                waiting.append((keys, batch))
                if sum(len(keys) for keys, _ in waiting) >= vectors.training_size:
                    self._add_waiting(vectors, waiting, progress)
            self._add_waiting(vectors, waiting, progress)
        return vectors

    @staticmethod
    def _add_waiting(
        vectors: VectorIndex, waiting: list[tuple[np.ndarray, np.ndarray]], progress: tqdm
    ) -> None:
        if not waiting:
            return
        if vectors.training_size:
            vectors.train(np.vstack([batch for _, batch in waiting]))
        for keys, batch in waiting:
            vectors.add(keys, batch)
            progress.update(len(keys))
        waiting.clear()

    def _catch_up(self, generation_after_own_write: int | None = None) -> None:
        """Rebuild the vectors when another process wrote to the store since we last looked.

        Called with the lock held. After a write of our own, the store's generation is one
        past ours when nobody else wrote in between.
        """
        if generation_after_own_write == self._generation + 1:
            self._generation = generation_after_own_write
            return
        current = self._store.generation()
        if current == self._generation:
            return
        log.info("the passage store changed in another process: reloading its vectors")
        self._generation = current
        self._vectors = self._vectors_from_store()
        self._back_with_huge_pages(self._vectors)
        self._dirty = True

    def _write_vectors(self, vectors: VectorIndex, generation: int) -> None:
        checksum = vectors.save(self.directory / VECTOR_NAME)
        write_manifest(
            self.directory,
            Manifest(
                format_version=FORMAT_VERSION,
                model=self.model,
                dimension=self.dimension,
                documents=self._store.count_documents(),
                passages=len(vectors),
                generation=generation,
                vector_file=VECTOR_NAME,
                vector_index=vectors.description,
                vector_checksum=checksum,
            ),
        )

    def flush(self) -> None:
        """Write the FAISS file and manifest if writes happened since the last flush."""
        with self._lock:
            if self._dirty:
                self._write_vectors(self._vectors, self._generation)
                self._dirty = False

    def read_ahead(self) -> None:
        # The vector file is read whole at open; the store is read by the questions, first
        # the small tables each question reads rows of at random: passage vectors (hundreds,
        # for the re-rank), dates (the recency bonus) and near-copy signatures.
        read_ahead([self.directory / STORE_NAME], tables_first=READ_FIRST)

    def close(self) -> None:
        with self._lock:
            self.flush()
            self._store.close()

    # -- writes ------------------------------------------------------------------

    def add_document(
        self, document: Document, passages: Sequence[PassageRow], vectors: np.ndarray
    ) -> None:
        with self._lock:
            keys, removed, generation = self._store.upsert_document(document, passages, vectors)
            self._vectors.remove(np.asarray(removed, dtype=np.int64))
            # As the store keeps them, so that a rebuild from the store changes nothing.
            self._vectors.add(np.asarray(keys, dtype=np.int64), vector_blobs.as_stored(vectors))
            self._dirty = True
            self._dated_after.clear()
            self._documents_counted = None
            self._wide_filters.clear()
            self._catch_up(generation)

    def delete_document(self, doc_id: str) -> bool:
        with self._lock:
            deleted = self._store.delete_document(doc_id)
            if deleted is None:
                return False
            removed, generation = deleted
            self._vectors.remove(np.asarray(removed, dtype=np.int64))
            self._dirty = True
            self._dated_after.clear()
            self._documents_counted = None
            self._wide_filters.clear()
            self._catch_up(generation)
            return True

    # -- reads -------------------------------------------------------------------

    def search(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[SearchResult]:
        return self.results(self.search_dense(vector, k, filters))

    @property
    def vector_kind(self) -> str:
        """The kind of vector index searched: flat, hnsw or ivf."""
        return self._vectors.kind

    @property
    def rerank_candidates(self) -> int:
        """Candidates the vector index finds for the exact re-rank (0: it is exact)."""
        return self._vectors.rerank_candidates

    def search_dense(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """(key, cosine) of the k nearest passages, best first, without loading them."""
        with self._lock:
            if time.monotonic() - self._checked_at > REFRESH_INTERVAL_SECONDS:
                self._catch_up()
                self._checked_at = time.monotonic()
            exact = self._vectors.exact
            depth = max(k, self._vectors.rerank_candidates)
            scores, keys = self._candidates(vector, depth, filters)
        if exact:
            return [(int(key), float(score)) for key, score in zip(keys, scores, strict=True)]
        # The approximate codes found candidates: the store's vectors rank them.
        stored = self._store.passage_vectors([int(key) for key in keys])
        if not stored:
            return []
        found = list(stored)
        cosines = np.vstack([stored[key] for key in found]) @ np.asarray(vector, dtype=np.float32)
        best = np.argsort(-cosines, kind="stable")[:k]
        return [(found[i], float(cosines[i])) for i in best]

    def _candidates(
        self, vector: np.ndarray, depth: int, filters: SearchFilters | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and keys of the vector index's ``depth`` best that pass the filters."""
        if filters is None or filters.is_empty():
            return self._vectors.search(vector, depth)
        if self._admits_most(filters):
            asked = WIDE_FILTER_DEPTH * depth
            scores, keys = self._vectors.search(vector, asked)
            first = self._first_passing(keys, filters, depth, asked)
            if first is not None:
                return scores[first], keys[first]
        allowed = self._store.keys_matching(filters)
        if not len(allowed):
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        return self._vectors.search(vector, depth, allowed)

    def search_lexical(
        self,
        terms: Sequence[str],
        k: int,
        *,
        title_weight: float = 1.0,
        filters: SearchFilters | None = None,
        term_cap: int | None = None,
    ) -> list[tuple[int, float]]:
        """(key, BM25 score) of the k passages best matching any term, best first; see
        ``PassageStore.search_lexical`` for ``term_cap``."""
        if filters is not None and not filters.is_empty() and self._admits_most(filters):
            # BM25 scores over the whole index either way: a filter changes no score.
            found = self._store.search_lexical(
                terms, WIDE_FILTER_DEPTH * k, title_weight=title_weight, term_cap=term_cap
            )
            keys = [key for key, _ in found]
            passing = self._first_passing(keys, filters, k, WIDE_FILTER_DEPTH * k)
            if passing is not None:
                return [found[i] for i in passing]
        return self._store.search_lexical(
            terms, k, title_weight=title_weight, filters=filters, term_cap=term_cap
        )

    def _admits_most(self, filters: SearchFilters) -> bool:
        """Whether the filters let through WIDE_FILTER_SHARE of the documents or more;
        remembered as any_published_after's answers are."""
        now = time.monotonic()
        remembered = self._wide_filters.get(filters)
        if remembered is not None and now - remembered[1] < REFRESH_INTERVAL_SECONDS:
            return remembered[0]
        counted = self._documents_counted
        if counted is None or now - counted[1] >= REFRESH_INTERVAL_SECONDS:
            counted = self._documents_counted = (self._store.count_documents(), now)
        wide = max(1, math.ceil(WIDE_FILTER_SHARE * counted[0]))
        found = self._store.documents_matching(filters, wide) >= wide
        if len(self._wide_filters) >= 64:
            self._wide_filters.clear()
        self._wide_filters[filters] = (found, now)
        return found

    def _first_passing(
        self, keys: np.ndarray | Sequence[int], filters: SearchFilters, wanted: int, asked: int
    ) -> np.ndarray | None:
        """The positions of the first ``wanted`` keys that pass the filters, in order,
        checked a few at a time; None when fewer pass, unless the search found fewer than
        the ``asked`` (then all passing are all there are)."""
        chosen: list[int] = []
        step = max(wanted, 64)
        for start in range(0, len(keys), step):
            chunk = [int(key) for key in keys[start : start + step]]
            passing = self._store.keys_passing(chunk, filters)
            chosen.extend(start + i for i, key in enumerate(chunk) if key in passing)
            if len(chosen) >= wanted:
                return np.asarray(chosen[:wanted], dtype=np.int64)
        return np.asarray(chosen, dtype=np.int64) if len(keys) < asked else None

    def passages_holding(self, words: Sequence[str], limit: int = 1) -> list[int]:
        """How many passages hold each word (counted up to ``limit`` at least)."""
        return self._store.passages_holding(words, limit)

    def passage_vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        """The vector of each passage: from a flat vector index in memory (no disk read),
        else from the store (an approximate index keeps only codes, and a passage written by
        another process is not in memory yet)."""
        with self._lock:
            found = self._vectors.vectors(keys)
        missing = [key for key in keys if key not in found]
        found.update(self._store.passage_vectors(missing) if missing else {})
        return found

    def vectors_of(self, keys: Sequence[int]) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """The passage vector and the sentence vectors (None if not stored) of each key."""
        return self._store.vectors_of(keys)

    def passages(self, keys: Sequence[int]) -> dict[int, PassageRow]:
        """Passages by key, with their sentence vectors, without their documents."""
        return self._store.passages(keys)

    def published_dates(self, keys: Sequence[int]) -> dict[int, str]:
        return self._store.published_dates(keys)

    def any_published_after(self, day: str) -> bool:
        """Asked twice a question: remembered until this index writes, or for as long as
        another process's writes take to be noticed."""
        now = time.monotonic()
        remembered = self._dated_after.get(day)
        if remembered is not None and now - remembered[1] < REFRESH_INTERVAL_SECONDS:
            return remembered[0]
        found = self._store.any_published_after(day)
        if len(self._dated_after) >= 64:
            self._dated_after.clear()
        self._dated_after[day] = (found, now)
        return found

    def cite(self, scored: Sequence[tuple[PassageRow, float]]) -> list[SearchResult]:
        """Results for (passage, score) pairs, in the given order, with their documents'
        citation fields; a passage whose document is gone meanwhile is left out."""
        documents = self._store.citations(passage.doc_id for passage, _ in scored)
        return [
            SearchResult(passage=passage, document=documents[passage.doc_id], score=score)
            for passage, score in scored
            if passage.doc_id in documents
        ]

    def results(self, scored_keys: Sequence[tuple[int, float]]) -> list[SearchResult]:
        """Passages and documents for (key, score) pairs, in the given order."""
        passages = self._store.passages([key for key, _ in scored_keys])
        return self.cite([(passages[key], score) for key, score in scored_keys if key in passages])

    def near_copies(
        self, doc_ids: Sequence[str], threshold: float
    ) -> dict[str, list[tuple[str, float]]]:
        return self._store.near_copies(doc_ids, threshold)

    def get_document(self, doc_id: str) -> Document | None:
        return self._store.get_document(doc_id)

    def content_hash(self, doc_id: str) -> str | None:
        return self._store.content_hash(doc_id)

    def list_documents(self, limit: int, offset: int) -> list[tuple[Document, int]]:
        return self._store.list_documents(limit, offset)

    def passages_of(self, doc_id: str) -> list[PassageRow]:
        return self._store.passages_of(doc_id)

    def count_documents(self) -> int:
        return self._store.count_documents()

    def count_passages(self) -> int:
        return self._store.count_passages()

"""The vector index: a FAISS index over passage vectors, keyed by passage key.

Flat (exact) while the index is small; HNSW (approximate, a graph) from ``hnsw_from``
passages on, chosen when the index is built from the store. At a million passages the
graph's build beam decides what a search costs: a wider one costs a longer build and
buys high recall at a narrow search beam (docs/benchmarks.md). HNSW cannot delete, so
deleted keys are filtered out of its searches until the next rebuild.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.errors import CorruptIndexError
from index.local.manifest import write_atomically

# HNSW: links a node, the beam while building and while searching.
HNSW_LINKS = 32
HNSW_EF_CONSTRUCTION = 200
# The narrowest search beam that keeps recall@10 above 0.98 at a million passages.
HNSW_EF_SEARCH = 256


def checksum_of(data: bytes) -> str:
    """CRC-32 of a vector file's bytes: a few GB a second, and enough to notice damage."""
    return f"crc32:{zlib.crc32(data):08x}"


# Threads whose OpenMP team size was set to one (faiss keeps the setting per thread).
_single_threaded = threading.local()


class VectorIndex:
    """Inner-product search over normalised vectors (cosine similarity)."""

    def __init__(self, dimension: int, index: Any = None) -> None:
        """``index``: a faiss IndexIDMap2 (a new flat one when None)."""
        self.dimension = dimension
        self._index = (
            index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        )
        self._hnsw = isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSW)
        # Keys removed from an HNSW graph, which cannot remove them itself.
        self._deleted: set[int] = set()

    @classmethod
    def for_size(cls, dimension: int, passages: int, hnsw_from: int) -> VectorIndex:
        """An empty index of the kind that suits ``passages`` vectors."""
        if passages < hnsw_from:
            return cls(dimension)
        graph = faiss.IndexHNSWFlat(dimension, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return cls(dimension, faiss.IndexIDMap2(graph))

    @property
    def description(self) -> str:
        if self.graph_ef_construction is None:
            return "IDMap2,Flat"
        return f"IDMap2,HNSW{HNSW_LINKS},Flat,efConstruction{self.graph_ef_construction}"

    @property
    def graph_ef_construction(self) -> int | None:
        """The beam an HNSW graph was built with (None for a flat index)."""
        if not self._hnsw:
            return None
        graph: Any = faiss.downcast_index(self._index.index)
        return int(graph.hnsw.efConstruction)

    @classmethod
    def load(cls, path: Path, dimension: int, checksum: str = "") -> VectorIndex:
        """The index in a file; with ``checksum`` (as ``save`` gave it), only if the file's
        bytes still match it: FAISS itself reads damaged vectors without a word."""
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CorruptIndexError(f"the vector file {path} cannot be read: {error}") from error
        if checksum and checksum_of(data) != checksum:
            raise CorruptIndexError(f"the vector file {path} does not match its checksum")
        try:
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except RuntimeError as error:
            raise CorruptIndexError(f"the vector file {path} cannot be read: {error}") from error
        if not isinstance(index, faiss.IndexIDMap2):
            raise CorruptIndexError(f"the vector file {path} is not an index keyed by passage")
        if index.d != dimension:
            raise CorruptIndexError(
                f"the vector file {path} holds {index.d}-dimensional vectors, not {dimension}"
            )
        return cls(dimension, index)

    def save(self, path: Path) -> str:
        """Write the index through a temporary name and a rename; its checksum."""
        data = faiss.serialize_index(self._index).tobytes()
        write_atomically(path, data)
        return checksum_of(data)

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._deleted)

    def vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the keys the index holds (rows of one array)."""
        held = [int(key) for key in keys if key not in self._deleted]
        if not held:
            return {}
        try:
            # One call for all keys: a call each was a visible part of a question's time.
            rows = self._index.reconstruct_batch(np.asarray(held, dtype=np.int64))
            return dict(zip(held, rows, strict=True))
        except RuntimeError:  # faiss's way of saying a key is unknown: find which
            return {key: vector for key in held if (vector := self._one(key)) is not None}

    def _one(self, key: int) -> np.ndarray | None:
        try:
            return np.asarray(self._index.reconstruct(key), dtype=np.float32)
        except RuntimeError:
            return None

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if len(keys):
            # A key can come back (a rebuild reuses none, but be safe): drop its tombstone.
            self._deleted.difference_update(int(key) for key in keys)
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32),
                np.ascontiguousarray(keys, dtype=np.int64),
            )

    def searched_arrays(self) -> list[np.ndarray]:
        """Views of the memory a search walks: the vectors, and an HNSW graph's links."""
        inner: Any = faiss.downcast_index(self._index.index)
        flat: Any = faiss.downcast_index(inner.storage) if self._hnsw else inner
        arrays = [faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d)]
        if self._hnsw:
            links = inner.hnsw.neighbors
            arrays.append(faiss.rev_swig_ptr(links.data(), links.size()))
        return [array for array in arrays if array is not None and array.size]

    def remove(self, keys: np.ndarray) -> None:
        if not len(keys):
            return
        if self._hnsw:
            self._deleted.update(int(key) for key in keys)
        else:
            # faiss's SWIG stubs miss the numpy wrapper that takes an id array.
            self._index.remove_ids(np.ascontiguousarray(keys, dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and keys of the k best vectors, best first; ``allowed`` restricts the keys."""
        # One query needs no OpenMP team, and FAISS's idle team would slow the encoder's next
        # forward pass. The setting is per calling thread and not free: once a thread.
        if not getattr(_single_threaded, "done", False):
            faiss.omp_set_num_threads(1)
            _single_threaded.done = True
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        # SWIG selectors point at each other without owning: keep every one alive here.
        selectors: list[Any] = []
        if allowed is not None:
            selectors.append(faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64)))
        if self._deleted:
            removed = np.fromiter(self._deleted, dtype=np.int64, count=len(self._deleted))
            selectors.append(faiss.IDSelectorBatch(removed))
            selectors.append(faiss.IDSelectorNot(selectors[-1]))
            if allowed is not None:
                selectors.append(faiss.IDSelectorAnd(selectors[0], selectors[-1]))
        selector = selectors[-1] if selectors else None
        params: Any = None
        if self._hnsw:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(HNSW_EF_SEARCH, k)
            params.sel = selector
        elif selector is not None:
            params = faiss.SearchParameters()
            params.sel = selector
        scores, keys = self._index.search(query, k, params=params)
        found = keys[0] >= 0
        return scores[0][found], keys[0][found]

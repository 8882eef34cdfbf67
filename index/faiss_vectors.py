"""The vector index: a FAISS index over passage vectors, keyed by passage key."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.errors import CorruptIndexError
from index.manifest import write_atomically


class VectorIndex:
    """Exact inner-product search over normalised vectors (cosine similarity)."""

    description = "IDMap2,Flat"

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = (
            index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        )

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorIndex:
        try:
            index = faiss.read_index(str(path))
        except (RuntimeError, OSError) as error:
            raise CorruptIndexError(f"the vector file {path} cannot be read: {error}") from error
        if index.d != dimension:
            raise CorruptIndexError(
                f"the vector file {path} holds {index.d}-dimensional vectors, not {dimension}"
            )
        return cls(dimension, index)

    def save(self, path: Path) -> None:
        # serialize_index gives bytes we can write through a temporary name and a rename.
        write_atomically(path, faiss.serialize_index(self._index).tobytes())

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if len(keys):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32),
                np.ascontiguousarray(keys, dtype=np.int64),
            )

    def remove(self, keys: np.ndarray) -> None:
        if len(keys):
            # faiss's SWIG stubs miss the numpy wrapper that takes an id array.
            self._index.remove_ids(np.ascontiguousarray(keys, dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and keys of the k best vectors, best first; ``allowed`` restricts the keys."""
        # One query needs no OpenMP team, and FAISS's idle team would slow the encoder's next
        # forward pass (DESIGN.md, Performance). The setting is per calling thread.
        faiss.omp_set_num_threads(1)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if allowed is None:
            scores, keys = self._index.search(query, k)
        else:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
            scores, keys = self._index.search(query, k, params=params)
        found = keys[0] >= 0
        return scores[0][found], keys[0][found]

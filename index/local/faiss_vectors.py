"""The vector index: a FAISS index over passage vectors, keyed by passage key.

Three kinds, chosen by size (``index.local.layout.VectorIndexChoice``):
- flat: exact search over float32 vectors in memory; a few milliseconds up to 200,000.
- hnsw: a graph over 8-bit codes (a quarter of float32's memory), searched with a wide
  beam; HNSW cannot delete, so deleted keys are filtered out until the next rebuild.
- ivf: inverted lists of product codes (64 bytes a passage for 384 dimensions, against an
  HNSW graph's 512), without a graph's build time; a question scans the lists nearest to
  it, and a deeper list of candidates makes up for the coarser codes.

Both approximate kinds only find candidates: their codes are coarser than the stored
vectors, so ``LocalIndex`` re-ranks the candidates by the store's vectors.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.errors import CorruptIndexError
from index.local.layout import VectorKind
from index.local.manifest import write_atomically

# HNSW: links a node, the beam while building and while searching. 16 links keep the
# graph at 128 bytes a passage; the wide search beam buys back the recall of more links.
HNSW_LINKS = 16
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 256
# IVF: lists about 4 per square root of the passages, trained on 64 points a list (at most
# this many), and scanned this many a question.
IVF_TRAINING_PER_LIST = 64
IVF_MAX_TRAINING = 300_000
IVF_PROBES = 64
# Product codes: a byte (256 centroids) for each slice of this many dimensions or more.
PQ_DIMENSIONS_A_PART = 6
PQ_BITS = 8
# Candidates an approximate search returns for the exact re-rank, at least: product codes
# misorder near neighbours more than 8-bit codes do, so IVF re-ranks more of them.
RERANK_CANDIDATES = 64
IVF_RERANK_CANDIDATES = 256
# IVF re-ranks IVF_RERANK_CANDIDATES up to this many passages, and beyond as the square
# root of the size grows: a larger index holds more neighbours that the codes misorder.
IVF_RERANK_FROM = 1_000_000
# Bytes read at a time while checking a vector file's checksum.
_CHECK_CHUNK = 16 << 20


def checksum_of(data: bytes) -> str:
    """CRC-32 of a vector file's bytes: a few GB a second, and enough to notice damage."""
    return f"crc32:{zlib.crc32(data):08x}"


def _file_checksum(path: Path) -> str:
    crc = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHECK_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return f"crc32:{crc:08x}"


def ivf_lists(passages: int) -> int:
    return max(1, min(65_536, round(4 * math.sqrt(max(passages, 1)))))


def pq_parts(dimension: int) -> int:
    """Slices a product code cuts a vector into: the most that divide the dimension and
    leave each at least ``PQ_DIMENSIONS_A_PART`` dimensions (64 for 384)."""
    most = max(1, dimension // PQ_DIMENSIONS_A_PART)
    return max(parts for parts in range(1, most + 1) if dimension % parts == 0)


def _new_ivf(dimension: int, lists: int, bits: int = PQ_BITS) -> Any:
    # faiss's Python constructor keeps the quantizer alive with the index.
    return faiss.IndexIVFPQ(
        faiss.IndexFlatIP(dimension),
        dimension,
        lists,
        pq_parts(dimension),
        bits,
        faiss.METRIC_INNER_PRODUCT,
    )


# Threads whose OpenMP team size was set to one (faiss keeps the setting per thread).
_single_threaded = threading.local()


def _kind_of(index: Any) -> str:
    """flat, hnsw or ivf; hnsw-flat and ivf-sq8 for older kinds, rebuilt when opened."""
    if isinstance(index, faiss.IndexIVFPQ):
        return "ivf"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8"
    if isinstance(index, faiss.IndexIDMap | faiss.IndexIDMap2):
        inner = faiss.downcast_index(index.index)
        if isinstance(inner, faiss.IndexHNSWSQ):
            return "hnsw"
        if isinstance(inner, faiss.IndexHNSW):
            return "hnsw-flat"
        if isinstance(inner, faiss.IndexFlat):
            return "flat"
    return "unknown"


class VectorIndex:
    """Inner-product search over normalised vectors (cosine similarity)."""

    def __init__(self, dimension: int, index: Any = None) -> None:
        """``index``: a faiss index of a kind above (a new flat one when None)."""
        self.dimension = dimension
        self._index: Any = (
            index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        )
        self.kind = _kind_of(self._index)
        # Keys removed from an HNSW graph, which cannot remove them itself.
        self._deleted: set[int] = set()

    @classmethod
    def new(cls, dimension: int, kind: VectorKind, passages: int) -> VectorIndex:
        """An empty index of a kind, for about ``passages`` vectors; an approximate one is
        trained on the first vectors added (or by ``train``)."""
        if kind == "flat":
            return cls(dimension)
        if kind == "ivf":
            return cls(dimension, _new_ivf(dimension, ivf_lists(passages)))
        graph = faiss.IndexHNSWSQ(
            dimension,
            faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]  # an enum, not in the stubs
            HNSW_LINKS,
            faiss.METRIC_INNER_PRODUCT,
        )
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return cls(dimension, faiss.IndexIDMap(graph))

    @property
    def exact(self) -> bool:
        return self.kind == "flat"

    @property
    def rerank_candidates(self) -> int:
        """Candidates a search returns for the exact re-rank, at least (0: exact)."""
        if self.exact:
            return 0
        if self.kind != "ivf":
            return RERANK_CANDIDATES
        growth = math.sqrt(max(1.0, int(self._index.ntotal) / IVF_RERANK_FROM))
        return round(IVF_RERANK_CANDIDATES * growth)

    @property
    def training_size(self) -> int:
        """How many vectors training wants (0: trained, or needs none)."""
        if self._index.is_trained:
            return 0
        if self.kind == "ivf":
            return min(IVF_MAX_TRAINING, IVF_TRAINING_PER_LIST * int(self._index.nlist))
        return 100_000  # an HNSW graph's 8-bit codes: each dimension's range

    def train(self, vectors: np.ndarray) -> None:
        """Fit the codes (and an IVF index's lists) to these vectors."""
        sample = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.kind == "ivf":
            # Never more lists than the sample can place a few points in, nor more
            # centroids a slice than it has points.
            lists = max(1, min(int(self._index.nlist), len(sample) // 8))
            bits = max(1, min(PQ_BITS, int(math.log2(max(len(sample), 2)))))
            if lists != self._index.nlist or bits != self._index.pq.nbits:
                self._index = _new_ivf(self.dimension, lists, bits)
            self._index.train(sample)
        elif self.kind == "hnsw":
            self._index.index.train(sample)
            self._index.is_trained = True

    @property
    def description(self) -> str:
        if self.kind == "flat":
            return "IDMap2,Flat"
        if self.kind == "hnsw":
            return f"IDMap,HNSW{HNSW_LINKS},SQ8,efConstruction{self.graph_ef_construction}"
        if self.kind == "ivf":
            return f"IVF{int(self._index.nlist)},PQ{int(self._index.pq.M)}x{self._index.pq.nbits}"
        if self.kind == "ivf-sq8":
            return f"IVF{int(self._index.nlist)},SQ8"
        return self.kind

    @property
    def graph_ef_construction(self) -> int | None:
        """The beam an HNSW graph was built with (None for another kind)."""
        if not self.kind.startswith("hnsw"):
            return None
        graph: Any = faiss.downcast_index(self._index.index)
        return int(graph.hnsw.efConstruction)

    @classmethod
    def load(cls, path: Path, dimension: int, checksum: str = "") -> VectorIndex:
        """The index in a file; with ``checksum`` (as ``save`` gave it), only if the file's
        bytes still match it: FAISS itself reads damaged vectors without a word. The file is
        read twice rather than held in memory beside the index it holds."""
        try:
            if checksum and _file_checksum(path) != checksum:
                raise CorruptIndexError(f"the vector file {path} does not match its checksum")
            index = faiss.read_index(str(path))
        except OSError as error:
            raise CorruptIndexError(f"the vector file {path} cannot be read: {error}") from error
        except RuntimeError as error:
            raise CorruptIndexError(f"the vector file {path} cannot be read: {error}") from error
        if _kind_of(index) == "unknown":
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
        """The stored vectors of the keys a flat index holds (rows of one array); an
        approximate index keeps only codes, so gives none (the store has them)."""
        held = [int(key) for key in keys if key not in self._deleted]
        if not held or not self.exact:
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
        if not len(keys):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.training_size:
            self.train(vectors)  # added to before a rebuild trained it: fit these
        # A key can come back (a rebuild reuses none, but be safe): drop its tombstone.
        self._deleted.difference_update(int(key) for key in keys)
        self._index.add_with_ids(vectors, np.ascontiguousarray(keys, dtype=np.int64))

    def searched_arrays(self) -> list[np.ndarray]:
        """Views of the memory a search walks: the vectors or codes, and a graph's links
        (none for IVF, whose lists are many small arrays)."""
        if self.kind not in ("flat", "hnsw", "hnsw-flat"):
            return []
        inner: Any = faiss.downcast_index(self._index.index)
        if self.kind == "flat":
            arrays = [faiss.rev_swig_ptr(inner.get_xb(), inner.ntotal * inner.d)]
        else:
            storage: Any = faiss.downcast_index(inner.storage)
            codes = storage.codes
            arrays = [faiss.rev_swig_ptr(codes.data(), codes.size())]
            links = inner.hnsw.neighbors
            arrays.append(faiss.rev_swig_ptr(links.data(), links.size()))
        return [array for array in arrays if array is not None and array.size]

    def remove(self, keys: np.ndarray) -> None:
        if not len(keys):
            return
        if self.kind.startswith("hnsw"):
            self._deleted.update(int(key) for key in keys)
        else:
            # faiss's Python wrapper takes an id array.
            self._index.remove_ids(np.ascontiguousarray(keys, dtype=np.int64))

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
        if self.kind.startswith("hnsw"):
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(HNSW_EF_SEARCH, k)
            params.sel = selector
        elif self.kind.startswith("ivf"):
            params = faiss.SearchParametersIVF()
            params.nprobe = IVF_PROBES
            params.sel = selector
        elif selector is not None:
            params = faiss.SearchParameters()
            params.sel = selector
        scores, keys = self._index.search(query, k, params=params)
        found = keys[0] >= 0
        return scores[0][found], keys[0][found]

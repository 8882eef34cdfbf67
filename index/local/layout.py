"""A local index's files and which kind of vector index suits its size; light to import,
so settings and callers that only look at a directory load no FAISS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

STORE_NAME = "passages.sqlite3"
VECTOR_NAME = "vectors.faiss"
# Passages from which the vector index is HNSW: below, exact search still takes a few
# milliseconds at most; above, it grows with the index while HNSW's stays under one.
HNSW_FROM = 200_000
# Passages from which it is IVF: an HNSW graph over 8-bit codes misses more neighbours as
# it grows, while IVF's product codes, re-ranked deeper, keep recall@10 near 0.99 at a
# seventh of the graph's memory (docs/benchmarks.md).
IVF_FROM = 500_000

VectorKind = Literal["flat", "hnsw", "ivf"]
# Larger indexes take the later kinds; an index never turns back to an earlier one by
# itself, so that deletions near a threshold do not rebuild it again and again.
KINDS_BY_SIZE: tuple[VectorKind, ...] = ("flat", "hnsw", "ivf")


@dataclass(frozen=True)
class VectorIndexChoice:
    """Which vector index to build: ``kind`` names one, or "auto" chooses by size."""

    kind: VectorKind | Literal["auto"] = "auto"
    hnsw_from: int = HNSW_FROM
    ivf_from: int = IVF_FROM

    def kind_for(self, passages: int) -> VectorKind:
        if self.kind != "auto":
            return self.kind
        if passages >= self.ivf_from:
            return "ivf"
        return "hnsw" if passages >= self.hnsw_from else "flat"

    def rebuild_reason(self, built: str, passages: int) -> str | None:
        """Why an index of kind ``built`` should be rebuilt for this many passages."""
        wanted = self.kind_for(passages)
        if built == wanted:
            return None
        if built not in KINDS_BY_SIZE:
            return f"it is a {built} index, which this version builds no more"
        if self.kind != "auto":
            return f"QA_VECTOR_INDEX asks for {wanted}, and it is {built}"
        if KINDS_BY_SIZE.index(wanted) > KINDS_BY_SIZE.index(built):
            return f"at {passages} passages it is built as {wanted}, not {built}"
        return None

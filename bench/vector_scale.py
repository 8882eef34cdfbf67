"""Vector search at 100,000 and 1,000,000 passages: exact (flat) against HNSW.

No corpus of a million news passages fits this machine's budget for embedding (about 100
passages a second), so the vectors are synthetic, made to look like real ones: each is a
random blend of two real vectors (passages and sentences of an existing index) plus a
little Gaussian noise, normalised. Real vectors cluster by topic, and so do these; uniform
random vectors would not. The noise (norm about 0.4 against the blend's 1) keeps every
vector distinct: with too little, a million blends of a few thousand vectors collapse into
near-duplicates whose order no approximate index can reproduce. The queries are real questions,
encoded by the service's encoder.

For each size: time to build each index, its memory (the serialised size), single-query
search latency (one thread, k=10), and the recall@10 of HNSW against exact search on the
same queries.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.local.faiss_vectors import (
    HNSW_EF_CONSTRUCTION,
    HNSW_LINKS,
)
from index.local.layout import HNSW_FROM, IVF_FROM, STORE_NAME

# Search beams measured; the service uses index.local.faiss_vectors.HNSW_EF_SEARCH.
EF_SEARCH_VALUES = (128, 256, 1024)
NOISE = 0.4
CHUNK = 50_000
# Cosine within which a result counts as tied with the exact k-th best.
NEAR = 0.005


def blend(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors, each a random blend of a row of ``a`` with the same row of ``b``, plus
    noise."""
    weight = rng.uniform(0.5, 1.0, (len(a), 1)).astype(np.float32)
    noise = rng.standard_normal(a.shape).astype(np.float32)
    mixed = weight * a + (1 - weight) * b + NOISE * noise / np.sqrt(a.shape[1])
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def synthetic_vectors(base: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """``count`` unit vectors, each a random blend of two rows of ``base`` plus noise."""
    base = base / np.linalg.norm(base, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    for first in range(0, count, CHUNK):
        n = min(CHUNK, count - first)
        a = base[rng.integers(0, len(base), n)]
        b = base[rng.integers(0, len(base), n)]
        out[first : first + n] = blend(a, b, rng)
    return out


def _search_times(index: Any, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, ids = index.search(query[None, :], k)
        times.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    return times, np.vstack(found)


def _recall_at(k: int, found: Sequence[Sequence[int]] | np.ndarray, exact: np.ndarray) -> float:
    """The share of each query's exact k best that were found, averaged over the queries."""
    return float(np.mean([len(set(a) & set(e)) / k for a, e in zip(found, exact, strict=True)]))


def served_recall(
    index_dir: Path,
    model: str,
    queries: np.ndarray,
    k: int = 10,
    *,
    hnsw_from: int = HNSW_FROM,
    ivf_from: int = IVF_FROM,
) -> dict[str, Any]:
    """recall@k of the dense search a server of ``index_dir`` runs (its vector index's
    candidates, re-ranked by the stored vectors), against exact search over the stored
    vectors; and the share of its results scoring within ``NEAR`` of the exact k-th best,
    since near-duplicates tie beyond what any approximate index can order."""
    from index.local.local_index import LocalIndex
    from index.local.sqlite_store import PassageStore

    queries = np.asarray(queries, dtype=np.float32)
    index = LocalIndex(
        index_dir, model, queries.shape[1], hnsw_from, check_store=False, ivf_from=ivf_from
    )
    try:
        kind, candidates = index.vector_kind, index.rerank_candidates
        served = [index.search_dense(query, k) for query in queries]
    finally:
        index.close()
    # Exact: every stored vector against every query, a batch of the store at a time.
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_keys = np.full((len(queries), k), -1, dtype=np.int64)
    store = PassageStore(index_dir / STORE_NAME)
    try:
        for keys, vectors in store.iter_vectors():
            scores = queries @ vectors.T
            merged_scores = np.hstack([best_scores, scores])
            merged_keys = np.hstack([best_keys, np.broadcast_to(keys, scores.shape)])
            top = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
            best_scores = np.take_along_axis(merged_scores, top, axis=1)
            best_keys = np.take_along_axis(merged_keys, top, axis=1)
    finally:
        store.close()
    recall = _recall_at(k, [[key for key, _ in found] for found in served], best_keys)
    near = [
        np.mean([score >= kth - NEAR for _, score in found] + [False] * (k - len(found)))
        for found, kth in zip(served, best_scores[:, k - 1], strict=True)
    ]
    return {
        "index": kind,
        "rerank_candidates": candidates,
        "queries": len(queries),
        "recall_at_10": round(recall, 4),
        "near_recall_at_10": round(float(np.mean(near)), 4),
        "near_cosine": NEAR,
    }


def measure_size(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> dict[str, Any]:
    import faiss

    dimension = vectors.shape[1]
    results: dict[str, Any] = {"passages": len(vectors)}
    threads = faiss.omp_get_max_threads()

    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    flat_build = time.perf_counter() - started
    faiss.omp_set_num_threads(1)
    flat_times, exact = _search_times(flat, queries, k)
    results["flat"] = {
        "build_seconds": round(flat_build, 1),
        "memory_mb": round(vectors.nbytes / 2**20, 1),
        "p50_ms": round(statistics.median(flat_times), 3),
        "recall_at_10": 1.0,
    }
    del flat

    faiss.omp_set_num_threads(threads)  # building uses every core
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dimension, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    for first in tqdm(range(0, len(vectors), CHUNK), desc=f"HNSW {len(vectors):,}", unit="chunk"):
        hnsw.add(vectors[first : first + CHUNK])
    hnsw_build = time.perf_counter() - started
    memory_mb = round(len(faiss.serialize_index(hnsw)) / 2**20, 1)
    faiss.omp_set_num_threads(1)
    for ef_search in EF_SEARCH_VALUES:
        hnsw.hnsw.efSearch = ef_search
        hnsw_times, approximate = _search_times(hnsw, queries, k)
        recall = _recall_at(k, approximate, exact)
        results[f"hnsw ef{ef_search}"] = {
            "links": HNSW_LINKS,
            "ef_construction": HNSW_EF_CONSTRUCTION,
            "ef_search": ef_search,
            "build_seconds": round(hnsw_build, 1),
            "memory_mb": memory_mb,
            "p50_ms": round(statistics.median(hnsw_times), 3),
            "recall_at_10": round(float(recall), 4),
        }
    faiss.omp_set_num_threads(threads)
    return results


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| passages | index | build (s) | memory (MB) | search p50 (ms) | recall@10 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        for name in [key for key in row if key != "passages"]:
            r = row[name]
            lines.append(
                f"| {row['passages']:,} | {name} | {r['build_seconds']} | {r['memory_mb']} | "
                f"{r['p50_ms']} | {r['recall_at_10']} |"
            )
    return "\n".join(lines) + "\n"

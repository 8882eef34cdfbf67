"""The three vector indexes (flat, HNSW, IVF), chosen by size or by setting, each giving
the same answers: an approximate one finds candidates, and the store's vectors rank them."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from index import Document, LocalIndex, PassageRow
from index.local.faiss_vectors import VectorIndex, pq_parts
from index.local.layout import VECTOR_NAME, VectorIndexChoice
from index.local.manifest import read_manifest
from index.protocol import SearchFilters

DIMENSION = 16
MODEL = "test-model"
# Clustered, as real passage vectors are: topics, each with many neighbours.
DOCUMENTS = 120
PASSAGES_A_DOCUMENT = 5


def clustered_vectors(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, DIMENSION))
    vectors = centres[rng.integers(0, len(centres), count)] + 0.4 * rng.normal(
        size=(count, DIMENSION)
    )
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def fill(index: LocalIndex, vectors: np.ndarray) -> None:
    for number in range(DOCUMENTS):
        texts = [f"part{number}x{i}." for i in range(PASSAGES_A_DOCUMENT)]
        text = " ".join(texts)
        passages, offset = [], 0
        for ordinal, piece in enumerate(texts):
            passages.append(
                PassageRow(0, f"d{number}", ordinal, offset, offset + len(piece), piece)
            )
            offset += len(piece) + 1
        rows = vectors[number * PASSAGES_A_DOCUMENT : (number + 1) * PASSAGES_A_DOCUMENT]
        source = "even" if number % 2 == 0 else "odd"
        index.add_document(Document(f"d{number}", "", text, source), passages, rows)
    index.close()


def exact_top(index: LocalIndex, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    keys = [p.key for n in range(DOCUMENTS) for p in index.passages_of(f"d{n}")]
    stored = index.passage_vectors(keys)
    scored = sorted(((key, float(stored[key] @ query)) for key in keys), key=lambda s: -s[1])
    return scored[:k]


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered_vectors(DOCUMENTS * PASSAGES_A_DOCUMENT)


def test_auto_chooses_by_size_and_never_turns_back() -> None:
    choice = VectorIndexChoice("auto", hnsw_from=100, ivf_from=1000)
    assert [choice.kind_for(n) for n in (10, 100, 999, 1000)] == ["flat", "hnsw", "hnsw", "ivf"]
    assert choice.rebuild_reason("flat", 150) is not None  # grown past the threshold
    assert choice.rebuild_reason("hnsw", 50) is None  # shrunk: kept as it is
    assert choice.rebuild_reason("hnsw-flat", 150) is not None  # an older kind
    forced = VectorIndexChoice("flat")
    assert forced.kind_for(10**7) == "flat"
    assert "QA_VECTOR_INDEX" in (forced.rebuild_reason("hnsw", 10) or "")


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_an_approximate_index_ranks_by_the_stored_vectors(
    tmp_path: Path, vectors: np.ndarray, kind: str
) -> None:
    fill(LocalIndex(tmp_path / "index", MODEL, DIMENSION), vectors)  # flat, then rebuilt
    index = LocalIndex(tmp_path / "index", MODEL, DIMENSION, vector_index=kind)
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and ("HNSW" if kind == "hnsw" else "IVF") in manifest.vector_index
    found_all = 0
    for seed in range(30):
        query = clustered_vectors(1, seed=100 + seed)[0]
        found = index.search_dense(query, 10)
        exact = exact_top(index, query, 10)
        # Its scores are the stored vectors' own cosines, best first.
        stored = index.passage_vectors([key for key, _ in found])
        for key, score in found:
            assert score == pytest.approx(float(stored[key] @ query), abs=1e-5)
        assert [score for _, score in found] == sorted((s for _, s in found), reverse=True)
        found_all += len({key for key, _ in found} & {key for key, _ in exact})
    # 600 passages in 12 clusters: the candidates hold nearly all of the exact ten.
    assert found_all / (30 * 10) >= 0.95
    index.close()


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_an_approximate_index_filters_deletes_and_takes_writes(
    tmp_path: Path, vectors: np.ndarray, kind: str
) -> None:
    fill(LocalIndex(tmp_path / "index", MODEL, DIMENSION), vectors)
    index = LocalIndex(tmp_path / "index", MODEL, DIMENSION, vector_index=kind)
    query = vectors[7]  # the vector of document 1's third passage
    (best_key, best_score), *_ = index.search_dense(query, 3)
    assert index.passages([best_key])[best_key].doc_id == "d1"
    assert best_score == pytest.approx(1.0, abs=2e-3)
    even = index.search_dense(query, 5, SearchFilters(sources=("even",)))
    assert {index.passages([key])[key].doc_id for key, _ in even} <= {
        f"d{n}" for n in range(0, DOCUMENTS, 2)
    }
    assert index.delete_document("d1")
    assert all(key != best_key for key, _ in index.search_dense(query, 10))
    # A passage written now is found at once, and kept when the index is read again.
    added = Document("new", "", "fresh text.", "odd")
    index.add_document(added, [PassageRow(0, "new", 0, 0, 11, added.text)], query[None])
    (top_key, _), *_ = index.search_dense(query, 1)
    assert index.passages([top_key])[top_key].doc_id == "new"
    index.close()
    again = LocalIndex(tmp_path / "index", MODEL, DIMENSION, vector_index=kind)
    (top_key, _), *_ = again.search_dense(query, 1)
    assert again.passages([top_key])[top_key].doc_id == "new"
    again.close()


def test_a_setting_that_names_another_kind_rebuilds_the_index(
    tmp_path: Path, vectors: np.ndarray
) -> None:
    fill(LocalIndex(tmp_path / "index", MODEL, DIMENSION, vector_index="ivf"), vectors)
    assert "IVF" in (read_manifest(tmp_path / "index").vector_index)  # type: ignore[union-attr]
    before = (tmp_path / "index" / VECTOR_NAME).stat().st_mtime_ns
    LocalIndex(tmp_path / "index", MODEL, DIMENSION, vector_index="flat").close()
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and manifest.vector_index == "IDMap2,Flat"
    assert (tmp_path / "index" / VECTOR_NAME).stat().st_mtime_ns != before


def test_ivf_keeps_a_byte_for_every_six_dimensions_or_so() -> None:
    assert [pq_parts(d) for d in (384, 768, 16, 100, 5)] == [64, 128, 2, 10, 1]
    vectors = VectorIndex.new(DIMENSION, "ivf", 600)
    vectors.add(np.arange(600), clustered_vectors(600))
    assert vectors.kind == "ivf" and vectors.description.endswith(",PQ2x8")
    assert vectors.rerank_candidates > VectorIndex.new(DIMENSION, "hnsw", 600).rerank_candidates
    # Too few vectors for 256 centroids a slice: as many as they can fill.
    few = VectorIndex.new(DIMENSION, "ivf", 600)
    few.add(np.arange(40), clustered_vectors(40))
    assert few.description.endswith(",PQ2x5") and len(few.search(clustered_vectors(1)[0], 5)[1])


def test_an_ivf_index_of_8_bit_codes_from_an_older_version_is_rebuilt() -> None:
    older = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(DIMENSION), DIMENSION, 4, faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
    )  # fmt: skip
    assert VectorIndex(DIMENSION, older).kind == "ivf-sq8"
    assert "builds no more" in (VectorIndexChoice("auto").rebuild_reason("ivf-sq8", 10) or "")


def test_ivf_re_ranks_more_candidates_in_a_larger_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from index.local import faiss_vectors

    vectors = VectorIndex.new(DIMENSION, "ivf", 600)
    vectors.add(np.arange(600), clustered_vectors(600))
    assert vectors.rerank_candidates == faiss_vectors.IVF_RERANK_CANDIDATES
    # Four times the size from which it grows: twice the candidates.
    monkeypatch.setattr(faiss_vectors, "IVF_RERANK_FROM", 150)
    assert vectors.rerank_candidates == 2 * faiss_vectors.IVF_RERANK_CANDIDATES

"""The storage layer on its own: SQLite store + FAISS file, with random unit vectors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import (
    CorruptIndexError,
    DiskFullError,
    Document,
    LocalIndex,
    ModelMismatchError,
    PassageRow,
    ReadOnlyIndexError,
    StorageError,
)
from index.errors import storage_error
from index.local.faiss_vectors import HNSW_EF_CONSTRUCTION
from index.local.layout import STORE_NAME, VECTOR_NAME
from index.local.manifest import read_manifest
from index.protocol import SearchFilters

DIMENSION = 16
MODEL = "test-model"


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIMENSION).astype(np.float32)
    return vector / np.linalg.norm(vector)


def add(
    index: LocalIndex, doc_id: str, seeds: list[int], source: str = "S", published: str = ""
) -> None:
    text = " ".join(f"part{seed}." for seed in seeds)
    passages, offset = [], 0
    for ordinal, seed in enumerate(seeds):
        piece = f"part{seed}."
        start = text.index(piece, offset)
        passages.append(PassageRow(0, doc_id, ordinal, start, start + len(piece), piece))
        offset = start + len(piece)
    document = Document(
        doc_id, f"Title {doc_id}", text, source, "", published, {}, f"hash-{doc_id}"
    )
    index.add_document(document, passages, np.vstack([unit(seed) for seed in seeds]))


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    return LocalIndex(tmp_path / "index", MODEL, DIMENSION)


def top(
    index: LocalIndex, seed: int, k: int = 1, filters: SearchFilters | None = None
) -> list[str]:
    return [r.passage.text for r in index.search(unit(seed), k, filters)]


def test_search_finds_the_nearest_passage_with_its_document(index: LocalIndex) -> None:
    add(index, "a", [1, 2, 3])
    add(index, "b", [4, 5])
    (result,) = index.search(unit(5), 1)
    assert result.passage.text == "part5." and result.document.doc_id == "b"
    assert result.score == pytest.approx(1.0, abs=2e-3)  # stored as eight bits a value
    # A result cites its document without carrying the whole article.
    assert result.document.text == ""
    document = index.get_document("b")
    assert document is not None
    assert document.text[result.passage.start : result.passage.end] == result.passage.text
    assert len(index.search(unit(5), 50)) == 5


def test_save_and_load_keep_everything(tmp_path: Path, index: LocalIndex) -> None:
    add(index, "a", [1, 2])
    index.close()
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None
    assert (manifest.model, manifest.dimension, manifest.documents, manifest.passages) == (
        MODEL,
        DIMENSION,
        1,
        2,
    )
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    assert top(reopened, 2) == ["part2."]
    assert reopened.count_documents() == 1 and reopened.count_passages() == 2


def test_replacing_a_document_removes_its_old_passages(index: LocalIndex) -> None:
    add(index, "a", [1, 2])
    add(index, "a", [3])
    assert index.count_passages() == 1
    assert all(r.passage.text == "part3." for r in index.search(unit(1), 10))


def test_delete_removes_document_passages_and_vectors(tmp_path: Path, index: LocalIndex) -> None:
    add(index, "a", [1, 2])
    add(index, "b", [3])
    assert index.delete_document("a") is True
    assert index.delete_document("a") is False
    assert index.get_document("a") is None
    assert top(index, 1, k=10) == ["part3."]
    index.close()
    assert top(LocalIndex(tmp_path / "index", MODEL, DIMENSION), 1, k=10) == ["part3."]


def test_passage_keys_are_never_reused(index: LocalIndex) -> None:
    add(index, "a", [1])
    first_key = index.passages_of("a")[0].key
    index.delete_document("a")
    add(index, "b", [1])
    assert index.passages_of("b")[0].key > first_key


def test_filters_restrict_the_search(index: LocalIndex) -> None:
    add(index, "a", [1], source="Wire", published="2024-01-10")
    add(index, "b", [2], source="Paper", published="2024-03-05T12:00:00")
    add(index, "c", [3], source="Paper", published="")
    assert top(index, 1, 3, SearchFilters(sources=("Paper",))) == top(
        index, 1, 3, SearchFilters(doc_ids=("b", "c"))
    )
    assert set(top(index, 1, 3, SearchFilters(sources=("Paper",)))) == {"part2.", "part3."}
    assert top(index, 1, 3, SearchFilters(published_from="2024-02-01")) == ["part2."]
    assert top(index, 1, 3, SearchFilters(published_to="2024-03-05")) == top(
        index, 1, 3, SearchFilters(published_from="2024-01-01")
    )
    assert top(index, 1, 3, SearchFilters(sources=("Nobody",))) == []
    # As of a day: the undated pass, and so does a date-time on that day.
    assert set(top(index, 1, 3, SearchFilters(published_by="2024-03-05"))) == {
        "part1.", "part2.", "part3."
    }  # fmt: skip
    assert set(top(index, 1, 3, SearchFilters(published_by="2024-03-04"))) == {"part1.", "part3."}


def test_an_index_built_with_another_model_is_refused(tmp_path: Path, index: LocalIndex) -> None:
    add(index, "a", [1])
    index.close()
    with pytest.raises(ModelMismatchError, match="test-model"):
        LocalIndex(tmp_path / "index", "other-model", DIMENSION)
    with pytest.raises(ModelMismatchError, match="16 dimensions"):
        LocalIndex(tmp_path / "index", MODEL, 32)


@pytest.mark.parametrize("damage", ["corrupt", "missing", "truncated", "manifest", "inside"])
def test_a_lost_or_corrupt_vector_file_is_rebuilt_from_the_store(
    tmp_path: Path, index: LocalIndex, damage: str
) -> None:
    add(index, "a", [1, 2, 3])
    index.close()
    vector_file = tmp_path / "index" / VECTOR_NAME
    if damage == "corrupt":
        vector_file.write_bytes(b"this is not a faiss index")
    elif damage == "missing":
        vector_file.unlink()
    elif damage == "truncated":
        vector_file.write_bytes(vector_file.read_bytes()[:100])
    elif damage == "inside":
        # Vectors overwritten, header intact: FAISS would read it and serve wrong answers.
        data = bytearray(vector_file.read_bytes())
        data[-2 * 4 * DIMENSION : -4 * DIMENSION] = b"\xff" * (4 * DIMENSION)
        vector_file.write_bytes(bytes(data))
    else:
        (tmp_path / "index" / "manifest.json").write_text("{", "utf-8")
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    assert top(reopened, 3) == ["part3."]
    assert all(np.isfinite(r.score) for r in reopened.search(unit(1), 3))
    assert read_manifest(tmp_path / "index") is not None


def test_writes_not_yet_flushed_are_rebuilt_after_a_crash(
    tmp_path: Path, index: LocalIndex
) -> None:
    add(index, "a", [1])
    index.flush()
    add(index, "b", [2])  # committed to SQLite, FAISS file not rewritten: as after a crash
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    assert top(reopened, 2) == ["part2."]


def test_a_corrupt_store_is_reported_clearly(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    directory.mkdir()
    (directory / STORE_NAME).write_bytes(b"garbage" * 100)
    with pytest.raises(CorruptIndexError, match="cannot be read"):
        LocalIndex(directory, MODEL, DIMENSION)


def test_writes_through_another_handle_are_picked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two handles in one process, checking at every search; tests/test_api_e2e.py runs
    the same across real processes at the real interval."""
    import index.local.local_index

    monkeypatch.setattr(index.local.local_index, "REFRESH_INTERVAL_SECONDS", 0.0)
    server = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    add(server, "a", [1])
    ingest = LocalIndex(tmp_path / "index", MODEL, DIMENSION)  # another writer's handle
    add(ingest, "b", [2])
    ingest.close()
    assert top(server, 2) == ["part2."], "the server sees the other writer's document"
    add(server, "c", [3])
    ingest_again = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    ingest_again.delete_document("a")
    ingest_again.close()
    add(server, "d", [4])  # our write lands after someone else's: the vectors are rebuilt
    assert sorted(top(server, 1, k=10)) == ["part2.", "part3.", "part4."]


def test_a_flush_never_marks_vectors_fresher_than_they_are(tmp_path: Path) -> None:
    server = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    add(server, "a", [1])
    other = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    add(other, "b", [2])
    other.close()
    server.close()  # its vectors lack "b": the manifest must not claim the newer generation
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    assert sorted(top(reopened, 1, k=10)) == ["part1.", "part2."]


def test_a_large_index_is_rebuilt_as_hnsw_and_still_deletes(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5)
    add(index, "a", list(range(1, 11)))
    add(index, "b", list(range(11, 21)))
    index.close()
    # Reopened without its vector file: rebuilt from the store, as HNSW at this size.
    (tmp_path / "index" / VECTOR_NAME).unlink()
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5)
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and "HNSW" in manifest.vector_index
    assert top(reopened, 7) == ["part7."] and top(reopened, 15) == ["part15."]
    filtered = top(reopened, 15, k=3, filters=SearchFilters(doc_ids=("a",)))
    assert len(filtered) == 3 and all(int(text[4:-1]) <= 10 for text in filtered)
    # HNSW cannot delete: the deleted document's passages are filtered out of searches.
    reopened.delete_document("b")
    assert len(reopened.search(unit(15), 50)) == 10
    assert all(int(r.passage.text[4:-1]) <= 10 for r in reopened.search(unit(15), 50))
    reopened.close()
    again = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5)
    assert len(again.search(unit(15), 50)) == 10


def add_texts(index: LocalIndex, doc_id: str, texts: list[str]) -> None:
    passages, offset = [], 0
    for ordinal, text in enumerate(texts):
        passages.append(PassageRow(0, doc_id, ordinal, offset, offset + len(text), text))
        offset += len(text) + 1
    document = Document(doc_id, "", " ".join(texts), "", "", "", {}, f"hash-{doc_id}")
    vectors = np.vstack([unit(len(doc_id) + i) for i in range(len(texts))])
    index.add_document(document, passages, vectors)


def test_bm25_leaves_out_words_found_in_more_passages_than_the_cap(index: LocalIndex) -> None:
    add_texts(index, "a", ["river bank", "river mouth", "river delta", "money bank"])

    def found(terms: list[str], cap: int | None) -> set[int]:
        return {key for key, _ in index.search_lexical(terms, 10, term_cap=cap)}

    every = found(["river", "bank"], None)
    assert len(every) == 4
    # "river" is in three passages: above a cap of two, only "bank" is searched.
    assert len(found(["river", "bank"], 2)) == 2
    # When every word is above the cap, BM25 finds nothing (the dense search still does).
    assert found(["river", "bank"], 1) == set()
    assert len(found(["river", "delta"], 1)) == 1
    # Counts follow writes: with "bank" now in four passages, only "river" is under 4.
    add_texts(index, "b", ["bank holiday", "bank rate"])
    assert len(found(["river", "bank"], 3)) == 3


def stored_term_counts(index_dir: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The store's kept term counts, and the same counted afresh from its lexical index."""
    import sqlite3

    with sqlite3.connect(index_dir / STORE_NAME) as connection:
        kept = dict(connection.execute("SELECT term, passages FROM term_passages").fetchall())
        connection.execute(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, passages_fts, row)"
        )
        counted = dict(connection.execute("SELECT term, doc FROM temp.vocab").fetchall())
    return kept, counted


def test_term_counts_follow_additions_replacements_and_deletions(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    add_texts(index, "a", ["Rivers and banks", "the river's mouth", "banking rivers"])
    add(index, "b", [1, 2])  # titled "Title b": the title's words count for each passage
    kept, counted = stored_term_counts(tmp_path / "index")
    assert kept == counted
    assert kept["river"] == 3 and kept["bank"] == 2 and kept["titl"] == 2
    add_texts(index, "a", ["river delta"])  # replaces document a
    index.delete_document("b")
    kept, counted = stored_term_counts(tmp_path / "index")
    assert kept == counted == {"river": 1, "delta": 1}
    index.close()


def test_a_word_the_tokenizer_splits_is_capped_by_its_phrase_count(index: LocalIndex) -> None:
    add_texts(index, "a", ["river_bank one", "river_bank two", "river bank three", "river"])

    def found(terms: list[str], cap: int | None) -> int:
        return len(index.search_lexical(terms, 10, term_cap=cap))

    # "river_bank" is the phrase "river bank" to FTS5: in three passages, though "river"
    # alone is in four.
    assert found(["river_bank"], None) == 3
    assert found(["river_bank"], 3) == 3
    assert found(["river_bank"], 2) == 0
    # A word with no term at all matches nothing, capped or not.
    assert found(["_"], 2) == found(["_"], None) == 0


def test_passages_come_back_with_their_own_sentence_vectors(index: LocalIndex) -> None:
    texts = ["One. Two.", "No vectors here.", "Three. Four. Five."]
    spans = [((0, 4), (5, 9)), ((0, 16),), ((0, 6), (7, 12), (13, 18))]
    stored = [np.vstack([unit(10 * i + j) for j in range(len(s))]) for i, s in enumerate(spans)]
    starts = [0, len(texts[0]) + 1, len(texts[0]) + len(texts[1]) + 2]
    passages = [
        PassageRow(0, "a", i, at, at + len(text), text, spans[i], None if i == 1 else stored[i])
        for i, (at, text) in enumerate(zip(starts, texts, strict=True))
    ]
    document = Document("a", "", " ".join(texts), "", "", "", {}, "hash-a")
    index.add_document(document, passages, np.vstack([unit(i) for i in range(3)]))
    keys = [passage.key for passage in index.passages_of("a")]
    read = sorted(index.passages(keys).values(), key=lambda passage: passage.ordinal)
    assert [p.sentence_spans for p in read] == spans
    assert read[1].sentence_vectors is None
    for i in (0, 2):
        vectors = read[i].sentence_vectors
        assert vectors is not None and vectors.dtype == np.float32
        # Six bits a value: within half a step of the row's largest value over 31, give
        # or take the scale that keeps the row's length (up to a fifth in 16 dimensions).
        half_step = np.abs(stored[i]).max(axis=1, keepdims=True) / 62
        assert (np.abs(vectors - stored[i]) <= 1.25 * half_step + 1e-6).all()


def test_a_passage_read_again_is_the_same_and_a_deleted_one_is_not_read(
    index: LocalIndex, tmp_path: Path
) -> None:
    spans = ((0, 4), (5, 9))
    sentences = np.vstack([unit(40), unit(41)])
    document = Document("kept", "", "One. Two.", "", "", "", {}, "hash-kept")
    index.add_document(
        document, [PassageRow(0, "kept", 0, 0, 9, "One. Two.", spans, sentences)], unit(4)[None]
    )
    (key,) = [passage.key for passage in index.passages_of("kept")]
    first = index.passages([key])[key]
    again = index.passages([key, key + 1000])  # an unknown key is left out, as before
    assert list(again) == [key] and again[key].text == first.text == "One. Two."
    assert again[key].sentence_vectors is not None and first.sentence_vectors is not None
    assert np.array_equal(again[key].sentence_vectors, first.sentence_vectors)
    # Deleted by another process: this one, which has read it, no longer gives it.
    other = LocalIndex(tmp_path / "index", MODEL, DIMENSION)
    assert other.delete_document("kept")
    other.close()
    assert index.passages([key]) == {}


@pytest.mark.parametrize("dimension", [384, 10])
def test_six_bit_rows_keep_a_vector_close_in_three_quarters_of_the_bytes(dimension: int) -> None:
    from index.local import vector_blobs

    rows = np.random.default_rng(dimension).normal(size=(5, dimension)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    stored = vector_blobs.rows_to_bytes(rows, 6)
    width = len(stored) // 5
    assert width == 4 + 3 * -(-dimension // 4) == vector_blobs.row_width(dimension, 6)
    assert vector_blobs.bits_of_width(width, dimension) == 6
    read = vector_blobs.rows_from_bytes(stored, dimension, 6)
    assert read.shape == rows.shape
    assert np.allclose(np.linalg.norm(read, axis=1), 1.0, atol=1e-5)
    assert (np.sum(read * rows, axis=1) > (0.999 if dimension == 384 else 0.99)).all()
    with pytest.raises(ValueError):
        vector_blobs.rows_from_bytes(stored[:-1], dimension, 6)


def test_huge_pages_leave_the_vector_index_and_its_answers_as_they_were() -> None:
    import sys

    from index.local.faiss_vectors import VectorIndex
    from index.local.huge_pages import HUGE_PAGE, collapse_into_huge_pages

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20_000, 64)).astype(np.float32)  # 5 MB: whole 2 MB pages
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(64)
    index.add(np.arange(20_000, dtype=np.int64), vectors)
    before = [index.search(vectors[i], 10) for i in range(0, 20_000, 997)]
    (stored,) = index.searched_arrays()
    np.testing.assert_array_equal(stored.reshape(-1, 64), vectors)
    collapsed = collapse_into_huge_pages(index.searched_arrays())
    assert collapsed % HUGE_PAGE == 0
    assert collapsed > 0 or sys.platform != "linux"
    np.testing.assert_array_equal(index.searched_arrays()[0].reshape(-1, 64), vectors)
    after = [index.search(vectors[i], 10) for i in range(0, 20_000, 997)]
    for (scores, keys), (scores_after, keys_after) in zip(before, after, strict=True):
        np.testing.assert_array_equal(keys, keys_after)
        np.testing.assert_array_equal(scores, scores_after)


def test_passage_vectors_come_from_memory_or_from_the_store(tmp_path: Path) -> None:
    server = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=2)
    add(server, "a", [1, 2, 3])
    server.close()
    server = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=2)  # HNSW now
    ingest = LocalIndex(tmp_path / "index", MODEL, DIMENSION)  # another writer's handle
    add(ingest, "b", [4])
    ingest.close()
    keys = [key for key, _ in server.search_lexical(["part1", "part4"], 10)]
    assert len(keys) == 2, "the store already holds the other writer's passage"
    vectors = server.passage_vectors(keys)
    stored = server.vectors_of(keys)
    assert sorted(vectors) == sorted(keys)
    for key in keys:
        np.testing.assert_allclose(vectors[key], stored[key][0], atol=1e-6)
    assert server.passage_vectors([10_000]) == {}


def test_a_new_store_keeps_a_passage_row_in_one_page(tmp_path: Path) -> None:
    import sqlite3

    from index.local.sqlite_store import PAGE_SIZE

    LocalIndex(tmp_path / "index", MODEL, DIMENSION).close()
    with sqlite3.connect(tmp_path / "index" / STORE_NAME) as connection:
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    assert page_size == PAGE_SIZE == 16384


def test_an_hnsw_graph_built_with_a_narrower_beam_is_rebuilt(tmp_path: Path) -> None:
    import faiss

    index = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5)
    add(index, "a", list(range(1, 11)))
    index.close()
    (tmp_path / "index" / VECTOR_NAME).unlink()  # rebuilt from the store: HNSW at this size
    LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5).close()
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None
    assert manifest.vector_index.endswith(f"efConstruction{HNSW_EF_CONSTRUCTION}")
    # The graph as an earlier version built it: efConstruction 80, the manifest in step.
    path = tmp_path / "index" / VECTOR_NAME
    stored = faiss.read_index(str(path))
    faiss.downcast_index(stored.index).hnsw.efConstruction = 80
    faiss.write_index(stored, str(path))
    reopened = LocalIndex(tmp_path / "index", MODEL, DIMENSION, hnsw_from=5)
    assert top(reopened, 7) == ["part7."]
    reopened.close()
    rebuilt = faiss.read_index(str(path))
    assert faiss.downcast_index(rebuilt.index).hnsw.efConstruction == HNSW_EF_CONSTRUCTION


@pytest.mark.parametrize("loss", ["deleted", "emptied"])
def test_a_lost_store_beside_a_manifest_refuses_to_open(tmp_path: Path, loss: str) -> None:
    directory = tmp_path / "index"
    index = LocalIndex(directory, MODEL, DIMENSION)
    add(index, "a", [1, 2])
    index.close()
    manifest = (directory / "manifest.json").read_bytes()
    for path in directory.glob(f"{STORE_NAME}*"):  # the store and its WAL files
        path.unlink()
    if loss == "emptied":
        (directory / STORE_NAME).write_bytes(b"")
    with pytest.raises(CorruptIndexError, match="manifest says it holds 1 documents"):
        LocalIndex(directory, MODEL, DIMENSION)
    assert (directory / "manifest.json").read_bytes() == manifest


def test_a_store_damaged_inside_is_refused_at_open(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    index = LocalIndex(directory, MODEL, DIMENSION)
    for number in range(60):
        add(index, f"doc{number}", [number, number + 100])
    index.close()
    store = directory / STORE_NAME
    data = bytearray(store.read_bytes())
    page = 16384
    # Scramble the headers and cell pointers of the pages past the first (the schema's).
    for start in range(page, len(data), page):
        data[start : start + 200] = bytes(range(200))
    store.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match=r"damaged|cannot be read"):
        LocalIndex(directory, MODEL, DIMENSION)


@pytest.mark.parametrize(
    ("error", "kind", "says"),
    [
        (sqlite3.OperationalError("database or disk is full"), DiskFullError, "is full"),
        (OSError(28, "No space left on device"), DiskFullError, "is full"),
        (
            sqlite3.OperationalError("attempt to write a readonly database"),
            ReadOnlyIndexError,
            "read-only",
        ),
        (OSError(30, "Read-only file system"), ReadOnlyIndexError, "read-only"),
        (sqlite3.OperationalError("database is locked"), StorageError, "locked"),
        (sqlite3.DatabaseError("database disk image is malformed"), CorruptIndexError, "backup"),
    ],
)
def test_storage_errors_name_their_cause(error: Exception, kind: type, says: str) -> None:
    named = storage_error(error, Path("/srv/index"))
    assert type(named) is kind and says in str(named) and "/srv/index" in str(named)


def test_a_write_that_fails_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.local.manifest

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index.local.manifest.os, "replace", full)
    with pytest.raises(DiskFullError):
        index.local.manifest.write_atomically(tmp_path / "vectors.faiss", b"x" * 100)
    assert list(tmp_path.iterdir()) == []


def test_a_filter_admitting_most_articles_finds_what_listing_its_keys_finds(
    index: LocalIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.local import local_index

    for i in range(40):
        # "news" i + 1 times: each passage has a BM25 score of its own.
        text = "news " * (i + 1) + f"item{i}"
        published = f"2024-03-{i % 28 + 1:02d}T08:00:00" if i % 4 else "2023-06-01"
        document = Document(
            f"d{i}", f"T{i}", text, "Paper" if i % 5 else "Wire", "", published, {}, f"h{i}"
        )
        index.add_document(document, [PassageRow(0, f"d{i}", 0, 0, len(text), text)], unit(i)[None])
    listed: list[SearchFilters] = []
    keys_matching = index._store.keys_matching

    def listing(filters: SearchFilters) -> np.ndarray:
        listed.append(filters)
        return keys_matching(filters)

    monkeypatch.setattr(index._store, "keys_matching", listing)
    cases = [
        SearchFilters(published_from="2024-03-01", published_to="2024-03-31"),  # 30 of 40
        SearchFilters(published_by="2024-03-10"),  # 24: dates alone, from passage_dates
        SearchFilters(sources=("Paper",)),  # 32: through the documents
        SearchFilters(published_from="2023-01-01", published_to="2023-12-31"),  # 10: a quarter
    ]

    def searched() -> list[tuple[list[tuple[int, float]], list[tuple[int, float]]]]:
        return [
            (
                index.search_dense(unit(seed), 3, filters),
                index.search_lexical(["news"], 3, filters=filters),
            )
            for filters in cases
            for seed in (3, 8, 21)
        ]

    wide = searched()
    assert listed == []  # enough of the best unfiltered passed, every time
    monkeypatch.setattr(local_index, "WIDE_FILTER_DEPTH", 1)
    shallow = searched()
    assert listed  # too few passed among as many as wanted: the keys were listed
    monkeypatch.setattr(local_index, "WIDE_FILTER_SHARE", 2.0)  # never wide
    index._wide_filters.clear()  # the verdicts given under the old share
    listed.clear()
    assert searched() == wide == shallow
    assert len(listed) == len(cases) * 3  # by the dense search (BM25 filters in its query)
    # The filters hold: each found passage's article passes.
    for (dense, lexical), filters in zip(wide, [f for f in cases for _ in range(3)], strict=True):
        assert dense and lexical
        passing = index._store.keys_passing([key for key, _ in dense + lexical], filters)
        assert passing == {key for key, _ in dense + lexical}

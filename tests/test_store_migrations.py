"""A passage store of every older schema version opens as a new one would be: each is made
by the migrations up to its number and filled with rows the way that version wrote them,
then opened by ``LocalIndex`` and read back whole."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import CorruptIndexError, Document, LocalIndex, PassageRow, near_copies
from index.local import text_blobs, vector_blobs
from index.local.layout import STORE_NAME
from index.local.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    migrate,
    schema_version,
    write_signature_and_byline,
)
from index.local.store_check import check_local_index

DIMENSION = 8
MODEL = "test-model"
WORDS = " ".join(f"word{n}" for n in range(60))
# Two copies of one article and another: what near-copy lookups find once signatures exist.
ARTICLES = {
    "a": ("River banks", f"The river bank flooded. {WORDS}", "Writer A"),
    "b": ("River banks, again", f"The river bank flooded. {WORDS}", "Writer B"),
    "c": ("Money", "The central bank raised its rate. The money markets fell.", ""),
}


def unit_vector(seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).normal(size=DIMENSION).astype(np.float32)
    return values / np.linalg.norm(values)


def vector(seed: int) -> bytes:
    return unit_vector(seed).tobytes()


def old_store(directory: Path, version: int, signatures: bool = True) -> Path:
    """A store as a version of this schema left it: its tables, and rows in each of them
    (near-copy signatures from version 4, unless told not to)."""
    directory.mkdir()
    path = directory / STORE_NAME
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, up_to=version)
    conn.execute("INSERT INTO meta VALUES ('model', ?), ('dimension', ?)", (MODEL, DIMENSION))
    conn.execute("INSERT INTO meta VALUES ('generation', '3')")
    for seed, (doc_id, (title, text, author)) in enumerate(ARTICLES.items()):
        metadata = json.dumps({"author": author} if author else {})
        end = text.index(".") + 1
        if version >= 5:  # texts compressed, in the passages only; vectors quantised
            conn.execute(
                "INSERT INTO documents(doc_id, title, source, url, published, metadata, "
                "content_hash, gaps, text_crc) VALUES (?, ?, 'Wire', '', '2026-01-0' || ?, ?, ?, "
                "?, ?)",
                (
                    doc_id, title, seed + 1, metadata, f"hash-{doc_id}",
                    text_blobs.gaps_to_json(text_blobs.gaps_between(text, [(0, end)])),
                    text_blobs.text_checksum(text),
                ),
            )  # fmt: skip
            stored_text, stored_vector = (
                text_blobs.TextCodec().compress(text[:end]),
                vector_blobs.rows_to_bytes(unit_vector(seed)),
            )
            text_column = "compressed_text"
        else:
            conn.execute(
                "INSERT INTO documents(doc_id, title, source, url, published, text, metadata, "
                "content_hash) VALUES (?, ?, 'Wire', '', '2026-01-0' || ?, ?, ?, ?)",
                (doc_id, title, seed + 1, text, metadata, f"hash-{doc_id}"),
            )
            stored_text, stored_vector, text_column = text[:end], vector(seed), "text"
        if version >= 9:  # passage vectors in a table of their own
            cursor = conn.execute(
                f"INSERT INTO passages(doc_id, ordinal, start_offset, end_offset, {text_column}, "
                "sentence_spans) VALUES (?, 0, 0, ?, ?, ?)",
                (doc_id, end, stored_text, json.dumps([[0, end]])),
            )
            conn.execute(
                "INSERT INTO passage_vectors(key, vector) VALUES (?, ?)",
                (cursor.lastrowid, stored_vector),
            )
            if version >= 10:  # and its date beside its key
                conn.execute(
                    "INSERT INTO passage_dates(key, published) VALUES (?, '2026-01-0' || ?)",
                    (cursor.lastrowid, seed + 1),
                )
        else:
            cursor = conn.execute(
                f"INSERT INTO passages(doc_id, ordinal, start_offset, end_offset, {text_column}, "
                "vector, sentence_spans) VALUES (?, 0, 0, ?, ?, ?, ?)",
                (doc_id, end, stored_text, stored_vector, json.dumps([[0, end]])),
            )
        if version >= 2:  # that version kept the lexical index in the same transaction
            conn.execute(
                "INSERT INTO passages_fts(rowid, title, text) VALUES (?, ?, ?)",
                (cursor.lastrowid, title, text[:end]),
            )
        if version >= 4 and signatures:  # and the signatures and bylines
            write_signature_and_byline(conn, doc_id, text, json.loads(metadata))
    if version >= 3:  # and the counts of passages a term, as its writes kept them
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, passages_fts, row)")
        conn.execute("INSERT INTO term_passages SELECT term, doc FROM temp.vocab")
    conn.close()
    return directory


def term_counts(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The kept counts of passages a term, and the same counted from the lexical index."""
    with sqlite3.connect(path) as conn:
        kept = dict(conn.execute("SELECT term, passages FROM term_passages").fetchall())
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, passages_fts, row)")
        counted = dict(conn.execute("SELECT term, doc FROM temp.vocab").fetchall())
    return kept, counted


def test_the_migrations_are_numbered_one_by_one() -> None:
    assert [migration.number for migration in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_store_of_an_older_version_opens_whole(tmp_path: Path, version: int) -> None:
    directory = old_store(tmp_path / "index", version)
    index = LocalIndex(directory, MODEL, DIMENSION)
    with sqlite3.connect(directory / STORE_NAME) as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM bylines").fetchone() == (3,)
    # The lexical index holds every passage, and BM25's term counts are its own.
    found = index.passages([key for key, _ in index.search_lexical(["bank"], 10)])
    assert {passage.doc_id for passage in found.values()} == {"a", "b", "c"}
    kept, counted = term_counts(directory / STORE_NAME)
    assert kept == counted and kept["bank"] == 3
    # Near-copy signatures, and the bylines citations read.
    assert index.near_copies(["a", "b", "c"], 0.7) == {
        "a": [("b", 1.0)], "b": [("a", 1.0)], "c": []
    }  # fmt: skip
    keys = [passage.key for doc_id in ARTICLES for passage in index.passages_of(doc_id)]
    cited = index.results([(key, 1.0) for key in keys])
    assert {r.document.doc_id: r.document.author for r in cited} == {
        "a": "Writer A", "b": "Writer B", "c": ""
    }  # fmt: skip
    # The vectors come from the store, and the whole index reads back sound.
    (nearest,) = index.search(unit_vector(2), 1)
    assert nearest.document.doc_id == "c"
    # And it takes writes as a new store does.
    later = Document("d", "Later", "A bank opened.", "Wire")
    index.add_document(later, [PassageRow(0, "d", 0, 0, 14, later.text)], unit_vector(9)[None])
    assert index.count_documents() == 4
    index.close()
    report = check_local_index(directory)
    assert report.problems == [] and report.damaged == []


def test_a_store_of_this_version_is_left_as_it_is(tmp_path: Path) -> None:
    directory = old_store(tmp_path / "index", SCHEMA_VERSION, signatures=False)
    LocalIndex(directory, MODEL, DIMENSION).close()
    with sqlite3.connect(directory / STORE_NAME) as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        # This version's store was written without signatures here: it is not refilled.
        assert conn.execute("SELECT COUNT(*) FROM copy_signatures").fetchone() == (0,)


@pytest.mark.parametrize("signature", ["kept", "damaged"])
def test_deleting_a_document_takes_its_band_rows(tmp_path: Path, signature: str) -> None:
    directory = old_store(tmp_path / "index", 5)
    LocalIndex(directory, MODEL, DIMENSION).close()  # migration 6 drops the bands' index
    path = directory / STORE_NAME
    with sqlite3.connect(path) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'copy_bands_by_doc'"
        ).fetchone() == (0,)
        if signature == "damaged":  # its bands cannot be worked out: every row is looked at
            conn.execute("UPDATE copy_signatures SET signature = x'00' WHERE doc_id = 'a'")
    index = LocalIndex(directory, MODEL, DIMENSION)
    assert index.delete_document("a")
    assert index.near_copies(["b"], 0.7) == {"b": []}
    index.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM copy_bands WHERE doc_id = 'a'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM copy_bands WHERE doc_id = 'b'").fetchone() == (
            near_copies.BANDS,
        )


def test_a_store_of_a_later_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    directory = old_store(tmp_path / "index", SCHEMA_VERSION)
    with sqlite3.connect(directory / STORE_NAME) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,)
        )
    with pytest.raises(CorruptIndexError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade"):
        LocalIndex(directory, MODEL, DIMENSION)
    with sqlite3.connect(directory / STORE_NAME) as conn:
        assert schema_version(conn) == SCHEMA_VERSION + 1


def test_a_store_made_before_migrations_were_numbered_keeps_its_rows(tmp_path: Path) -> None:
    # Such a store says version 1 but already has every table of version 4, filled.
    directory = old_store(tmp_path / "index", 4)
    with sqlite3.connect(directory / STORE_NAME) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute("INSERT INTO meta VALUES ('extras_generation', '1')")
        signatures = conn.execute("SELECT * FROM copy_signatures").fetchall()
    LocalIndex(directory, MODEL, DIMENSION).close()
    with sqlite3.connect(directory / STORE_NAME) as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT * FROM copy_signatures").fetchall() == signatures
        assert sorted(conn.execute("SELECT author FROM bylines").fetchall()) == [
            ("",), ("Writer A",), ("Writer B",)
        ]  # fmt: skip
        # What told before whether signatures were current is gone with the probes.
        assert conn.execute("SELECT key FROM meta WHERE key LIKE '%generation'").fetchall() == [
            ("generation",)
        ]


def test_eight_bit_sentence_vectors_are_kept_in_six_bits_once_migrated(tmp_path: Path) -> None:
    directory = old_store(tmp_path / "index", 7)
    path = directory / STORE_NAME
    sentences = np.vstack([unit_vector(20), unit_vector(21)])
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE passages SET sentence_spans = '[[0, 3], [4, 9]]', sentence_vectors = ? "
            "WHERE doc_id = 'c'",
            (vector_blobs.rows_to_bytes(sentences, 8),),
        )
    index = LocalIndex(directory, MODEL, DIMENSION)
    (passage,) = index.passages_of("c")
    read = index.passages([passage.key])[passage.key].sentence_vectors
    assert read is not None and read.shape == (2, DIMENSION)
    assert (np.sum(read * sentences, axis=1) > 0.99).all()
    index.close()
    with sqlite3.connect(path) as conn:
        (stored,) = conn.execute(
            "SELECT sentence_vectors FROM passages WHERE doc_id = 'c'"
        ).fetchone()
    assert (
        len(stored)
        == 2 * vector_blobs.row_width(DIMENSION, 6)
        < len(vector_blobs.rows_to_bytes(sentences, 8))
    )
    assert check_local_index(directory).problems == []


def test_passage_vectors_leave_with_their_passages_and_a_lost_one_is_named(
    tmp_path: Path,
) -> None:
    directory = old_store(tmp_path / "index", 8)
    index = LocalIndex(directory, MODEL, DIMENSION)  # migration 9 moves the vectors out
    assert index.delete_document("b")
    index.close()
    path = directory / STORE_NAME
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM passage_vectors").fetchone() == (2,)
        assert conn.execute(
            "SELECT COUNT(*) FROM passage_vectors WHERE key NOT IN (SELECT key FROM passages)"
        ).fetchone() == (0,)
        conn.execute(
            "DELETE FROM passage_vectors WHERE key IN (SELECT key FROM passages WHERE doc_id = 'c')"
        )
    report = check_local_index(directory)
    assert [(d.doc_id, "vector is missing" in d.problem) for d in report.damaged] == [("c", True)]


def test_passage_dates_are_their_articles_and_a_lost_or_wrong_one_is_named(
    tmp_path: Path,
) -> None:
    directory = old_store(tmp_path / "index", 9)
    index = LocalIndex(directory, MODEL, DIMENSION)  # migration 10 copies the dates out
    keys = {doc_id: [p.key for p in index.passages_of(doc_id)] for doc_id in ARTICLES}
    assert index.published_dates(keys["a"] + keys["c"]) == {
        keys["a"][0]: "2026-01-01",
        keys["c"][0]: "2026-01-03",
    }
    assert index.delete_document("b")
    index.close()
    path = directory / STORE_NAME
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT key FROM passage_dates ORDER BY key").fetchall() == [
            (keys["a"][0],),
            (keys["c"][0],),
        ]
        conn.execute("UPDATE passage_dates SET published = '1999-01-01' WHERE key = ?", keys["a"])
        conn.execute("DELETE FROM passage_dates WHERE key = ?", keys["c"])
    problems = {d.doc_id: d.problem for d in check_local_index(directory).damaged}
    assert "its date is not its article's" in problems["a"]
    assert "its date is missing" in problems["c"]

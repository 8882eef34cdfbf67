"""Reading an index's files ahead into the page cache, when they fit in memory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.local import page_cache


def test_files_that_fit_are_read_ahead_and_others_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "passages.sqlite3"
    store.write_bytes(b"x" * 100_000)
    available = page_cache.memory_available()
    assert available is not None and available > 0
    assert page_cache.read_ahead([store, tmp_path / "absent"])
    # Files taking more than half the memory available would push out what is in use.
    monkeypatch.setattr(page_cache, "memory_available", lambda: 150_000)
    assert not page_cache.read_ahead([store])
    monkeypatch.setattr(page_cache, "memory_available", lambda: None)
    assert not page_cache.read_ahead([store])


def test_a_store_s_passage_vectors_are_read_through_first(tmp_path: Path) -> None:
    import numpy as np

    from index import Document, LocalIndex, PassageRow
    from index.local.local_index import READ_FIRST

    index = LocalIndex(tmp_path / "index", "test-model", 8)
    text = "One passage."
    document = Document("d", "", text, "", "", "", {}, "hash-d")
    vector = np.eye(8, dtype=np.float32)[:1]
    index.add_document(document, [PassageRow(0, "d", 0, 0, len(text), text)], vector)
    store = tmp_path / "index" / "passages.sqlite3"
    # The tables a server reads first are the store's: a name it lacks would stop the rest.
    with sqlite3.connect(store) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert set(READ_FIRST) <= tables
    # Read by a process of its own, while this one keeps the store open and writable.
    assert page_cache.read_ahead([store], tables_first=["passage_vectors"])
    index.add_document(Document("e", "", text, "", "", "", {}, "hash-e"), [
        PassageRow(0, "e", 0, 0, len(text), text)
    ], vector)  # fmt: skip
    assert index.count_documents() == 2
    index.read_ahead()  # never raises
    index.close()
    # A file that is not a store: its tables cannot be read, and it is read ahead whole all
    # the same, without a word raised.
    other = tmp_path / "other.bin"
    other.write_bytes(b"x" * 10_000)
    assert page_cache.read_ahead([other], tables_first=["passage_vectors"])

"""Reading an index's files ahead into the page cache, when they fit in memory."""

from __future__ import annotations

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

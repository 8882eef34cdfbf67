"""Reading an index's files ahead into the page cache, when they fit in memory."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import sys
import time
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


def _resident_share(path: Path) -> float:
    """The share of the file's pages in the page cache (mincore over a shared mapping)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long
    ]  # fmt: skip
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = path.stat().st_size
    pages = -(-size // os.sysconf("SC_PAGE_SIZE"))
    resident = (ctypes.c_ubyte * pages)()
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        assert address not in (None, ctypes.c_void_p(-1).value)
        try:
            assert libc.mincore(address, size, resident) == 0
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)
    return sum(page & 1 for page in resident) / pages


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mincore as Linux has it")
def test_a_file_larger_than_the_kernel_s_read_ahead_window_is_read_whole(
    tmp_path: Path,
) -> None:
    # One WILLNEED over a whole file reads only the kernel's window (a few MB at most).
    store = tmp_path / "passages.sqlite3"
    with open(store, "wb") as handle:
        handle.write(os.urandom(64 << 20))
        handle.flush()
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if _resident_share(store) > 0.1:
        pytest.skip("this file system keeps the file in memory whatever it is asked")
    assert page_cache.read_ahead([store])
    deadline = time.monotonic() + 20  # the kernel reads in the background
    while _resident_share(store) < 0.95 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _resident_share(store) >= 0.95


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

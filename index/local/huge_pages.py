"""Huge pages for the vector index's memory, where Linux offers them.

An HNSW search visits a few thousand vectors scattered over gigabytes, and with 4 KB pages
finding each one's address is a large part of the cost; 2 MB pages make searches at a
million passages markedly faster.

Most Linux systems hand out huge pages only to memory that asks for them (``madvise`` mode),
and FAISS does not ask, so once an index is in memory its arrays are asked for them
(``MADV_HUGEPAGE``) and collapsed into them in place (``MADV_COLLAPSE``, Linux 6.1), on a
background thread, which costs seconds of one core. Elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25


def _madvise() -> Callable[[int, int, int], int] | None:
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


def collapse_into_huge_pages(arrays: Sequence[np.ndarray]) -> int:
    """Back the whole 2 MB pages inside each array with huge pages; the bytes so backed
    (0 where the system cannot). The arrays' contents do not change."""
    madvise = _madvise()
    if madvise is None:
        return 0
    collapsed = 0
    for array in arrays:
        start = -(-array.ctypes.data // HUGE_PAGE) * HUGE_PAGE  # rounded up
        end = (array.ctypes.data + array.nbytes) // HUGE_PAGE * HUGE_PAGE
        if end <= start:
            continue
        if madvise(start, end - start, _MADV_HUGEPAGE) or madvise(
            start, end - start, _MADV_COLLAPSE
        ):
            log.debug("no huge pages for %d MB: errno %d", (end - start) >> 20, ctypes.get_errno())
            continue
        collapsed += end - start
    return collapsed

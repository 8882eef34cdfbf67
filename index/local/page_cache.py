"""Reading an index's files into the page cache ahead of the questions that need them.

A server started on a machine that has not read its store lately answers its first
questions from disk, a random read for each passage. Asking the kernel to read the files
ahead (``POSIX_FADV_WILLNEED``) turns that into one sequential read in the background,
when the files fit in memory beside everything else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

# Read ahead only files that take at most this share of the memory available.
MEMORY_SHARE = 0.5


def memory_available() -> int | None:
    """Bytes of memory available for new work (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_ahead(paths: Sequence[Path]) -> bool:
    """Ask the kernel to read these files into the page cache; whether it was asked (not
    when they would take more than MEMORY_SHARE of the memory available, or the system
    cannot be asked)."""
    available = memory_available()
    present = [path for path in paths if path.is_file()]
    size = sum(path.stat().st_size for path in present)
    if available is None or size > MEMORY_SHARE * available or not hasattr(os, "posix_fadvise"):
        return False
    for path in present:
        with open(path, "rb") as handle:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)
    log.info("reading %.1f GB of %s ahead into the page cache", size / 1e9, present[0].parent)
    return True

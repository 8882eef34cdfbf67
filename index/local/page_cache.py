"""Reading an index's files into the page cache ahead of the questions that need them.

A server started on a machine that has not read its store lately answers its first
questions from disk, a random read for each passage. Asking the kernel to read the files
ahead (``POSIX_FADV_WILLNEED``) turns that into one sequential read in the background,
when the files fit in memory beside everything else.

The kernel is asked from a child process: closing any descriptor of a database file drops
every SQLite lock this process holds on it, so this process never opens the store itself.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

# Read ahead only files that take at most this share of the memory available.
MEMORY_SHARE = 0.5
# Linux reads at most its read-ahead window (128 KB to a few MB) for one WILLNEED, however
# long the range: a whole file is asked for a chunk at a time.
ADVICE_BYTES = 2 << 20
# What the child process runs: the tables named on stdin read through first (counting a
# table's rows reads each of its pages), then WILLNEED on each file chunk by chunk, which a
# table that cannot be read does not stop. Its own read-only connection: another process's
# descriptors leave this one's SQLite locks alone.
_ADVISE = (
    f"import json, os, sqlite3, sys\nchunk = {ADVICE_BYTES}\n"
    "tables = json.load(sys.stdin)\n"
    "try:\n"
    "    db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True) if tables else None\n"
    "    for table in tables:\n"
    "        db.execute('SELECT count(*) FROM \"%s\"' % table.replace('\"', '')).fetchone()\n"
    "    if db is not None:\n"
    "        db.close()\n"
    "except sqlite3.Error as error:\n"
    "    print(error, file=sys.stderr)\n"
    "for path in sys.argv[1:]:\n"
    "    fd = os.open(path, os.O_RDONLY)\n"
    "    for start in range(0, os.fstat(fd).st_size, chunk):\n"
    "        os.posix_fadvise(fd, start, chunk, os.POSIX_FADV_WILLNEED)\n"
    "    os.close(fd)\n"
)


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


def read_ahead(paths: Sequence[Path], tables_first: Sequence[str] = ()) -> bool:
    """Ask the kernel to read these files into the page cache, after reading through the
    SQLite tables ``tables_first`` of the first file; whether it was asked (not when they
    would take more than MEMORY_SHARE of the memory available, or the system cannot be
    asked)."""
    available = memory_available()
    present = [path for path in paths if path.is_file()]
    try:
        size = sum(path.stat().st_size for path in present)
    except OSError:  # gone meanwhile: nothing to read ahead, and no reason to fail
        return False
    if available is None or size > MEMORY_SHARE * available or not hasattr(os, "posix_fadvise"):
        return False
    if not present:
        return False
    try:
        advised = subprocess.run(
            [sys.executable, "-c", _ADVISE, *map(str, present)],
            input=json.dumps(list(tables_first) if present == list(paths) else []),
            capture_output=True,
            text=True,
            timeout=600,  # a whole store, on a slow disk
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("could not read %s ahead: %s", present[0].parent, error)
        return False
    if advised.returncode != 0:
        log.warning("could not read %s ahead: %s", present[0].parent, advised.stderr[-500:])
        return False
    log.info("reading %.1f GB of %s ahead into the page cache", size / 1e9, present[0].parent)
    return True

"""What an index directory takes on disk, by part, in bytes a passage.

The store's share is split by SQLite's ``dbstat`` (pages of each table and index); the
vector index, manifest and anything else in the directory are counted by file size, so
the parts add up to the whole directory.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from index.local.layout import STORE_NAME

# Store tables and indexes grouped into the parts reported; anything else is "other".
PARTS = {
    "passages (text, sentence vectors)": ("passages", "passages_by_doc"),
    "passage vectors": ("passage_vectors",),
    "passage dates": ("passage_dates",),
    "lexical index (FTS5 and term counts)": (
        "passages_fts_data", "passages_fts_idx", "passages_fts_docsize", "passages_fts_config",
        "term_passages",
    ),
    "near-copy signatures and bands": (
        "copy_signatures", "copy_bands", "copy_bands_by_doc", "copy_candidates",
    ),
    "articles (metadata, bylines)": (
        "documents", "sqlite_autoindex_documents_1", "documents_by_published",
        "documents_by_source", "bylines",
    ),
}  # fmt: skip


def disk_by_part(directory: Path, passages: int) -> dict[str, Any]:
    """Bytes a passage of each part, and of the whole directory."""
    per_passage = max(passages, 1)
    store = directory / STORE_NAME
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        pages = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    parts: dict[str, int] = {}
    for part, names in PARTS.items():
        parts[part] = sum(pages.pop(name, 0) for name in names)
    # Free pages and SQLite's own tables: the rest of the store file.
    parts["store: other and free pages"] = store.stat().st_size - sum(parts.values())
    for path in sorted(directory.iterdir()):
        if path.is_file() and path != store:
            parts[path.name] = path.stat().st_size
    whole = sum(parts.values())
    return {
        "passages": passages,
        "bytes_a_passage": round(whole / per_passage),
        "parts_bytes_a_passage": {
            part: round(size / per_passage) for part, size in parts.items() if size
        },
    }

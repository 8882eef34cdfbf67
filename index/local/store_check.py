"""A local index read back whole (``qa check``): SQLite's full integrity_check, every
document and passage row, and the vector file against its manifest. What it finds says
which documents a damaged store has lost, and so which to ingest again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from index.errors import CorruptIndexError, StorageError
from index.local.faiss_vectors import VectorIndex
from index.local.layout import STORE_NAME, VECTOR_NAME
from index.local.local_index import index_exists, refuse_a_lost_store, why_vectors_stale
from index.local.manifest import Manifest, read_manifest
from index.local.sqlite_store import PassageStore


@dataclass(frozen=True)
class DamagedDocument:
    doc_id: str
    problem: str
    # What the store still knows of it, to find it again: empty when its row is lost.
    title: str = ""
    url: str = ""


@dataclass
class StoreReport:
    store: Path
    documents: int = 0
    passages: int = 0
    # What is wrong with the store as a whole (SQLite's lines, the lexical index).
    problems: list[str] = field(default_factory=list)
    damaged: list[DamagedDocument] = field(default_factory=list)
    # Why the vector file will be rebuilt from the store ("" when it is current): no loss.
    vectors_stale: str = ""

    @property
    def sound(self) -> bool:
        return not self.problems and not self.damaged


def check_local_index(directory: Path, *, show_progress: bool = False) -> StoreReport:
    """Read the index in ``directory`` back. Raises StorageError when the store cannot be
    opened at all (missing, lost beside its manifest, not a database)."""
    store_path = directory / STORE_NAME
    manifest = read_manifest(directory)
    refuse_a_lost_store(directory, manifest)
    if not index_exists(directory):
        raise StorageError(f"there is no index at {directory} (no {STORE_NAME})")
    store = PassageStore(store_path)
    try:
        built_with = store.stored_model()
        report = StoreReport(store_path)
        report.problems = store.integrity_problems()
        try:
            doc_ids = store.document_ids()
            report.documents, report.passages = len(doc_ids), store.count_passages()
        except sqlite3.DatabaseError as error:
            report.problems.append(f"the documents cannot be listed: {error}")
            return report
        if manifest is not None and manifest.documents and not doc_ids:
            report.problems.append(f"the manifest names {manifest.documents} documents, none left")
        dimension = built_with[1] if built_with else 0
        for doc_id in tqdm(doc_ids, desc="reading back", unit="doc", disable=not show_progress):
            problem = store.read_back(doc_id, dimension)
            if problem is not None:
                report.damaged.append(_damaged(store, doc_id, problem))
        report.vectors_stale = _why_vectors_stale(directory, manifest, store, dimension)
        return report
    finally:
        store.close()


def _damaged(store: PassageStore, doc_id: str, problem: str) -> DamagedDocument:
    try:
        # Its citation fields only: its text may be what is damaged.
        document = store.citations([doc_id]).get(doc_id)
    except (sqlite3.DatabaseError, ValueError):  # the row itself may be what is damaged
        document = None
    if document is None:
        return DamagedDocument(doc_id, problem)
    return DamagedDocument(doc_id, problem, document.title, document.url)


def _why_vectors_stale(
    directory: Path, manifest: Manifest | None, store: PassageStore, dimension: int
) -> str:
    reason = why_vectors_stale(directory, manifest, store.generation(), store.count_passages())
    if reason is not None or manifest is None:
        return reason or ""
    try:
        vectors = VectorIndex.load(directory / VECTOR_NAME, dimension, manifest.vector_checksum)
    except CorruptIndexError as error:
        return str(error)
    if len(vectors) != manifest.passages:
        return f"it holds {len(vectors)} vectors for {manifest.passages} passages"
    return ""

"""The passage store: documents, passages and their vectors in one SQLite file.

It is the source of truth of an index directory. Every write is one transaction, so an
interrupted ingest leaves whole documents or none, and a write is durable once it commits
(WAL journal, ``synchronous=FULL``). The FAISS file is derived from it; the ``generation``
counter, bumped by every write, tells whether a FAISS file is stale. Its schema, and how a
store of an older version is brought up to date, is ``index.local.migrations``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index import near_copies
from index.errors import CorruptIndexError, ModelMismatchError, storage_error
from index.local import text_blobs, vector_blobs
from index.local.fts_terms import TermSplitter
from index.local.migrations import (
    delete_signature_and_byline,
    migrate,
    write_signature_and_byline,
)
from index.local.text_blobs import TextCodec, TextCorrupt
from index.protocol import SearchFilters
from index.records import DOCUMENT_FIELDS, Document, PassageRow, document_from_fields

log = logging.getLogger(__name__)

# Passage dates remembered for recency (about 100 bytes each).
PUBLISHED_CACHE = 200_000
# Passages kept decoded (text, spans, sentence vectors: about 10 KB each). A key's row never
# changes, so for one kept only whether it still exists is read again.
PASSAGE_CACHE = 2048
PAGE_SIZE = 16384

# The stored columns of a document: its text is kept in its passages (and gaps).
_STORED_FIELDS = tuple(name for name in DOCUMENT_FIELDS if name != "text")
_DOCUMENT_COLUMNS = ", ".join(_STORED_FIELDS)


def _document_from_row(row: Sequence[object], text: str = "") -> Document:
    return document_from_fields(dict(zip(_STORED_FIELDS, row, strict=True)), text)


def _sentence_blob(vectors: np.ndarray | None) -> bytes | None:
    return vector_blobs.rows_to_bytes(vectors, vector_blobs.SENTENCE_BITS) or None


def _sentence_matrices(
    spans: Sequence[Sequence[tuple[int, int]]], blobs: Sequence[bytes | None], dimension: int
) -> list[np.ndarray | None]:
    """Each passage's stored sentence vectors as float32 rows (None when there are none or
    they are damaged), decoded in one go for each width stored (eight bits before schema
    8, six after): a decoding a passage was a visible part of a question's time."""
    matrices: list[np.ndarray | None] = [None] * len(blobs)
    by_bits: dict[int, list[int]] = {}
    for at, (spans_of, blob) in enumerate(zip(spans, blobs, strict=True)):
        if blob and spans_of and len(blob) % len(spans_of) == 0:
            bits = vector_blobs.bits_of_width(len(blob) // len(spans_of), dimension)
            if bits is not None:
                by_bits.setdefault(bits, []).append(at)
    for bits, places in by_bits.items():
        every = vector_blobs.rows_from_bytes(
            b"".join(blobs[at] or b"" for at in places), dimension, bits
        )
        first = 0
        for at in places:
            count = len(spans[at])
            matrices[at] = every[first : first + count]
            first += count
    return matrices


def _passage_vectors(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """Stored passage vectors as float32, decoded in one go when they are of one width (a
    row at a time cost a question more than a millisecond at 256 candidates)."""
    widths = {len(blob) for blob in blobs}
    if len(widths) > 1:  # never written so, but a damaged row must not hide the others
        return [_passage_vectors([blob])[0] for blob in blobs]
    if not blobs:
        return []
    dimension = vector_blobs.row_dimension(widths.pop())
    return list(vector_blobs.rows_from_bytes(b"".join(blobs), dimension))


def _spans(stored: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in json.loads(stored))


def _fts_phrase(word: str) -> str:
    # Quoted, so that no word of a question is read as FTS5 syntax.
    return '"' + word.replace('"', '""') + '"'


def _filter_clause(filters: SearchFilters) -> tuple[str, list[str]]:
    """A WHERE clause over documents ``d`` for the filters, and its parameters."""
    clauses: list[str] = []
    params: list[str] = []
    if filters.doc_ids:
        clauses.append(f"d.doc_id IN ({','.join('?' * len(filters.doc_ids))})")
        params.extend(filters.doc_ids)
    if filters.sources:
        clauses.append(f"d.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.published_from:
        clauses.append("d.published != '' AND d.published >= ?")
        params.append(filters.published_from)
    # A date-time on the last day still counts: "~" sorts after every character of an ISO
    # date-time. A bound on published itself lets the index on it end the range.
    if filters.published_to:
        clauses.append("d.published != '' AND d.published < ?")
        params.append(f"{filters.published_to}~")
    if filters.published_by:  # the undated ("") sort first: they pass
        clauses.append("d.published < ?")
        params.append(f"{filters.published_by}~")
    return " AND ".join(clauses) or "1", params


def _passage_problem(vector: bytes | None, dimension: int) -> str | None:
    if vector is None:
        return "its vector is missing"
    width = vector_blobs.row_width(dimension)
    if len(vector) != width:
        return f"its vector has {len(vector)} bytes, not {width}"
    if not np.isfinite(vector_blobs.rows_from_bytes(vector, dimension)).all():
        return "its vector holds values that are not numbers"
    return None


def _sentences_problem(spans: str, blob: bytes | None, dimension: int) -> str | None:
    try:
        sentences = len(json.loads(spans))
    except ValueError:
        return "its sentence spans are not JSON"
    if (
        blob is not None
        and sentences
        and (
            len(blob) % sentences
            or vector_blobs.bits_of_width(len(blob) // sentences, dimension) is None
        )
    ):
        return f"its sentence vectors have {len(blob)} bytes for {sentences} sentences"
    return None


class PassageStore:
    """One SQLite connection shared by the threads of a process, behind a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._terms = TermSplitter()
        self._published: dict[int, str] = {}
        self._decoded: OrderedDict[int, PassageRow] = OrderedDict()
        self._dimension = 0  # the bound model's, read on first use
        try:
            # isolation_level=None: no implicit transactions; writes use explicit BEGIN.
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            # Takes effect only in a new store, and only before WAL is on: a few passage
            # rows (text, vector, sentence vectors: about 2.5 KB) share one disk read.
            self._conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn, path)
            self._codec = TextCodec(self._dictionaries())
        except sqlite3.DatabaseError as error:
            raise storage_error(error, path) from error

    def _dictionaries(self) -> list[bytes]:
        return [
            bytes(data)
            for (data,) in self._conn.execute("SELECT data FROM text_dictionaries ORDER BY rowid")
        ]

    def _decompress(self, blob: bytes) -> str:
        """A stored passage text. Raises TextCorrupt when it cannot be read."""
        try:
            return self._codec.decompress(blob)
        except text_blobs.UnknownDictionary:
            # Trained by another process since this one opened the store: read it.
            with self._lock:
                self._codec = TextCodec(self._dictionaries())
            return self._codec.decompress(blob)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def quick_check(self) -> None:
        """SQLite's quick_check over the whole store: CorruptIndexError naming what it found
        damaged, rather than errors on the questions that happen to read it."""
        with self._lock:
            try:
                rows = self._conn.execute("PRAGMA quick_check(5)").fetchall()
            except sqlite3.DatabaseError as error:
                rows = [(str(error),)]
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        if problems:
            raise CorruptIndexError(
                f"the passage store {self.path} is damaged ({'; '.join(problems)}): restore "
                "it from a backup, or run `qa check` to see which documents to ingest again"
            )

    def integrity_problems(self, most: int = 20) -> list[str]:
        """What SQLite's full integrity_check, the foreign keys and the lexical index's
        own check find wrong, at most ``most`` lines; [] for a sound store. Slower than
        quick_check: it reads every index of every table."""
        checks = [
            f"PRAGMA integrity_check({int(most)})",
            "PRAGMA foreign_key_check",
            "INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)",
        ]
        problems = []
        with self._lock:
            for check in checks:
                try:
                    rows = self._conn.execute(check).fetchall()
                except sqlite3.DatabaseError as error:
                    rows = [(f"{check.split('(')[0].strip()}: {error}",)]
                problems += [" ".join(map(str, row)) for row in rows if row[0] != "ok"]
        return problems[:most]

    def document_ids(self) -> list[str]:
        with self._lock:
            return [str(row[0]) for row in self._conn.execute("SELECT doc_id FROM documents")]

    def read_back(self, doc_id: str, dimension: int) -> str | None:
        """Why the document does not read back whole (None when it does): its row, each of
        its passages' text, vector and sentence vectors, its text rebuilt from them against
        its checksum, and its rows in the lexical index."""
        try:
            with self._lock:
                stored = self._conn.execute(
                    "SELECT gaps, text_crc, published FROM documents WHERE doc_id = ?", (doc_id,)
                ).fetchone()
                rows = self._conn.execute(
                    "SELECT p.key, p.ordinal, p.start_offset, p.end_offset, p.compressed_text, "
                    "v.vector, p.sentence_spans, p.sentence_vectors, t.published FROM passages p "
                    "LEFT JOIN passage_vectors v ON v.key = p.key "
                    "LEFT JOIN passage_dates t ON t.key = p.key WHERE p.doc_id = ? "
                    "ORDER BY p.ordinal",
                    (doc_id,),
                ).fetchall()
                indexed = self._rows_where_in(
                    "SELECT rowid FROM passages_fts WHERE rowid IN ({})", [row[0] for row in rows]
                )
        except (sqlite3.DatabaseError, ValueError) as error:
            return f"its rows cannot be read ({error})"
        if stored is None:
            return "its row is gone"
        if not rows:
            return "it has no passages"
        pieces: list[tuple[int, str]] = []
        for key, ordinal, start, end, blob, vector, spans, sentence_vectors, day in rows:
            try:
                text = self._decompress(blob)
                problem = None
                if len(text) != end - start:
                    problem = f"its text is not characters {start}-{end} of the document"
            except TextCorrupt as error:
                problem = f"its text {error}"
            if problem is None and day != stored[2]:
                problem = "its date is missing" if day is None else "its date is not its article's"
            problem = problem or _passage_problem(vector, dimension)
            problem = problem or _sentences_problem(spans, sentence_vectors, dimension)
            if problem is not None:
                return f"passage {ordinal} (key {key}): {problem}"
            pieces.append((start, text))
        try:
            text = text_blobs.join_text(pieces + text_blobs.gaps_from_json(stored[0]))
        except TextCorrupt as error:
            return f"its text {error}"
        if text_blobs.text_checksum(text) != stored[1]:
            return "its text, rebuilt from its passages, does not match its checksum"
        if len(indexed) != len(rows):
            return f"{len(rows) - len(indexed)} of its passages are missing from the lexical index"
        return None

    # -- metadata ----------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back when it
        raises (if SQLite has not already rolled it back itself, as on a full disk)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            # Named by its cause (full disk, read-only), not as SQLite's generic failure.
            raise storage_error(error, self.path.parent) from error

    def bind_model(self, model: str, dimension: int) -> None:
        """Record the encoder of a new store, or refuse a store built with another one."""
        with self._lock:
            stored_model, stored_dimension = self._meta("model"), self._meta("dimension")
            if stored_model is None or stored_dimension is None:
                self._set_meta("model", model)
                self._set_meta("dimension", str(dimension))
                return
            if stored_model != model or int(stored_dimension) != dimension:
                raise ModelMismatchError(
                    self.path.parent, (stored_model, int(stored_dimension)), (model, dimension)
                )

    def _vector_dimension(self) -> int:
        """The dimension of the stored vectors (0 before a model is bound)."""
        if not self._dimension:
            bound = self.stored_model()
            self._dimension = bound[1] if bound else 0
        return self._dimension

    def stored_model(self) -> tuple[str, int] | None:
        with self._lock:
            model, dimension = self._meta("model"), self._meta("dimension")
        return None if model is None or dimension is None else (model, int(dimension))

    def generation(self) -> int:
        with self._lock:
            return int(self._meta("generation") or 0)

    # -- writes ------------------------------------------------------------------

    def upsert_document(
        self, document: Document, passages: Sequence[PassageRow], vectors: np.ndarray
    ) -> tuple[list[int], list[int], int]:
        """Store a document, replacing one of the same id, in one transaction.

        Returns the keys given to the new passages, the keys of the passages removed and
        the store's generation after the write.
        """
        if len(passages) != len(vectors):
            raise ValueError("one vector per passage is needed")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if any(document.text[p.start : p.end] != p.text for p in passages):
            # The article is kept as its passages: each must be its span of the text.
            raise ValueError("a passage's text is not its span of the document's text")
        gaps = text_blobs.gaps_between(document.text, [(p.start, p.end) for p in passages])
        with self._lock, self._transaction():
            removed = self._delete_locked(document.doc_id)
            self._conn.execute(
                f"INSERT INTO documents({_DOCUMENT_COLUMNS}, gaps, text_crc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document.doc_id,
                    document.title,
                    document.source,
                    document.url,
                    document.published,
                    json.dumps(document.metadata, ensure_ascii=False, sort_keys=True),
                    document.content_hash,
                    text_blobs.gaps_to_json(gaps),
                    text_blobs.text_checksum(document.text),
                ),
            )
            write_signature_and_byline(
                self._conn, document.doc_id, document.text, document.metadata
            )
            keys = []
            for passage, vector in zip(passages, vectors, strict=True):
                cursor = self._conn.execute(
                    "INSERT INTO passages(doc_id, ordinal, start_offset, end_offset, "
                    "compressed_text, sentence_spans, sentence_vectors) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        document.doc_id,
                        passage.ordinal,
                        passage.start,
                        passage.end,
                        self._codec.compress(passage.text),
                        json.dumps(passage.sentence_spans),
                        _sentence_blob(passage.sentence_vectors),
                    ),
                )
                keys.append(int(cursor.lastrowid or 0))
                self._conn.execute(
                    "INSERT INTO passage_vectors(key, vector) VALUES (?, ?)",
                    (keys[-1], vector_blobs.rows_to_bytes(vector)),
                )
                self._conn.execute(
                    "INSERT INTO passage_dates(key, published) VALUES (?, ?)",
                    (keys[-1], document.published),
                )
                self._conn.execute(
                    "INSERT INTO passages_fts(rowid, title, text) VALUES (?, ?, ?)",
                    (keys[-1], document.title, passage.text),
                )
            self._count_terms([(document.title, passage.text) for passage in passages], +1)
            trained = self._train_dictionary_when_due()
            generation = self._bump_generation()
        if trained is not None:  # only once the dictionary is committed
            self._codec = trained
        return keys, removed, generation

    def _train_dictionary_when_due(self) -> TextCodec | None:
        """Once a store without a text dictionary holds enough passages: one trained on
        them, with them compressed again by it (in the write's transaction)."""
        if self._codec.dictionary_id:
            return None
        stored = self._dictionaries()
        if stored:  # trained by another process
            return TextCodec(stored)
        (passages,) = self._conn.execute("SELECT COUNT(*) FROM passages").fetchone()
        if passages < text_blobs.DICTIONARY_FROM:
            return None
        texts = [
            (int(key), self._codec.decompress(blob))
            for key, blob in self._conn.execute("SELECT key, compressed_text FROM passages")
        ]
        dictionary = text_blobs.train_dictionary([text for _, text in texts])
        codec = TextCodec([dictionary])
        self._conn.execute(
            "INSERT INTO text_dictionaries(dict_id, data) VALUES (?, ?)",
            (codec.dictionary_id, dictionary),
        )
        self._conn.executemany(
            "UPDATE passages SET compressed_text = ? WHERE key = ?",
            [(codec.compress(text), key) for key, text in texts],
        )
        return codec

    def delete_document(self, doc_id: str) -> tuple[list[int], int] | None:
        """Delete a document: the keys of its passages and the generation after the write,
        or None when it did not exist."""
        with self._lock, self._transaction():
            exists = self._conn.execute(
                "SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
            if exists is None:
                return None
            removed = self._delete_locked(doc_id)
            generation = self._bump_generation()
        return removed, generation

    def _delete_locked(self, doc_id: str) -> list[int]:
        rows = [
            (int(key), str(title), self._decompress(blob))
            for key, title, blob in self._conn.execute(
                "SELECT p.key, d.title, p.compressed_text FROM passages p JOIN documents d "
                "ON d.doc_id = p.doc_id WHERE p.doc_id = ?",
                (doc_id,),
            )
        ]
        keys = [key for key, _, _ in rows]
        self._count_terms([(title, text) for _, title, text in rows], -1)
        # The lexical index keeps no texts: a row leaves it given what it was indexed with.
        self._conn.executemany(
            "INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
            rows,
        )
        for table in ("passage_vectors", "passage_dates"):
            self._conn.execute(
                f"DELETE FROM {table} WHERE key IN (SELECT key FROM passages WHERE doc_id = ?)",
                (doc_id,),
            )
        self._conn.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        self._conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        delete_signature_and_byline(self._conn, doc_id)
        return keys

    def _count_terms(self, passages: list[tuple[str, str]], sign: int) -> None:
        """Add (sign +1) or take away (-1) the terms of passages (title, text) written."""
        counts = self._terms.passages_holding(passages)
        self._conn.executemany(
            "INSERT INTO term_passages(term, passages) VALUES (?, ?) "
            "ON CONFLICT(term) DO UPDATE SET passages = passages + excluded.passages",
            [(term, sign * count) for term, count in counts.items()],
        )
        if sign < 0:
            self._conn.executemany(
                "DELETE FROM term_passages WHERE term = ? AND passages <= 0",
                [(term,) for term in counts],
            )

    def _bump_generation(self) -> int:
        generation = str(int(self._meta("generation") or 0) + 1)
        self._set_meta("generation", generation)
        return int(generation)

    # -- reads -------------------------------------------------------------------

    def get_document(self, doc_id: str) -> Document | None:
        """The document, its text rebuilt from its passages and the gaps between them."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS}, gaps FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
            if row is None:
                return None
            passages = self._conn.execute(
                "SELECT start_offset, compressed_text FROM passages WHERE doc_id = ?", (doc_id,)
            ).fetchall()
        try:
            pieces = [(int(start), self._decompress(blob)) for start, blob in passages]
            text = text_blobs.join_text(pieces + text_blobs.gaps_from_json(row[-1]))
        except TextCorrupt as error:
            raise CorruptIndexError(
                f"the text of {doc_id!r} in {self.path} {error}: run `qa check`, and ingest "
                "it again"
            ) from error
        return _document_from_row(row[:-1], text)

    def content_hash(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def list_documents(self, limit: int, offset: int) -> list[tuple[Document, int]]:
        """Documents ordered by id, with their passage counts (text left empty)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS}, "
                "(SELECT COUNT(*) FROM passages p WHERE p.doc_id = documents.doc_id) "
                "FROM documents ORDER BY doc_id LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [(_document_from_row(row[:-1]), int(row[-1])) for row in rows]

    def passages_of(self, doc_id: str) -> list[PassageRow]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, doc_id, ordinal, start_offset, end_offset, compressed_text "
                "FROM passages WHERE doc_id = ? ORDER BY ordinal",
                (doc_id,),
            ).fetchall()
        return [
            PassageRow(key, doc, ordinal, start, end, self._readable_text(key, blob))
            for key, doc, ordinal, start, end, blob in rows
        ]

    def _readable_text(self, key: int, blob: bytes) -> str:
        try:
            return self._decompress(blob)
        except TextCorrupt as error:
            raise CorruptIndexError(
                f"the text of passage {key} in {self.path} {error}: run `qa check`"
            ) from error

    def passages(self, keys: Sequence[int]) -> dict[int, PassageRow]:
        """Passages by key, with their sentences and sentence vectors; a missing key is
        left out."""
        wanted = [int(key) for key in keys]
        with self._lock:
            kept = [key for key in wanted if key in self._decoded]
            # Of those kept, the ones still stored; the others are read whole below.
            found = {
                int(key): self._decoded[int(key)]
                for (key,) in self._rows_where_in(
                    "SELECT key FROM passages WHERE key IN ({})", kept
                )
            }
            for key in kept:
                if key in found:
                    self._decoded.move_to_end(key)
                else:  # deleted since it was read
                    self._decoded.pop(key, None)
            missing = [key for key in wanted if key not in found and key not in kept]
        rows = self._rows_where_in(
            "SELECT key, doc_id, ordinal, start_offset, end_offset, compressed_text, "
            "sentence_spans, sentence_vectors FROM passages WHERE key IN ({})",
            missing,
        )
        spans = [_spans(row[6]) for row in rows]
        matrices = _sentence_matrices(spans, [row[7] for row in rows], self._vector_dimension())
        read = {
            int(key): PassageRow(
                key, doc_id, ordinal, start, end, self._readable_text(key, blob), spans_of, matrix
            )
            for (key, doc_id, ordinal, start, end, blob, _, _), spans_of, matrix in zip(
                rows, spans, matrices, strict=True
            )
        }
        with self._lock:
            self._decoded.update(read)
            while len(self._decoded) > PASSAGE_CACHE:
                self._decoded.popitem(last=False)
        merged = {**found, **read}
        return {key: merged[key] for key in dict.fromkeys(wanted) if key in merged}

    def published_dates(self, keys: Sequence[int]) -> dict[int, str]:
        """The publication date of each passage's document. Remembered: a key is never
        reused, and a document written again gets new keys, so a key's date never changes."""
        found = {key: self._published[key] for key in keys if key in self._published}
        missing = [key for key in keys if key not in found]
        rows = self._rows_where_in(
            "SELECT key, published FROM passage_dates WHERE key IN ({})",
            missing,
        )
        if len(self._published) + len(rows) > PUBLISHED_CACHE:
            self._published.clear()
        for key, published in rows:
            found[int(key)] = self._published[int(key)] = str(published)
        return found

    def any_published_after(self, day: str) -> bool:
        """Whether a document is dated after the day (any dated one when it is empty); one
        step of the index on published."""
        # "~" sorts after every character of an ISO date-time, so the day's own are not after.
        with self._lock:
            found = self._conn.execute(
                "SELECT 1 FROM documents WHERE published > ? LIMIT 1", [f"{day}~" if day else ""]
            ).fetchone()
        return found is not None

    def citations(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """Documents with their citation fields only: id, title, source, link, date and
        author (the only metadata, from its own small table). The rest is left empty: a
        citation needs no more, and the metadata a feed gave can be long."""
        rows = self._rows_where_in(
            "SELECT d.doc_id, d.title, d.source, d.url, d.published, "
            "json_object('author', coalesce(b.author, '')), '' "
            "FROM documents d LEFT JOIN bylines b ON b.doc_id = d.doc_id "
            "WHERE d.doc_id IN ({})",
            list(dict.fromkeys(doc_ids)),
        )
        return {str(row[0]): _document_from_row(row) for row in rows}

    def near_copies(
        self, doc_ids: Sequence[str], threshold: float
    ) -> dict[str, list[tuple[str, float]]]:
        """For each stored document given, the others whose signatures estimate a Jaccard
        similarity of ``threshold`` or more: found by their LSH band keys, then compared.
        Signatures and bands are read only for documents sharing a band key with another;
        the others have none."""
        rows = self._rows_where_in(
            "SELECT s.doc_id, CASE WHEN c.doc_id IS NULL THEN NULL ELSE s.signature END "
            "FROM copy_signatures s LEFT JOIN copy_candidates c ON c.doc_id = s.doc_id "
            "WHERE s.doc_id IN ({})",
            list(dict.fromkeys(doc_ids)),
        )
        found: dict[str, list[tuple[str, float]]] = {str(doc_id): [] for doc_id, _ in rows}
        wanted = {
            str(doc_id): near_copies.from_bytes(stored)
            for doc_id, stored in rows
            if stored is not None
        }
        bands = sorted({band for sig in wanted.values() for band in near_copies.band_keys(sig)})
        candidates = {
            str(doc_id): near_copies.from_bytes(stored)
            for doc_id, stored in self._rows_where_in(
                "SELECT s.doc_id, s.signature FROM copy_signatures s WHERE s.doc_id IN "
                "(SELECT doc_id FROM copy_bands WHERE band IN ({}))",
                bands,
            )
        }
        found.update(near_copies.matches(wanted, candidates, threshold))
        return found

    def _rows_where_in(self, query: str, values: Sequence[object]) -> list[Any]:
        """The rows of ``query``, whose ``{}`` is filled with one placeholder a value."""
        if not values:
            return []
        with self._lock:
            return self._conn.execute(query.format(",".join("?" * len(values))), values).fetchall()

    def documents_matching(self, filters: SearchFilters, limit: int) -> int:
        """How many documents pass the filters, counted up to ``limit``."""
        where, params = _filter_clause(filters)
        with self._lock:
            found = self._conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM documents d WHERE {where} LIMIT ?)",
                [*params, limit],
            ).fetchone()
        return int(found[0])

    def keys_passing(self, keys: Sequence[int], filters: SearchFilters) -> set[int]:
        """Those of the keys whose documents pass the filters. Dates alone are read from
        the passages' own (a small table) rather than through their documents."""
        if not keys:
            return set()
        where, params = _filter_clause(filters)
        marks = ",".join("?" * len(keys))
        if filters.doc_ids or filters.sources:
            query = (
                "SELECT p.key FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
                f"WHERE p.key IN ({marks}) AND {where}"
            )
        else:  # the clause reads only d.published, which passage_dates holds too
            query = f"SELECT d.key FROM passage_dates d WHERE d.key IN ({marks}) AND {where}"
        with self._lock:
            rows = self._conn.execute(query, [*(int(key) for key in keys), *params]).fetchall()
        return {int(key) for (key,) in rows}

    def keys_matching(self, filters: SearchFilters) -> np.ndarray:
        """Keys of the passages whose documents pass the filters."""
        where, params = _filter_clause(filters)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT p.key FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
                f"WHERE {where}",
                params,
            ).fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def search_lexical(
        self,
        terms: Sequence[str],
        k: int,
        *,
        title_weight: float,
        filters: SearchFilters | None = None,
        term_cap: int | None = None,
    ) -> list[tuple[int, float]]:
        """(key, BM25 score) of the k passages best matching any of the terms, best first.

        With ``term_cap``, a term found in more passages than that is left out, and with no
        term left nothing is found. FTS5 scores every passage that matches, and reads each
        term's whole posting list for its IDF, so the cost of a question grows with the
        passages its words are found in. The words found in many passages carry little
        BM25 evidence (IDF below log(passages / cap)) and most of that cost; the dense
        search covers them.
        """
        words = [term for term in dict.fromkeys(terms) if term]
        if words and term_cap is not None:
            words = self._rare_terms(words, term_cap)
        if not words or k <= 0:
            return []
        match = " OR ".join(_fts_phrase(word) for word in words)
        clauses, params = ["passages_fts MATCH ?"], [match]
        if filters is not None and not filters.is_empty():
            where, filter_params = _filter_clause(filters)
            # "+": FTS5 would otherwise run the MATCH once for every key the filter lets
            # through (eight times slower over 43 passages).
            clauses.append(
                "+rowid IN (SELECT p.key FROM passages p JOIN documents d "
                f"ON d.doc_id = p.doc_id WHERE {where})"
            )
            params.extend(filter_params)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT rowid, bm25(passages_fts, {float(title_weight)}, 1.0) AS rank "
                f"FROM passages_fts WHERE {' AND '.join(clauses)} ORDER BY rank LIMIT ?",
                [*params, k],
            ).fetchall()
        # FTS5's bm25() is negated so that ascending order is best first.
        return [(int(key), -float(rank)) for key, rank in rows]

    def _rare_terms(self, words: list[str], cap: int) -> list[str]:
        """The words found in at most ``cap`` passages."""
        found_in = self.passages_holding(words, cap + 1)
        return [word for word, count in zip(words, found_in, strict=True) if count <= cap]

    def passages_holding(self, words: Sequence[str], limit: int) -> list[int]:
        """How many passages hold each word, as the lexical index splits it: read from the
        counts kept at ingest, or for a word of several terms counted up to ``limit``."""
        terms_of_word = self._terms.terms_of(list(words))
        single = sorted({terms[0] for terms in terms_of_word if len(terms) == 1})
        with self._lock:
            counts: dict[str, int] = dict(
                self._rows_where_in(
                    "SELECT term, passages FROM term_passages WHERE term IN ({})", single
                )
                if single
                else []
            )
            return [
                self._phrase_passages(word, limit)
                if len(terms) > 1
                else (counts.get(terms[0], 0) if terms else 0)
                for word, terms in zip(words, terms_of_word, strict=True)
            ]

    def _phrase_passages(self, word: str, limit: int) -> int:
        """How many passages hold a word of several terms (a phrase to FTS5), counted up to
        ``limit``: seldom needed, so counted each time. Called with the lock held."""
        (found_in,) = self._conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM passages_fts "
            "WHERE passages_fts MATCH ? LIMIT ?)",
            (_fts_phrase(word), limit),
        ).fetchone()
        return int(found_in)

    def vectors_of(self, keys: Sequence[int]) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """The passage vector and the sentence vectors (None if not stored) of each key."""
        rows = self._rows_where_in(
            "SELECT p.key, v.vector, p.sentence_spans, p.sentence_vectors FROM passages p "
            "JOIN passage_vectors v ON v.key = p.key WHERE p.key IN ({})",
            [int(k) for k in keys],
        )
        matrices = _sentence_matrices(
            [_spans(row[2]) for row in rows], [row[3] for row in rows], self._vector_dimension()
        )
        vectors = _passage_vectors([row[1] for row in rows])
        return {
            int(row[0]): (passage_vector, matrix)
            for row, passage_vector, matrix in zip(rows, vectors, matrices, strict=True)
        }

    def passage_vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vector of each passage (a missing key is left out)."""
        rows = self._rows_where_in(
            "SELECT key, vector FROM passage_vectors WHERE key IN ({})", [int(k) for k in keys]
        )
        vectors = _passage_vectors([blob for _, blob in rows])
        return {int(row[0]): vector for row, vector in zip(rows, vectors, strict=True)}

    def iter_vectors(self, batch_size: int = 20_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (keys, vectors) in key order, a batch at a time, for rebuilding the vector index."""
        last_key = -1
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT key, vector FROM passage_vectors WHERE key > ? ORDER BY key LIMIT ?",
                    (last_key, batch_size),
                ).fetchall()
            if not rows:
                return
            keys = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.vstack(_passage_vectors([row[1] for row in rows]))
            yield keys, vectors
            last_key = int(keys[-1])

    def count_documents(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def count_passages(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

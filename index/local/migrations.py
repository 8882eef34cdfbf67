"""The passage store's schema, as numbered migrations run in order when a store opens.

A store records the number of the last migration it has had (``meta.schema_version``;
0 for a new, empty file). Opening runs the ones after it, each in its own write
transaction that first reads the number again, so two processes opening one old store
migrate it once. A store of a later number than this version knows is refused: this
version would write it without what the later ones keep.

Each migration makes its tables and fills them from what the store already holds, so a
store of any older version ends as a new one would be.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index import near_copies
from index.errors import CorruptIndexError
from index.local import text_blobs, vector_blobs
from index.local.fts_terms import TOKENIZER
from index.records import author_of

log = logging.getLogger(__name__)

# Documents whose near-copy signatures are written in one go when a store lacks them.
SIGNATURE_BATCH = 1000
# Documents rewritten in one go when their rows are made compact.
COMPACT_BATCH = 500


@dataclass(frozen=True)
class Migration:
    number: int
    what: str
    apply: Callable[[sqlite3.Connection], None]
    # Whether it frees much of an old store's file, worth a VACUUM afterwards.
    frees_space: bool = False


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Statement by statement: executescript would commit the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _documents_and_passages(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS documents (
            doc_id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            published TEXT NOT NULL,
            text TEXT NOT NULL,
            metadata TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        -- AUTOINCREMENT: a passage key is never reused, so a stale vector id can never
        -- point at a different passage.
        CREATE TABLE IF NOT EXISTS passages (
            key INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            text TEXT NOT NULL,
            vector BLOB NOT NULL,
            sentence_spans TEXT NOT NULL DEFAULT '[]',
            sentence_vectors BLOB
        );
        CREATE INDEX IF NOT EXISTS passages_by_doc ON passages(doc_id, ordinal);
        CREATE INDEX IF NOT EXISTS documents_by_source ON documents(source);
        CREATE INDEX IF NOT EXISTS documents_by_published ON documents(published);
        """,
    )


def _lexical_index(conn: sqlite3.Connection) -> None:
    # One row per passage (rowid = passage key), with its document's title; written in the
    # same transactions as the passages, so it is never out of step with them.
    (existed,) = conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'passages_fts'"
    ).fetchone()
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5("
        f"title, text, tokenize = '{TOKENIZER}')"
    )
    if existed:
        # A store that kept it without recording so: its rows are the passages' already.
        (empty,) = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM passages_fts)").fetchone()
        if not empty:
            return
        conn.execute("DELETE FROM passages_fts")
    conn.execute(
        "INSERT INTO passages_fts(rowid, title, text) SELECT p.key, d.title, p.text "
        "FROM passages p JOIN documents d ON d.doc_id = p.doc_id"
    )


def _term_counts(conn: sqlite3.Connection) -> None:
    # How many passages of the lexical index hold each term, so that BM25 can leave out
    # the common ones with one read; counted from the index itself, seconds at a million.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS term_passages ("
        "term TEXT PRIMARY KEY, passages INTEGER NOT NULL) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab "
        "USING fts5vocab(main, passages_fts, row)"
    )
    conn.execute("DELETE FROM term_passages")
    conn.execute(
        "INSERT INTO term_passages(term, passages) SELECT term, doc FROM temp.passages_vocab"
    )
    conn.execute("DROP TABLE temp.passages_vocab")


def _signatures_and_bylines(conn: sqlite3.Connection) -> None:
    # Near-copy signatures and their LSH band keys, a row a document and a row a band; and
    # each document's author for citations (reading the metadata column would read every
    # cited article whole, as it comes after the text).
    _run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS copy_signatures (
            doc_id TEXT PRIMARY KEY,
            signature BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS copy_bands (
            band INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            PRIMARY KEY (band, doc_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS copy_bands_by_doc ON copy_bands(doc_id);
        CREATE TABLE IF NOT EXISTS bylines (
            doc_id TEXT PRIMARY KEY,
            author TEXT NOT NULL
        ) WITHOUT ROWID;
        -- Kept by the writes below since migration 7, which fills it for older stores.
        CREATE TABLE IF NOT EXISTS copy_candidates (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
        """,
    )
    for table in ("copy_signatures", "copy_bands", "bylines"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
    lacking_where = (
        "doc_id NOT IN (SELECT doc_id FROM copy_signatures) "
        "OR doc_id NOT IN (SELECT doc_id FROM bylines)"
    )
    (lacking,) = conn.execute(f"SELECT COUNT(*) FROM documents WHERE {lacking_where}").fetchone()
    if lacking:
        # About 5 ms a 5,000-character article: over an hour for a million, once.
        log.info("writing near-copy signatures of %d documents", lacking)
    with tqdm(
        total=lacking, desc="near-copy signatures", unit="doc", disable=lacking < SIGNATURE_BATCH
    ) as progress:
        # In batches: each one written no longer lacks, and texts are not all in memory.
        while rows := conn.execute(
            f"SELECT doc_id, text, metadata FROM documents WHERE {lacking_where} "
            f"LIMIT {SIGNATURE_BATCH}"
        ).fetchall():
            for doc_id, text, metadata in rows:
                delete_signature_and_byline(conn, doc_id)
                write_signature_and_byline(conn, doc_id, text, json.loads(metadata))
            progress.update(len(rows))
    # What versions before numbered migrations kept to tell whether these were current.
    conn.execute("DELETE FROM meta WHERE key IN ('term_passages_generation', 'extras_generation')")


def write_signature_and_byline(
    conn: sqlite3.Connection, doc_id: str, text: str, metadata: dict[str, object]
) -> None:
    signature = near_copies.signature(text)
    conn.execute(
        "INSERT INTO copy_signatures(doc_id, signature) VALUES (?, ?)",
        (doc_id, near_copies.to_bytes(signature)),
    )
    bands = near_copies.band_keys(signature)
    conn.executemany(
        "INSERT OR IGNORE INTO copy_bands(band, doc_id) VALUES (?, ?)",
        [(band, doc_id) for band in bands],
    )
    if sharing := _sharing_a_band(conn, doc_id, bands):
        conn.executemany(
            "INSERT OR IGNORE INTO copy_candidates(doc_id) VALUES (?)",
            [(other,) for other in [doc_id, *sharing]],
        )
    conn.execute("INSERT INTO bylines(doc_id, author) VALUES (?, ?)", (doc_id, author_of(metadata)))


def _sharing_a_band(conn: sqlite3.Connection, doc_id: str, bands: Sequence[int]) -> list[str]:
    """The other documents with at least one of these band keys."""
    if not bands:
        return []
    rows = conn.execute(
        f"SELECT DISTINCT doc_id FROM copy_bands WHERE band IN ({','.join('?' * len(bands))}) "
        "AND doc_id != ?",
        [*bands, doc_id],
    ).fetchall()
    return [str(row[0]) for row in rows]


def delete_signature_and_byline(conn: sqlite3.Connection, doc_id: str) -> None:
    bands = _bands_of(conn, doc_id)
    sharing = _sharing_a_band(conn, doc_id, bands)
    conn.executemany(
        "DELETE FROM copy_bands WHERE band = ? AND doc_id = ?", [(band, doc_id) for band in bands]
    )
    for table in ("copy_signatures", "bylines", "copy_candidates"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
    # Those it was the only band-sharer of have no candidate copies left.
    for other in sharing:
        if not _sharing_a_band(conn, other, _bands_of(conn, other)):
            conn.execute("DELETE FROM copy_candidates WHERE doc_id = ?", (other,))


def _bands_of(conn: sqlite3.Connection, doc_id: str) -> list[int]:
    """A document's band keys, worked out from its stored signature: an index of the band
    rows by document would cost a tenth of a kilobyte a passage (migration 6 dropped it)."""
    stored = conn.execute(
        "SELECT signature FROM copy_signatures WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    if stored is None:  # bands are written with the signature, in one transaction
        return []
    readable = _stored_bands(stored[0])
    if readable is not None:
        return readable
    # A damaged signature: look through every band row.
    rows = conn.execute("SELECT band FROM copy_bands WHERE doc_id = ?", (doc_id,))
    return [int(row[0]) for row in rows]


def _stored_bands(stored: bytes) -> list[int] | None:
    """The band keys of a stored signature; None when it is not one."""
    if len(stored) != 4 * near_copies.PERMUTATIONS:
        return None
    return near_copies.band_keys(near_copies.from_bytes(stored))


def _bands_without_document_index(conn: sqlite3.Connection) -> None:
    conn.execute("DROP INDEX IF EXISTS copy_bands_by_doc")


def _copy_candidates(conn: sqlite3.Connection) -> None:
    # The documents sharing a band key with another: only theirs are worth a near-copy
    # lookup, so an answer reads nothing more for the others.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS copy_candidates (doc_id TEXT PRIMARY KEY) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT OR IGNORE INTO copy_candidates(doc_id) SELECT doc_id FROM copy_bands "
        "WHERE band IN (SELECT band FROM copy_bands GROUP BY band HAVING COUNT(*) > 1)"
    )


# The lexical index without a copy of the texts: FTS5 keeps only its postings, and a
# passage leaves it by the "delete" command, given the title and text it was indexed with.
CONTENTLESS_FTS = (
    "CREATE VIRTUAL TABLE passages_fts USING fts5("
    f"title, text, content = '', tokenize = '{TOKENIZER}')"
)


def _compact_rows(conn: sqlite3.Connection) -> None:
    # Each passage's text compressed and its vectors quantised (index.local.text_blobs and
    # vector_blobs); an article kept as its passages and the gaps between them; the
    # lexical index without its copy of the texts.
    _run_script(
        conn,
        f"""
        ALTER TABLE documents ADD COLUMN gaps TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE documents ADD COLUMN text_crc INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE passages RENAME COLUMN text TO compressed_text;
        CREATE TABLE IF NOT EXISTS text_dictionaries (
            dict_id INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        DROP TABLE IF EXISTS passages_fts;
        {CONTENTLESS_FTS}
        """,
    )
    dimension_row = conn.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()
    dimension = int(dimension_row[0]) if dimension_row else 0
    samples = [
        text
        for (text,) in conn.execute(
            f"SELECT compressed_text FROM passages ORDER BY key LIMIT {text_blobs.DICTIONARY_FROM}"
        )
    ]
    codec = text_blobs.TextCodec()
    if len(samples) >= text_blobs.DICTIONARY_FROM:
        dictionary = text_blobs.train_dictionary(samples)
        codec = text_blobs.TextCodec([dictionary])
        conn.execute(
            "INSERT INTO text_dictionaries(dict_id, data) VALUES (?, ?)",
            (codec.dictionary_id, dictionary),
        )
    (documents,) = conn.execute("SELECT COUNT(*) FROM documents").fetchone()
    last = ""
    with tqdm(
        total=documents, desc="compacting rows", unit="doc", disable=documents < COMPACT_BATCH
    ) as progress:
        while rows := conn.execute(
            "SELECT doc_id, title, text FROM documents WHERE doc_id > ? ORDER BY doc_id LIMIT ?",
            (last, COMPACT_BATCH),
        ).fetchall():
            for doc_id, title, text in rows:
                _compact_document(conn, codec, dimension, doc_id, title, text)
            last = rows[-1][0]
            progress.update(len(rows))
    conn.execute("ALTER TABLE documents DROP COLUMN text")


def _compact_document(
    conn: sqlite3.Connection,
    codec: text_blobs.TextCodec,
    dimension: int,
    doc_id: str,
    title: str,
    text: str,
) -> None:
    passages = conn.execute(
        "SELECT key, start_offset, end_offset, compressed_text, vector, sentence_spans, "
        "sentence_vectors FROM passages WHERE doc_id = ?",
        (doc_id,),
    ).fetchall()
    spans = [(int(start), int(end)) for _, start, end, *_ in passages]
    conn.execute(
        "UPDATE documents SET gaps = ?, text_crc = ? WHERE doc_id = ?",
        (
            text_blobs.gaps_to_json(text_blobs.gaps_between(text, spans)),
            text_blobs.text_checksum(text),
            doc_id,
        ),
    )
    for key, _, _, passage_text, vector, spans_json, sentences in passages:
        conn.execute(
            "UPDATE passages SET compressed_text = ?, vector = ?, sentence_vectors = ? "
            "WHERE key = ?",
            (
                codec.compress(passage_text),
                _int8_vector(vector, dimension),
                _int8_sentences(sentences, spans_json, dimension),
                key,
            ),
        )
        conn.execute(
            "INSERT INTO passages_fts(rowid, title, text) VALUES (?, ?, ?)",
            (key, title, passage_text),
        )


def _int8_vector(stored: bytes, dimension: int) -> bytes:
    # A vector of the wrong width is left as it was, for `qa check` to name.
    if len(stored) != 4 * dimension:
        return stored
    return vector_blobs.rows_to_bytes(np.frombuffer(stored, dtype=np.float32))


def _int8_sentences(stored: bytes | None, spans_json: str, dimension: int) -> bytes | None:
    sentences = len(json.loads(spans_json)) if spans_json else 0
    if stored is None or not sentences or len(stored) != 2 * dimension * sentences:
        return stored
    matrix = np.frombuffer(stored, dtype=np.float16).reshape(sentences, dimension)
    return vector_blobs.rows_to_bytes(matrix) or None


def _six_bit_sentences(conn: sqlite3.Connection) -> None:
    # Sentence vectors from eight bits a value to six (index.local.vector_blobs): a
    # quarter of most passages' rows. A row of another width is left for `qa check`.
    dimension_row = conn.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()
    dimension = int(dimension_row[0]) if dimension_row else 0
    if not dimension:
        return
    eight_bits = vector_blobs.row_width(dimension, 8)
    (passages,) = conn.execute("SELECT COUNT(*) FROM passages").fetchone()
    last = 0
    with tqdm(
        total=passages, desc="six-bit sentence vectors", unit="passage",
        disable=passages < 100 * COMPACT_BATCH,
    ) as progress:  # fmt: skip
        while rows := conn.execute(
            "SELECT key, sentence_spans, sentence_vectors FROM passages WHERE key > ? "
            "ORDER BY key LIMIT ?",
            (last, 20 * COMPACT_BATCH),
        ).fetchall():
            for key, spans_json, stored in rows:
                sentences = len(json.loads(spans_json)) if spans_json else 0
                if stored and sentences and len(stored) == eight_bits * sentences:
                    matrix = vector_blobs.rows_from_bytes(stored, dimension, 8)
                    conn.execute(
                        "UPDATE passages SET sentence_vectors = ? WHERE key = ?",
                        (vector_blobs.rows_to_bytes(matrix, vector_blobs.SENTENCE_BITS), key),
                    )
            last = rows[-1][0]
            progress.update(len(rows))


def _vectors_apart(conn: sqlite3.Connection) -> None:
    # Passage vectors in a table of their own, about 40 to a page rather than one in each
    # passage row: the exact re-rank reads hundreds a question, and a fresh server reads
    # them ahead of the rest (a tenth of the store) in a second.
    _run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS passage_vectors (
            key INTEGER PRIMARY KEY,
            vector BLOB NOT NULL
        );
        INSERT INTO passage_vectors(key, vector) SELECT key, vector FROM passages;
        ALTER TABLE passages DROP COLUMN vector;
        """,
    )


def _passage_dates(conn: sqlite3.Connection) -> None:
    # Each passage's publication date in a small table by key: the recency bonus reads it
    # for every candidate, which through the passages table read a page of text each.
    _run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS passage_dates (
            key INTEGER PRIMARY KEY,
            published TEXT NOT NULL
        );
        INSERT INTO passage_dates(key, published)
            SELECT p.key, d.published FROM passages p JOIN documents d ON d.doc_id = p.doc_id;
        """,
    )


MIGRATIONS = (
    Migration(1, "documents and passages", _documents_and_passages),
    Migration(2, "the lexical index (FTS5)", _lexical_index),
    Migration(3, "passages a term, for BM25's common words", _term_counts),
    Migration(4, "near-copy signatures and bylines", _signatures_and_bylines),
    Migration(
        5,
        "compressed texts, quantised vectors, a contentless lexical index",
        _compact_rows,
        frees_space=True,
    ),
    Migration(6, "near-copy bands without an index by document", _bands_without_document_index),
    Migration(7, "documents that may have near-copies", _copy_candidates),
    Migration(8, "sentence vectors in six bits", _six_bit_sentences, frees_space=True),
    Migration(9, "passage vectors in a table of their own", _vectors_apart, frees_space=True),
    Migration(10, "passages' publication dates by key", _passage_dates),
)
SCHEMA_VERSION = MIGRATIONS[-1].number


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return 0 if row is None else int(row[0])


def migrate(conn: sqlite3.Connection, path: Path, up_to: int = SCHEMA_VERSION) -> None:
    """Run the migrations a store lacks, up to ``up_to`` (tests stop early to make an
    older store). ``conn`` is in autocommit mode: each migration is its own transaction."""
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise CorruptIndexError(
            f"the passage store {path} has schema version {found}; this version of "
            f"passage-qa reads versions up to {SCHEMA_VERSION}: upgrade passage-qa"
        )
    for migration in MIGRATIONS[:up_to]:
        if schema_version(conn) >= migration.number:  # a cheap read before taking the lock
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < migration.number:  # unless another process just did
                if found:  # a store made by an older version, not a new one
                    log.info(
                        "migrating %s to schema %d: %s", path, migration.number, migration.what
                    )
                migration.apply(conn)
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(migration.number),),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if found and migration.frees_space:
            _reclaim_space(conn, path)


def _reclaim_space(conn: sqlite3.Connection, path: Path) -> None:
    """Give the pages a migration freed back to the file system (VACUUM rewrites the store;
    it needs as much free disk as the store takes, and no other process writing)."""
    log.info("reclaiming the space the migration freed in %s", path)
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError as error:
        # The store is sound as it is: its free pages are reused by later writes.
        log.warning("could not shrink %s (%s); later writes reuse its free pages", path, error)

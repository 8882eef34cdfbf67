"""The index on Milvus: every API server stateless, everything an answer needs in Milvus.

Four collections, named with a prefix (``qa_`` by default):

    <prefix>passages    a passage a row: its text and offsets, its document's title, source
                        and date (for BM25 over the title and for filters), its vector, its
                        sentences' spans and vectors, and BM25 sparse vectors Milvus makes
                        from the text and the title
    <prefix>documents   a document a row: citation fields, metadata, content hash, and the
                        version of its passages that readers may see
    <prefix>texts       each document's whole text, in parts under Milvus's VARCHAR limit
    <prefix>copies      each document's near-copy signature and its LSH band keys
                        (``index.near_copies``), to find its syndicated copies

Milvus has no multi-row transactions, so a replaced document is written as versions: the
new passages, text and signature first, then the document row naming the new version (the commit),
then the old version's rows deleted by key. Readers keep only passages whose version is
their document's, so a reader sees the old passages or the new ones, never a mix. The
model binding (model name and dimension) is kept in the passages collection's properties.
Making the collections and connecting to them is ``index.milvus.milvus_collections``.

A ``.db`` URI is milvus-lite, Milvus's embedded mode: a single process holds the file, its
analyzer has no English stemming (``standard`` is used), and rows written are searched
quickly only once flushed, so writes flush there.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from hashlib import blake2b
from typing import Any

import numpy as np

from index import near_copies
from index.errors import CorruptIndexError, ModelMismatchError, StorageError
from index.milvus.milvus_collections import (
    MAX_VARCHAR_BYTES,
    PLACEHOLDER,
    PLACEHOLDER_DIM,
    MilvusTarget,
    binding_of,
    call,
    connect,
    create_collections,
    create_copies,
    disconnect,
)
from index.protocol import SearchFilters, SearchResult
from index.records import Document, PassageRow, document_from_fields, sentence_vector_bytes

log = logging.getLogger(__name__)

# Rows of a search or query at most (topk, offset + limit), on a server.
MAX_RESULTS = 16_384
# Rows one query may return from milvus-lite, which has no server's cap.
EMBEDDED_QUERY_LIMIT = 100_000_000
# Characters of a document's text a row: at most 4 bytes each in UTF-8, under the limit.
TEXT_PART_CHARS = 16_000
# Rows an insert: far under the 64 MB a request may carry (a passage row is ~10 kB).
INSERT_BATCH = 256
SEARCH_EF = 128
# Near-copy signatures a process keeps (512 bytes each).
SIGNATURES_KEPT = 20_000
CITATION_FIELDS = ["doc_id", "version", "title", "source", "url", "published"]
PASSAGE_FIELDS = [
    "key",
    "doc_id",
    "version",
    "ordinal",
    "start",
    "end",
    "text",
    "sentence_spans",
    "sentence_vectors",
]


def passage_key(doc_id: str, version: int, ordinal: int) -> int:
    """A passage's primary key: 63 bits of a hash of what identifies it."""
    digest = blake2b(f"{doc_id}\x00{version}\x00{ordinal}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def filter_expression(filters: SearchFilters | None) -> str:
    """The filters as a Milvus boolean expression over passage fields ("" for none).
    Strings are JSON-quoted, which escapes quotes and backslashes as Milvus expects."""
    if filters is None or filters.is_empty():
        return ""
    clauses = []
    if filters.doc_ids:
        clauses.append(f"doc_id in {_string_list(filters.doc_ids)}")
    if filters.sources:
        clauses.append(f"source in {_string_list(filters.sources)}")
    if filters.published_from:
        clauses.append(f'published != "" and published >= {_quoted(filters.published_from)}')
    if filters.published_to:
        # A date-time on the last day still counts: "~" sorts after every ISO character.
        clauses.append(f'published != "" and published <= {_quoted(filters.published_to + "~")}')
    if filters.published_by:
        clauses.append(f'published == "" or published <= {_quoted(filters.published_by + "~")}')
    return " and ".join(f"({clause})" for clause in clauses)


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _string_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_quoted(value) for value in values) + "]"


def _encode_vectors(vectors: np.ndarray | None) -> str:
    """Sentence vectors as base64; empty when absent or over the VARCHAR limit (the
    highlight then falls back to word overlap for that passage)."""
    encoded = base64.b64encode(sentence_vector_bytes(vectors)).decode()
    return encoded if len(encoded) <= MAX_VARCHAR_BYTES else ""


def _decode_vectors(encoded: str, dimension: int) -> np.ndarray | None:
    if not encoded:
        return None
    return np.frombuffer(base64.b64decode(encoded), dtype=np.float16).reshape(-1, dimension)


def _fits(value: str, what: str, limit: int = MAX_VARCHAR_BYTES) -> str:
    if len(value.encode("utf-8", "surrogatepass")) > limit:
        raise StorageError(f"{what} is over Milvus's limit of {limit} bytes")
    return value


class MilvusIndex:
    """``PassageIndex`` over Milvus; holds no state but the client, so any number of API
    servers can share the collections."""

    def __init__(self, target: MilvusTarget, model: str, dimension: int) -> None:
        self.target = target
        self.model = model
        self.dimension = dimension
        self._passages = target.name("passages")
        self._documents = target.name("documents")
        self._texts = target.name("texts")
        self._copies = target.name("copies")
        self._client = connect(target)
        # Serialises this process's writes of one document against each other.
        self._write_lock = threading.Lock()
        # Signatures read, by (doc_id, version), oldest first.
        self._signature_cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._signature_lock = threading.Lock()
        try:
            self._open()
        except BaseException:
            disconnect(self._client, target)
            raise

    # -- collections ---------------------------------------------------------------

    def _open(self) -> None:
        binding = binding_of(self._client, self.target)
        if binding is None:
            create_collections(self._client, self.target, self.model, self.dimension)
        elif binding != (self.model, self.dimension):
            raise ModelMismatchError(self.target.describe(), binding, (self.model, self.dimension))
        # Collections made before signatures were kept lack this one: made and filled now.
        backfill = create_copies(self._client, self.target)
        for name in (self._passages, self._documents, self._texts, self._copies):
            if not self._client.has_collection(name):
                raise CorruptIndexError(
                    f"the collection {name} is missing from {self.target.describe()}; "
                    "restore it, or use a new collection prefix"
                )
            # A collection reopened is not searchable until loaded (milvus-lite, a restart).
            self._call(self._client.load_collection, name, replica_number=self.target.replicas)
        if backfill:
            self._fill_copies()

    def _fill_copies(self) -> None:
        """Signatures of the documents stored before signatures were kept."""
        doc_ids = [row["doc_id"] for row in self._query_all(self._documents, "", ["doc_id"])]
        if doc_ids:
            log.info("writing near-copy signatures of %d documents", len(doc_ids))
        for doc_id in doc_ids:
            try:
                document = self.get_document(doc_id)
            except CorruptIndexError as error:
                log.warning("no near-copy signature for %r: %s", doc_id, error)
                continue
            version = self._document_rows([doc_id], ["version"]).get(doc_id, {}).get("version")
            if document is not None and version is not None:
                self._call(self._client.insert, self._copies, [self._copy_row(document, version)])
        self._settle()

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        return call(self.target, method, *args, **kwargs)

    # -- writes --------------------------------------------------------------------

    def add_document(
        self, document: Document, passages: Sequence[PassageRow], vectors: np.ndarray
    ) -> None:
        """New version's passages and text, then the document row that makes them the
        current version, then the older versions' rows deleted."""
        metadata = _fits(json.dumps(document.metadata, ensure_ascii=False), "the metadata")
        version = time.time_ns()
        text_parts = [
            document.text[start : start + TEXT_PART_CHARS]
            for start in range(0, len(document.text), TEXT_PART_CHARS)
        ] or [""]
        placeholder = [0.0] * PLACEHOLDER_DIM
        with self._write_lock:
            self._insert(
                self._texts,
                (
                    {"key": f"{version}:{part}:{document.doc_id}", "doc_id": document.doc_id,
                     "version": version, "part": part, "text": text, PLACEHOLDER: placeholder}
                    for part, text in enumerate(text_parts)
                ),
            )  # fmt: skip
            self._insert(
                self._passages,
                (
                    self._passage_row(document, version, passage, vector)
                    for passage, vector in zip(passages, vectors, strict=True)
                ),
            )
            self._call(self._client.insert, self._copies, [self._copy_row(document, version)])
            current = self._document_rows([document.doc_id], ["version"])
            if document.doc_id in current and current[document.doc_id]["version"] > version:
                # Another server committed a newer version meanwhile: it stands.
                self._delete_versions(document.doc_id, keep=current[document.doc_id]["version"])
                return
            row = {
                "doc_id": document.doc_id, "version": version, "title": document.title,
                "source": document.source, "url": document.url, "published": document.published,
                "metadata": metadata, "content_hash": document.content_hash,
                "passages": len(passages), "text_parts": len(text_parts), PLACEHOLDER: placeholder,
            }  # fmt: skip
            self._call(self._client.upsert, self._documents, [row])
            self._delete_versions(document.doc_id, keep=version)
            self._settle()

    def _passage_row(
        self, document: Document, version: int, passage: PassageRow, vector: np.ndarray
    ) -> dict[str, Any]:
        return {
            "key": passage_key(document.doc_id, version, passage.ordinal),
            "doc_id": document.doc_id,
            "version": version,
            "ordinal": passage.ordinal,
            "start": passage.start,
            "end": passage.end,
            "text": _fits(passage.text, f"passage {passage.ordinal} of {document.doc_id}"),
            "title": document.title,
            "source": document.source,
            "published": document.published,
            "sentence_spans": json.dumps([list(span) for span in passage.sentence_spans]),
            "sentence_vectors": _encode_vectors(passage.sentence_vectors),
            "vector": np.asarray(vector, dtype=np.float32).tolist(),
        }

    @staticmethod
    def _copy_row(document: Document, version: int) -> dict[str, Any]:
        signature = near_copies.signature(document.text)
        return {
            "key": f"{version}:{document.doc_id}",
            "doc_id": document.doc_id,
            "version": version,
            "signature": base64.b64encode(near_copies.to_bytes(signature)).decode("ascii"),
            "bands": near_copies.band_keys(signature),
            PLACEHOLDER: [0.0] * PLACEHOLDER_DIM,
        }

    def _insert(self, collection: str, rows: Iterator[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == INSERT_BATCH:
                self._call(self._client.insert, collection, batch)
                batch = []
        if batch:
            self._call(self._client.insert, collection, batch)

    def _delete_versions(self, doc_id: str, keep: int | None) -> None:
        """Delete a document's passages and text parts of every version but ``keep``, by
        key: a delete by filter is a query and a delete, not atomic, on a server."""
        condition = f"doc_id == {_quoted(doc_id)}"
        if keep is not None:
            condition += f" and version != {int(keep)}"
        for collection in (self._passages, self._texts, self._copies):
            # A document's rows are a few hundred: a full page means there may be more.
            while keys := [row["key"] for row in self._query(collection, condition, ["key"])]:
                self._call(self._client.delete, collection, ids=keys)
                if len(keys) < MAX_RESULTS:
                    break

    def _settle(self) -> None:
        """milvus-lite searches rows written only once flushed; a server flushes itself."""
        if self.target.embedded:
            for name in (self._passages, self._documents, self._texts, self._copies):
                self._call(self._client.flush, name)

    def delete_document(self, doc_id: str) -> bool:
        with self._write_lock:
            if doc_id not in self._document_rows([doc_id], ["version"]):
                return False
            # The document row first: from then on readers drop its passages.
            self._call(self._client.delete, self._documents, ids=[doc_id])
            self._delete_versions(doc_id, keep=None)
            self._settle()
            return True

    # -- reads ---------------------------------------------------------------------

    def search_dense(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        hits = self._search(
            "vector",
            np.asarray(vector, dtype=np.float32).tolist(),
            k,
            filters,
            {"metric_type": "IP", "params": {"ef": max(SEARCH_EF, k)}},
        )
        return [(int(hit["key"]), float(hit["distance"])) for hit in hits]

    def search_lexical(
        self,
        terms: Sequence[str],
        k: int,
        *,
        title_weight: float = 1.0,
        filters: SearchFilters | None = None,
        term_cap: int | None = None,
    ) -> list[tuple[int, float]]:
        """BM25 over the text plus ``title_weight`` times BM25 over the title. ``term_cap``
        is not applied: Milvus's inverted index skips what cannot reach the top k, so a
        common word costs it little, and counting each word's passages would cost a
        search per word."""
        query = " ".join(term for term in dict.fromkeys(terms) if term)
        if not query or k <= 0:
            return []
        scores: dict[int, float] = {}
        for field, weight in (("sparse_text", 1.0), ("sparse_title", title_weight)):
            if weight <= 0:
                continue
            for hit in self._search(field, query, k, filters, {"metric_type": "BM25"}):
                # milvus-lite returns BM25 scores negated.
                key = int(hit["key"])
                scores[key] = scores.get(key, 0.0) + weight * abs(float(hit["distance"]))
        best = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        return best[:k]

    def _search(
        self,
        field: str,
        data: Any,
        k: int,
        filters: SearchFilters | None,
        params: dict[str, Any],
    ) -> list[dict[str, Any]]:
        if k <= 0:
            return []
        results = self._call(
            self._client.search,
            self._passages,
            data=[data],
            anns_field=field,
            limit=min(k, MAX_RESULTS),
            filter=filter_expression(filters),
            search_params=params,
            output_fields=["key"],
            consistency_level=self.target.consistency,
        )
        return list(results[0]) if results else []

    def passages_holding(self, words: Sequence[str], limit: int = 1) -> list[int]:
        """For each word, the passages BM25 finds for it alone, up to ``limit``."""
        return [
            len(
                [
                    hit
                    for hit in self._search(
                        "sparse_text", word, max(limit, 1), None, {"metric_type": "BM25"}
                    )
                    if hit["distance"] != 0
                ]
            )
            if word.strip()
            else 0
            for word in words
        ]

    def passage_vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        rows = self._get(self._passages, list(keys), ["key", "vector"])
        return {int(row["key"]): np.asarray(row["vector"], dtype=np.float32) for row in rows}

    def passages(self, keys: Sequence[int]) -> dict[int, PassageRow]:
        """The passages of the current version of their documents; others are left out."""
        rows = self._get(self._passages, list(keys), PASSAGE_FIELDS)
        versions = self._document_rows({row["doc_id"] for row in rows}, ["version"])
        return {
            int(row["key"]): self._passage_from_row(row)
            for row in rows
            if row["doc_id"] in versions and versions[row["doc_id"]]["version"] == row["version"]
        }

    def _passage_from_row(self, row: dict[str, Any], *, with_vectors: bool = True) -> PassageRow:
        spans = tuple(tuple(span) for span in json.loads(row["sentence_spans"] or "[]"))
        return PassageRow(
            key=int(row["key"]),
            doc_id=row["doc_id"],
            ordinal=int(row["ordinal"]),
            start=int(row["start"]),
            end=int(row["end"]),
            text=row["text"],
            sentence_spans=spans,
            sentence_vectors=(
                _decode_vectors(row["sentence_vectors"], self.dimension) if with_vectors else None
            ),
        )

    def published_dates(self, keys: Sequence[int]) -> dict[int, str]:
        rows = self._get(self._passages, list(keys), ["key", "published"])
        return {int(row["key"]): str(row["published"]) for row in rows}

    def any_published_after(self, day: str) -> bool:
        condition = f"published > {_quoted(day + '~')}" if day else 'published != ""'
        return bool(self._query(self._documents, condition, ["doc_id"], limit=1))

    def cite(self, scored: Sequence[tuple[PassageRow, float]]) -> list[SearchResult]:
        documents = self._document_rows(
            {passage.doc_id for passage, _ in scored}, [*CITATION_FIELDS, "metadata"]
        )
        return [
            SearchResult(passage=passage, document=_cited(documents[passage.doc_id]), score=score)
            for passage, score in scored
            if passage.doc_id in documents
        ]

    def near_copies(
        self, doc_ids: Sequence[str], threshold: float
    ) -> dict[str, list[tuple[str, float]]]:
        """The given documents' current versions and their signatures, then every document
        sharing a band key with one of them (``array_contains_any``), at its current
        version. A version's signature never changes, so this process keeps those it read:
        a question then costs a read of versions and one query of band keys."""
        versions = self._versions(list(dict.fromkeys(doc_ids)))
        wanted = self._signatures(versions)
        if not wanted:
            return {}
        bands = sorted({band for sig in wanted.values() for band in near_copies.band_keys(sig)})
        rows = self._query(
            self._copies, f"array_contains_any(bands, {bands})", ["doc_id", "version", "signature"]
        )
        versions |= self._versions([row["doc_id"] for row in rows if row["doc_id"] not in versions])
        candidates = {
            row["doc_id"]: self._remember(row)
            for row in rows
            if versions.get(row["doc_id"]) == row["version"]
        }
        return near_copies.matches(wanted, candidates, threshold)

    def _versions(self, doc_ids: list[str]) -> dict[str, int]:
        if not doc_ids:
            return {}
        rows = self._document_rows(doc_ids, ["version"])
        return {doc_id: int(row["version"]) for doc_id, row in rows.items()}

    def _signatures(self, versions: dict[str, int]) -> dict[str, np.ndarray]:
        """The signatures of these document versions, remembered or read."""
        with self._signature_lock:
            found = {
                doc_id: self._signature_cache[(doc_id, version)]
                for doc_id, version in versions.items()
                if (doc_id, version) in self._signature_cache
            }
        missing = [doc_id for doc_id in versions if doc_id not in found]
        if missing:
            condition = f"doc_id in {_string_list(missing)}"
            for row in self._query(self._copies, condition, ["doc_id", "version", "signature"]):
                if versions[row["doc_id"]] == row["version"]:
                    found[row["doc_id"]] = self._remember(row)
        return found

    def _remember(self, row: dict[str, Any]) -> np.ndarray:
        signature = near_copies.from_bytes(base64.b64decode(row["signature"]))
        with self._signature_lock:
            self._signature_cache[(row["doc_id"], int(row["version"]))] = signature
            if len(self._signature_cache) > SIGNATURES_KEPT:
                self._signature_cache.popitem(last=False)
        return signature

    def get_document(self, doc_id: str) -> Document | None:
        rows = self._document_rows([doc_id], [*CITATION_FIELDS, "metadata", "content_hash",
                                              "text_parts"])  # fmt: skip
        if doc_id not in rows:
            return None
        row = rows[doc_id]
        condition = f"doc_id == {_quoted(doc_id)} and version == {int(row['version'])}"
        parts = sorted(
            self._query(self._texts, condition, ["part", "text"]), key=lambda p: p["part"]
        )
        if [part["part"] for part in parts] != list(range(row["text_parts"])):
            raise CorruptIndexError(
                f"the text of {doc_id!r} in {self.target.describe()} is incomplete: "
                f"{len(parts)} of {row['text_parts']} parts; ingest it again"
            )
        return _document_from_row(row, "".join(part["text"] for part in parts))

    def content_hash(self, doc_id: str) -> str | None:
        rows = self._document_rows([doc_id], ["content_hash"])
        return str(rows[doc_id]["content_hash"]) if doc_id in rows else None

    def passages_of(self, doc_id: str) -> list[PassageRow]:
        rows = self._document_rows([doc_id], ["version"])
        if doc_id not in rows:
            return []
        condition = f"doc_id == {_quoted(doc_id)} and version == {int(rows[doc_id]['version'])}"
        found = self._query(self._passages, condition, PASSAGE_FIELDS)
        return sorted(
            (self._passage_from_row(row, with_vectors=False) for row in found),
            key=lambda passage: passage.ordinal,
        )

    def list_documents(self, limit: int, offset: int) -> list[tuple[Document, int]]:
        """A page of documents by id. Milvus returns rows in no order and caps offsets, so
        every id is read (an iterator) and sorted here: fine for thousands of documents,
        seconds for millions."""
        ids = sorted(row["doc_id"] for row in self._query_all(self._documents, "", ["doc_id"]))
        page = ids[offset : offset + limit]
        rows = self._document_rows(page, [*CITATION_FIELDS, "metadata", "content_hash",
                                          "passages"])  # fmt: skip
        return [
            (_document_from_row(rows[doc_id]), int(rows[doc_id]["passages"]))
            for doc_id in page
            if doc_id in rows
        ]

    def count_documents(self) -> int:
        return self._count(self._documents)

    def count_passages(self) -> int:
        return self._count(self._passages)

    def _count(self, collection: str) -> int:
        rows = self._call(
            self._client.query,
            collection,
            filter="",
            output_fields=["count(*)"],
            consistency_level=self.target.consistency,
        )
        return int(rows[0]["count(*)"]) if rows else 0

    def _document_rows(self, doc_ids: Any, fields: list[str]) -> dict[str, dict[str, Any]]:
        wanted = ["doc_id", *(field for field in fields if field != "doc_id")]
        rows = self._get(self._documents, list(doc_ids), wanted)
        return {row["doc_id"]: row for row in rows}

    def _get(self, collection: str, ids: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), MAX_RESULTS):
            found += self._call(
                self._client.get,
                collection,
                ids=ids[start : start + MAX_RESULTS],
                output_fields=fields,
                consistency_level=self.target.consistency,
            )
        return found

    def _query(
        self, collection: str, condition: str, fields: list[str], limit: int = MAX_RESULTS
    ) -> list[Any]:
        """The rows matching, up to ``limit`` (a document's are a few hundred at most)."""
        return list(
            self._call(
                self._client.query,
                collection,
                filter=condition,
                output_fields=fields,
                limit=limit,
                consistency_level=self.target.consistency,
            )
        )

    def _query_all(self, collection: str, condition: str, fields: list[str]) -> list[Any]:
        """Every row matching. A server returns 16,384 rows a query at most: read in batches
        by an iterator there. milvus-lite has no such cap, and no timestamps for iterators
        (pymilvus retries for them, half a second each): one query there."""
        if self.target.embedded:
            return self._query(collection, condition, fields, limit=EMBEDDED_QUERY_LIMIT)
        iterator = self._call(
            self._client.query_iterator,
            collection,
            batch_size=1000,
            filter=condition,
            output_fields=fields,
            consistency_level=self.target.consistency,
        )
        rows: list[Any] = []
        try:
            while batch := self._call(iterator.next):
                rows += batch
        finally:
            iterator.close()
        return rows

    def flush(self) -> None:
        """Nothing is kept in memory: every write is in Milvus when it returns."""

    def read_ahead(self) -> None:
        """Nothing: Milvus keeps its own data."""

    def close(self) -> None:
        disconnect(self._client, self.target)


def _cited(row: dict[str, Any]) -> Document:
    """A document's citation fields, with only the author kept of its metadata."""
    document = _document_from_row(row)
    return replace(document, metadata={"author": document.author})


def _document_from_row(row: dict[str, Any], text: str = "") -> Document:
    return document_from_fields(row, text)

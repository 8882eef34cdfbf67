"""Documents: validation of their fields, stable ids and content hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from index import Document

# Ids come from other systems (Victoria_(Australia), a URL): any text but control
# characters, percent-encoded wherever a URL carries one.
MAX_DOC_ID_CHARS = 256
MAX_TITLE_CHARS = 500
MAX_FIELD_CHARS = 2000
# Metadata is stored and returned as JSON: bounded so that no document is too deep or too
# large to read back.
MAX_METADATA_DEPTH = 16
MAX_METADATA_BYTES = 65_536
# Half of a UTF-16 pair on its own: no encoding can store or send it.
LONE_SURROGATE = "must not hold a lone surrogate (\\ud800-\\udfff), which no encoding can store"

_KNOWN_FIELDS = {"doc_id", "title", "text", "body", "source", "url", "published", "published_at"}


class DocumentError(ValueError):
    """A document's fields are missing or invalid; the message says which and why."""


def content_hash(document: Document) -> str:
    """Changes whenever any field but the id changes; an ingest skips a document whose hash
    (with the way it is split and embedded) the index already has."""
    fields = [
        document.title,
        document.text,
        document.source,
        document.url,
        document.published,
        document.metadata,
    ]
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def derive_doc_id(title: str, text: str) -> str:
    """A stable id from the content, for documents that come without one."""
    digest = hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()
    return f"doc-{digest[:16]}"


def has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def is_valid_doc_id(doc_id: str) -> bool:
    """1 to MAX_DOC_ID_CHARS characters, none a control character or a lone surrogate
    (which no encoding can store)."""
    return 0 < len(doc_id) <= MAX_DOC_ID_CHARS and not any(
        unicodedata.category(char) in ("Cc", "Cs") for char in doc_id
    )


def normalise_published(value: object) -> str:
    """An ISO date (``2024-05-01``) or date-time, as given; empty when absent."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise DocumentError(f"published must be an ISO date such as 2024-05-01, not {value!r}")
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise DocumentError(
            f"published must be an ISO date such as 2024-05-01, not {value!r}"
        ) from None


def _string_field(fields: Mapping[str, Any], name: str, limit: int) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DocumentError(f"{name} must be a string, not {type(value).__name__}")
    if has_lone_surrogate(value):
        raise DocumentError(f"{name} {LONE_SURROGATE}")
    value = value.strip()
    if len(value) > limit:
        raise DocumentError(f"{name} is longer than {limit} characters")
    return value


def document_from_fields(fields: Mapping[str, Any]) -> Document:
    """Build a document from loosely named fields (``body`` for text, ``published_at``...).

    Fields other than the known ones are kept as metadata; a ``metadata`` object is merged.
    """
    text = fields.get("text", fields.get("body"))
    if not isinstance(text, str) or not text.strip():
        raise DocumentError("text (or body) is missing or empty")
    if has_lone_surrogate(text):
        raise DocumentError(f"text {LONE_SURROGATE}")
    title = _string_field(fields, "title", MAX_TITLE_CHARS)
    if not title:
        # Keep the document findable by a readable name: its first line stands in.
        title = text.strip().splitlines()[0].strip()[:MAX_TITLE_CHARS]
    doc_id = fields.get("doc_id")
    if doc_id is None or doc_id == "":
        doc_id = derive_doc_id(title, text)
    elif not isinstance(doc_id, str) or not is_valid_doc_id(doc_id):
        raise DocumentError(
            f"doc_id {doc_id!r} must be 1-{MAX_DOC_ID_CHARS} characters, none of them a "
            "control character"
        )
    published = normalise_published(fields.get("published", fields.get("published_at")))
    metadata = {key: value for key, value in fields.items() if key not in _KNOWN_FIELDS}
    nested = metadata.pop("metadata", None)
    if isinstance(nested, Mapping):
        metadata = {**metadata, **nested}
    elif nested is not None:
        metadata["metadata"] = nested
    _check_metadata(metadata)
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        source=_string_field(fields, "source", MAX_FIELD_CHARS),
        url=_string_field(fields, "url", MAX_FIELD_CHARS),
        published=published,
        metadata=metadata,
    )


def _check_metadata(metadata: dict[str, Any]) -> None:
    """Metadata that can be stored as JSON and read back: finite numbers, valid text, at
    most MAX_METADATA_DEPTH levels deep and MAX_METADATA_BYTES long."""
    pending: list[tuple[Any, int]] = [(metadata, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_METADATA_DEPTH:
            raise DocumentError(f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
        if isinstance(value, float) and not math.isfinite(value):
            raise DocumentError("metadata holds a number that is not finite (NaN or infinity)")
        if isinstance(value, str) and has_lone_surrogate(value):
            raise DocumentError(f"metadata {LONE_SURROGATE}")
        if isinstance(value, dict):
            pending += [(key, depth) for key in value]
            pending += [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise DocumentError(f"metadata is over {MAX_METADATA_BYTES} bytes as JSON ({size})")

"""Documents: list, read, add or replace, delete. Writes need the bearer token."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.auth import WriterRoute
from api.dependencies import AppSettings, Service, Worker
from api.model_worker import WritesBackedUp
from api.schemas import (
    ERRORS,
    DocumentIn,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    PassageSpanOut,
    WriteResult,
)
from qa.answers import passage_id
from qa.documents import DocumentError, document_from_fields, is_valid_doc_id
from qa.intake.fetch import FetchError, fetch
from qa.intake.web_pages import PageError, document_from_html
from qa.settings import Settings

# Reads and deletes are plain functions: FastAPI runs them on its thread pool, off the
# event loop. Additions are embedded on the writer thread (api.model_worker).
router = APIRouter(prefix="/documents", tags=["documents"], responses=ERRORS)
# Writes: the token is checked before the body is read.
writes = APIRouter(
    prefix="/documents", tags=["documents"], responses=ERRORS, route_class=WriterRoute
)
# ":path": a percent-encoded "/" in an id arrives decoded, as part of the path.
ONE_DOCUMENT = "/{doc_id:path}"


@router.get("", response_model=DocumentList)
def list_documents(
    service: Service,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    # SQLite's integers are 64-bit: a larger offset could not be asked of it.
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> DocumentList:
    """The documents in the index, by id, a page at a time."""
    listings = service.list_documents(limit, offset)
    return DocumentList(
        # The summary model keeps the listed fields and drops text and metadata.
        documents=[
            DocumentSummary(**asdict(item.document), passages=item.passages) for item in listings
        ],
        total=service.count_documents(),
        limit=limit,
        offset=offset,
    )


@router.get(ONE_DOCUMENT, response_model=DocumentOut)
def get_document(doc_id: str, service: Service) -> DocumentOut:
    """A document with its full text and the spans of its passages."""
    stored = service.get_document(doc_id)
    if stored is None:
        raise HTTPException(404, f"no document with doc_id {doc_id!r}")
    document = stored.document
    return DocumentOut(
        **asdict(document),
        passages=[
            PassageSpanOut(
                passage_id=passage_id(document.doc_id, passage.ordinal),
                start=passage.start,
                end=passage.end,
            )
            for passage in stored.passages
        ],
    )


@writes.post(
    "",
    response_model=WriteResult,
    status_code=201,
    responses={200: {"model": WriteResult, "description": "Replaced, or unchanged."}},
)
async def add_document(
    body: DocumentIn, service: Service, worker: Worker, settings: AppSettings, response: Response
) -> WriteResult:
    """Add a document (201), or replace the one with the same doc_id (200). Searchable on
    return. Embedded on a thread of its own: questions are answered meanwhile."""
    fields = body.model_dump(exclude_none=True)
    page_url = fields.get("url", "")
    if "fetch" in fields and not ("text" in fields or "body" in fields or "html" in fields):
        fields["html"], page_url = await run_in_threadpool(
            _fetch_for_client, fields["fetch"], settings
        )
    fields.pop("fetch", None)
    try:
        if "html" in fields and "text" not in fields and "body" not in fields:
            # Off the event loop: extracting a large page takes a while.
            fields = await run_in_threadpool(_fields_from_page, fields, page_url)
        fields.pop("html", None)
        document = document_from_fields(fields)
    except PageError as error:
        raise HTTPException(422, f"html: {error}") from None
    except DocumentError as error:
        raise HTTPException(422, str(error)) from None
    if len(document.text) > settings.max_document_chars:
        raise HTTPException(
            413,
            f"text: over {settings.max_document_chars} characters, too long to embed while a "
            "client waits; ingest it with `qa ingest` (QA_MAX_DOCUMENT_CHARS)",
        )
    try:
        status, passages = await worker.write(
            partial(service.add_document, document, share_cores=True)
        )
    except WritesBackedUp as error:
        raise HTTPException(503, f"busy: {error}", headers={"Retry-After": "5"}) from None
    if status != "added":
        response.status_code = 200
    return WriteResult(doc_id=document.doc_id, status=status, passages=passages)


def _fetch_for_client(url: str, settings: Settings) -> tuple[bytes, str]:
    """The page at url, if its host is one QA_FETCH_HOSTS names: the server fetches nothing
    else for a client (it would otherwise reach whatever the client points it at)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError as error:  # "Invalid IPv6 URL", a port that is not a number
        raise HTTPException(422, f"fetch: not a URL this server can read: {error}") from None
    if host not in {name.lower() for name in settings.fetch_hosts}:
        raise HTTPException(
            403,
            f"fetch: this server does not fetch from {host or url!r} (QA_FETCH_HOSTS names "
            "the hosts it may fetch from); send the page's html or text instead",
        )
    try:
        fetched = fetch(url, settings.fetch_limits)
    except FetchError as error:
        raise HTTPException(422, f"fetch: {error}") from None
    if fetched.is_feed_type:
        raise HTTPException(422, f"fetch: {url} is a feed, not an article page")
    return fetched.content, fetched.url


def _fields_from_page(fields: dict[str, Any], page_url: str) -> dict[str, Any]:
    """The page's article and metadata, under the fields the client gave."""
    page = document_from_html(fields.pop("html"), url=page_url)
    found = {
        "doc_id": page.doc_id,
        "title": page.title,
        "text": page.text,
        "source": page.source,
        "url": page.url,
        "published": page.published,
        **page.metadata,
    }
    return {**{k: v for k, v in found.items() if v}, **fields}


@writes.delete(ONE_DOCUMENT, response_model=WriteResult)
def delete_document(doc_id: str, service: Service) -> WriteResult:
    """Remove a document and its passages."""
    if not is_valid_doc_id(doc_id) or not service.delete_document(doc_id):
        raise HTTPException(404, f"no document with doc_id {doc_id!r}")
    return WriteResult(doc_id=doc_id, status="deleted", passages=0)

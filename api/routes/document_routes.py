"""Documents: list, read, add or replace, delete. Writes need the bearer token."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated

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
from qa.documents import is_valid_doc_id
from qa.intake.fetch_policy import FetchPolicy
from qa.intake.submissions import (
    DocumentTooLong,
    FetchRefused,
    SubmissionError,
    document_from_submission,
)

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
    try:
        # Off the event loop: fetching a page and extracting a large one take a while.
        document = await run_in_threadpool(
            partial(
                document_from_submission,
                body.model_dump(exclude_none=True),
                policy=FetchPolicy.only(settings.fetch_limits, settings.fetch_hosts),
                max_chars=settings.max_document_chars,
            )
        )
    except FetchRefused as error:
        raise HTTPException(403, str(error)) from None
    except DocumentTooLong as error:
        raise HTTPException(
            413,
            f"{error}, too long to embed while a client waits; ingest it with `qa ingest` "
            "(QA_MAX_DOCUMENT_CHARS)",
        ) from None
    except SubmissionError as error:
        raise HTTPException(422, str(error)) from None
    try:
        status, passages = await worker.write(
            partial(service.add_document, document, share_cores=True)
        )
    except WritesBackedUp as error:
        raise HTTPException(503, f"busy: {error}", headers={"Retry-After": "5"}) from None
    if status != "added":
        response.status_code = 200
    return WriteResult(doc_id=document.doc_id, status=status, passages=passages)


@writes.delete(ONE_DOCUMENT, response_model=WriteResult)
def delete_document(doc_id: str, service: Service) -> WriteResult:
    """Remove a document and its passages."""
    if not is_valid_doc_id(doc_id) or not service.delete_document(doc_id):
        raise HTTPException(404, f"no document with doc_id {doc_id!r}")
    return WriteResult(doc_id=doc_id, status="deleted", passages=0)

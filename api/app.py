"""The HTTP service: FastAPI over one ``QAService``.

The index and model load in a background thread, so ``/healthz`` answers at once and
``/readyz`` (and every endpoint that needs the index) answers 503 until they are loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import require_writer
from api.errors import BodySizeLimit, install_error_handlers
from api.metrics import Metrics
from api.model_worker import ModelWorker
from api.pages import install_pages
from api.schemas import (
    AskRequest,
    AskResponse,
    DocumentIn,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    ErrorOut,
    Examples,
    Filters,
    PassageSpanOut,
    Readiness,
    WriteResult,
)
from index import SearchFilters
from qa.answers import passage_id
from qa.documents import DocumentError, document_from_fields, is_valid_doc_id
from qa.questions import QuestionError, make_question
from qa.service import QAService
from qa.settings import Settings, get_settings

log = logging.getLogger(__name__)

API_VERSION = "1.0"


_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (401, 403, 404, 413, 422, 503)
}


class ServiceSlot:
    """The service once loaded, or why it is not (yet)."""

    def __init__(self) -> None:
        self.service: QAService | None = None
        self.problem = "the index is loading"

    def get(self) -> QAService:
        if self.service is None:
            raise HTTPException(503, f"not ready: {self.problem}", headers={"Retry-After": "2"})
        return self.service


async def current_service(request: Request) -> QAService:
    # async, though it does not wait: FastAPI runs a plain function dependency on a worker
    # thread, a thread hop for every request.
    slot: ServiceSlot = request.app.state.slot
    return slot.get()


Service = Annotated[QAService, Depends(current_service)]


def create_app(
    settings: Settings | None = None,
    *,
    service: QAService | None = None,
    seed_if_empty: bool = False,
) -> FastAPI:
    """The app. ``service`` skips loading (for embedding in a process that has one)."""
    settings = settings or get_settings()
    slot = ServiceSlot()
    metrics = Metrics()
    # Every use of the model runs on one thread, which batches questions that arrive
    # together (api.model_worker): a pool of threads fought over the cores.
    worker = ModelWorker()

    def load() -> None:
        try:
            loaded = service or QAService.open(settings)
            if seed_if_empty and loaded.count_documents() == 0:
                _ingest_seeds(loaded, settings)
            slot.service = loaded
            log.info(
                "ready: %d documents, %d passages",
                loaded.count_documents(),
                loaded.count_passages(),
            )
        except Exception as error:
            slot.problem = f"the index failed to load: {error}"
            log.exception("the index failed to load")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = threading.Thread(target=load, name="index-loader", daemon=True)
        loader.start()
        yield
        loader.join(timeout=30)
        worker.shutdown()
        if slot.service is not None and service is None:
            slot.service.close()

    app = FastAPI(
        title="passage-qa",
        version=API_VERSION,
        description="Questions about news articles, answered with quoted passages and citations.",
        lifespan=lifespan,
        docs_url=None,  # served by install_pages with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.slot = slot
    install_error_handlers(app)
    install_pages(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)

    async def answer(
        service: QAService, question: str, k: int | None, filters: Filters | None
    ) -> Response:
        try:
            checked = make_question(question, k, settings, _search_filters(filters))
        except QuestionError as error:
            raise HTTPException(422, str(error)) from None
        result = await worker.ask(service, checked)
        metrics.observe_answer(result.answerable)
        # Serialised here rather than validated again against the response model: the
        # answer is built by our own code, and validation cost more than the search.
        return Response(result.to_json(), media_type="application/json")

    @app.post("/ask", response_model=AskResponse, responses=_ERRORS, tags=["questions"])
    async def ask_post(body: AskRequest, service: Service) -> Response:
        """Answer a question with the passages that answer it, best first."""
        return await answer(service, body.question, body.k, body.filters)

    @app.get("/ask", response_model=AskResponse, responses=_ERRORS, tags=["questions"])
    async def ask_get(
        service: Service,
        q: Annotated[str, Query(description="The question.")],
        k: Annotated[int | None, Query(description="How many passages.")] = None,
    ) -> Response:
        """Answer a question given in the query string."""
        return await answer(service, q, k, None)

    @app.get("/examples", response_model=Examples, tags=["questions"])
    def examples() -> Examples:
        """Example questions the chat page offers on an empty conversation."""
        return Examples(examples=settings.examples)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, responses=_ERRORS, tags=["operations"])
    def readyz(service: Service) -> Readiness:
        """The index is loaded and questions can be answered (503 until then)."""
        return Readiness(
            status="ready",
            documents=service.count_documents(),
            passages=service.count_passages(),
            model=service.encoder.name,
        )

    @app.get("/metrics", response_class=PlainTextResponse, tags=["operations"])
    def metrics_text() -> PlainTextResponse:
        """Prometheus metrics."""
        gauges: dict[str, tuple[str, float]] = {"qa_ready": ("1 once the index is loaded.", 0)}
        if slot.service is not None:
            gauges = {
                "qa_ready": ("1 once the index is loaded.", 1),
                "qa_documents": ("Documents in the index.", slot.service.count_documents()),
                "qa_passages": ("Passages in the index.", slot.service.count_passages()),
            }
        return PlainTextResponse(
            metrics.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @app.get("/documents", response_model=DocumentList, responses=_ERRORS, tags=["documents"])
    def list_documents(
        service: Service,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> DocumentList:
        """The documents in the index, by id, a page at a time."""
        listings = service.list_documents(limit, offset)
        return DocumentList(
            # The summary model keeps the listed fields and drops text and metadata.
            documents=[
                DocumentSummary(**asdict(item.document), passages=item.passages)
                for item in listings
            ],
            total=service.count_documents(),
            limit=limit,
            offset=offset,
        )

    @app.get(
        # ":path": a percent-encoded "/" in an id arrives decoded, as part of the path.
        "/documents/{doc_id:path}",
        response_model=DocumentOut,
        responses=_ERRORS,
        tags=["documents"],
    )
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

    @app.post(
        "/documents",
        response_model=WriteResult,
        status_code=201,
        responses=_ERRORS,
        tags=["documents"],
        dependencies=[Depends(require_writer)],
    )
    async def add_document(body: DocumentIn, service: Service, response: Response) -> WriteResult:
        """Add a document, or replace the one with the same doc_id. Searchable on return."""
        try:
            document = document_from_fields(body.model_dump(exclude_none=True))
        except DocumentError as error:
            raise HTTPException(422, str(error)) from None
        status, passages = await worker.call(service.add_document, document)
        if status != "added":
            response.status_code = 200
        return WriteResult(doc_id=document.doc_id, status=status, passages=passages)

    @app.delete(
        "/documents/{doc_id:path}",
        response_model=WriteResult,
        responses=_ERRORS,
        tags=["documents"],
        dependencies=[Depends(require_writer)],
    )
    def delete_document(doc_id: str, service: Service) -> WriteResult:
        """Remove a document and its passages."""
        if not is_valid_doc_id(doc_id) or not service.delete_document(doc_id):
            raise HTTPException(404, f"no document with doc_id {doc_id!r}")
        return WriteResult(doc_id=doc_id, status="deleted", passages=0)

    return app


def _search_filters(filters: Filters | None) -> SearchFilters | None:
    if filters is None:
        return None
    return SearchFilters(
        doc_ids=tuple(filters.doc_ids),
        sources=tuple(filters.sources),
        published_from=filters.published_from.isoformat() if filters.published_from else "",
        published_to=filters.published_to.isoformat() if filters.published_to else "",
    )


def _ingest_seeds(service: QAService, settings: Settings) -> None:
    from qa.loaders import load_paths

    if not settings.seeds_dir.is_dir():
        log.warning("the index is empty and there is no seeds directory at %s", settings.seeds_dir)
        return
    loaded = load_paths([settings.seeds_dir])
    for error in loaded.errors:
        log.warning("skipped %s", error)
    if not loaded.documents:
        log.warning("the index is empty and %s holds no articles", settings.seeds_dir)
        return
    log.info(
        "the index is empty: ingesting %d articles from %s",
        len(loaded.documents),
        settings.seeds_dir,
    )
    summary = service.add_documents(loaded.documents, show_progress=True)
    service.index.flush()
    log.info("seeded: %s", summary.describe())


class RequestMetrics:
    """Counts requests and times them, labelled by route template (not raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.observe_request(
                scope["method"], path, status, time.perf_counter() - started
            )

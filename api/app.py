"""The HTTP service: a FastAPI app over one ``QAService``, its routes in ``api.routes``.

The index and model load in a background thread, so ``/healthz`` answers at once and
``/readyz`` (and every route that needs the index) answers 503 until they are loaded. An
empty index is first filled from the seed articles, when asked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api.dependencies import ServiceSlot
from api.error_responses import BodySizeLimit, install_error_handlers
from api.model_worker import ModelWorker
from api.request_metrics import Metrics, RequestMetrics
from api.routes import document_routes, operation_routes, question_routes
from api.static_pages import NoSniff, install_pages
from index import StorageError
from qa.encoding.model_source import EncoderError
from qa.service import QAService
from qa.settings import Settings, get_settings

log = logging.getLogger(__name__)

API_VERSION = "1.0"


def create_app(
    settings: Settings | None = None,
    *,
    service: QAService | None = None,
    seed_if_empty: bool = False,
) -> FastAPI:
    """The app. ``service`` skips loading (for embedding in a process that has one)."""
    settings = settings or get_settings()
    slot = ServiceSlot()
    # Every use of the model runs on one thread, which hands questions that arrive together
    # to the service at once (api.model_worker): a pool of threads fought over the cores.
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
            # Ready first: the store is read ahead while the first questions are answered.
            loaded.index.read_ahead()
        except (StorageError, EncoderError) as error:  # named, with what to do: no traceback
            slot.problem = f"the index failed to load: {error}"
            log.error("the index failed to load: %s", error)
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
    app.state.worker = worker
    app.state.metrics = Metrics()
    install_error_handlers(app)
    install_pages(app)
    for router in (
        question_routes.router,
        document_routes.router,
        document_routes.writes,
        operation_routes.router,
    ):
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(NoSniff)
    _publish_limits(app, settings)
    return app


def _publish_limits(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI schema with this server's limits on a question and k, which are
    settings (QA_MAX_QUESTION_CHARS, QA_MAX_K) rather than constants of the models."""
    make_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = make_schema()
        limits = {
            "question": {"maxLength": settings.max_question_chars},
            "q": {"maxLength": settings.max_question_chars},
            "k": {"minimum": 1, "maximum": settings.max_k},
        }
        ask = schema["components"]["schemas"]["AskRequest"]["properties"]
        for name in ("question", "k"):
            _constrain(ask[name], limits[name])
        for parameter in schema["paths"]["/ask"]["get"]["parameters"]:
            if parameter["name"] in limits:
                _constrain(parameter["schema"], limits[parameter["name"]])
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _constrain(schema: dict[str, Any], limits: dict[str, Any]) -> None:
    """Add the limits to a property's schema, or to its non-null alternative."""
    for alternative in schema.get("anyOf", [schema]):
        if alternative.get("type") != "null":
            alternative.update(limits)


def _ingest_seeds(service: QAService, settings: Settings) -> None:
    seeds = settings.seeds_dir
    if not seeds.is_dir():
        log.warning("the index is empty and there is no seeds directory at %s", seeds)
        return
    log.info("the index is empty: ingesting the articles in %s", seeds)
    loaded, summary = service.add_files([seeds], show_progress=True)
    for error in loaded.errors:
        log.warning("skipped %s", error)
    if not loaded.documents:
        log.warning("the index is empty and %s holds no articles", seeds)
        return
    log.info("seeded: %s", summary.describe())

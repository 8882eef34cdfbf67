"""Operations: liveness, readiness, the version and Prometheus metrics."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.dependencies import AppMetrics, AppSettings, Service, Slot, Worker
from api.schemas import ERRORS, Health, Readiness, Version
from qa.version import version_info

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/version", response_model=Version)
async def version(settings: AppSettings) -> Version:
    """The version, the model, the backends and the index format (answered while loading)."""
    return Version(**asdict(version_info(settings)))


@router.get("/readyz", response_model=Readiness, responses=ERRORS)
def readyz(service: Service, worker: Worker) -> Readiness:
    """The index is loaded and questions can be answered (503 until then); how many
    writes wait to be stored (writes are refused from MAX_WAITING_WRITES on)."""
    return Readiness(
        status="ready",
        documents=service.count_documents(),
        passages=service.count_passages(),
        model=service.encoder.name,
        writes_waiting=worker.writes_waiting,
        writes_backed_up=worker.writes_backed_up,
    )


@router.get("/metrics", response_class=PlainTextResponse)
def metrics_text(slot: Slot, metrics: AppMetrics) -> PlainTextResponse:
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

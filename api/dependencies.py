"""What routes are given, declared once: the service (503 until it is loaded), the model
worker, the settings and the request metrics, all kept on the app's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.metrics import Metrics
from api.model_worker import ModelWorker
from qa.service import QAService
from qa.settings import Settings


class ServiceSlot:
    """The service once loaded, or why it is not (yet)."""

    def __init__(self) -> None:
        self.service: QAService | None = None
        self.problem = "the index is loading"

    def get(self) -> QAService:
        if self.service is None:
            raise HTTPException(503, f"not ready: {self.problem}", headers={"Retry-After": "2"})
        return self.service


# These are async, though none waits: FastAPI runs a plain function dependency on a worker
# thread, a thread hop for every request.
async def _service(request: Request) -> QAService:
    slot: ServiceSlot = request.app.state.slot
    return slot.get()


async def _slot(request: Request) -> ServiceSlot:
    slot: ServiceSlot = request.app.state.slot
    return slot


async def _worker(request: Request) -> ModelWorker:
    worker: ModelWorker = request.app.state.worker
    return worker


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


Service = Annotated[QAService, Depends(_service)]
Slot = Annotated[ServiceSlot, Depends(_slot)]
Worker = Annotated[ModelWorker, Depends(_worker)]
AppSettings = Annotated[Settings, Depends(_settings)]
AppMetrics = Annotated[Metrics, Depends(_metrics)]

"""What routes are given, declared once: the service (503 until it is loaded), the model
worker, the settings and the request metrics, all kept on the app's state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.model_worker import ModelWorker
from api.request_metrics import Metrics
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


def _state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency that reads app.state.NAME. Async, though it does not wait: FastAPI runs
    a plain function dependency on a worker thread, a thread hop for every request."""

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    return read


async def _service(request: Request) -> QAService:
    slot: ServiceSlot = request.app.state.slot
    return slot.get()


Service = Annotated[QAService, Depends(_service)]
Slot = Annotated[ServiceSlot, Depends(_state("slot"))]
Worker = Annotated[ModelWorker, Depends(_state("worker"))]
AppSettings = Annotated[Settings, Depends(_state("settings"))]
AppMetrics = Annotated[Metrics, Depends(_state("metrics"))]

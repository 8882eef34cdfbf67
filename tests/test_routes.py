"""Each group of routes on its own, in process: a bare FastAPI app with one router and the
state the routes depend on, over a real service (the real model, a real index)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.dependencies import ServiceSlot
from api.error_responses import install_error_handlers
from api.model_worker import ModelWorker
from api.request_metrics import Metrics
from api.routes import document_routes, operation_routes, question_routes
from index import LocalIndex
from qa.answers import Answer
from qa.service import QAService
from qa.settings import Settings
from tests.conftest import FIXTURE_ARTICLES, TOKEN


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, encoder) -> QAService:
    settings = Settings(index_dir=tmp_path_factory.mktemp("routes") / "index", api_token=TOKEN)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    service.add_files([FIXTURE_ARTICLES])
    return service


def client_of(
    router: APIRouter, service: QAService | None, *more: APIRouter
) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)  # errors as the whole app gives them
    for each in (router, *more):
        app.include_router(each)
    slot = ServiceSlot()
    slot.service = service
    worker = ModelWorker()
    app.state.settings = service.settings if service else Settings()
    app.state.slot, app.state.worker, app.state.metrics = slot, worker, Metrics()
    try:
        with TestClient(app) as client:
            yield client
    finally:
        worker.shutdown()


@pytest.fixture
def questions_client(service: QAService) -> Iterator[TestClient]:
    yield from client_of(question_routes.router, service)


@pytest.fixture
def documents_client(service: QAService) -> Iterator[TestClient]:
    yield from client_of(document_routes.router, service, document_routes.writes)


def test_ask_answers_through_the_answer_model(questions_client: TestClient) -> None:
    response = questions_client.post("/ask", json={"question": "What will the barrier cost?"})
    assert response.status_code == 200
    answer = Answer.model_validate(response.json())
    assert answer.answerable and len(answer.passages) == 4  # every passage of the fixtures
    assert "84 million euros" in answer.passages[0].highlighted_sentence
    by_query = questions_client.get("/ask", params={"q": "What will the barrier cost?", "k": 2})
    assert [p["citation"] for p in by_query.json()["passages"]] == [
        p.citation.model_dump() for p in answer.passages[:2]
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": "   "}, "question: must not be empty"),
        ({"question": "x" * 1001}, "question: must be at most 1000 characters"),
        ({"question": "why?", "k": 51}, "k: must be between 1 and 50"),
    ],
)
def test_questions_are_checked_by_the_service_rules(
    questions_client: TestClient, body: dict, message: str
) -> None:
    response = questions_client.post("/ask", json=body)
    assert response.status_code == 422 and response.json()["detail"] == message


def test_ask_takes_its_time_options_by_post_and_get(questions_client: TestClient) -> None:
    body = {
        "question": "What did they decide about the barrier last week?",
        "as_of": "2025-12-19",
        "order": "date",
        "recency": False,
    }
    posted = questions_client.post("/ask", json=body).json()
    assert posted["as_of"].startswith("2025-12-19T23:59:59")
    assert posted["period"] == {"start": "2025-12-08", "end": "2025-12-14", "phrase": "last week"}
    assert posted["order"] == "date"
    params = {"q": body["question"], "as_of": "2025-12-19", "order": "date", "recency": "false"}
    got = questions_client.get("/ask", params=params).json()
    assert got["period"] == posted["period"]
    assert [p["citation"] for p in got["passages"]] == [p["citation"] for p in posted["passages"]]
    unread = questions_client.get("/ask", params={**params, "read_period": "false"}).json()
    assert unread["period"] is None


@pytest.mark.parametrize("as_of", ["2025-13-01", "yesterday", "17/12/2025", "", "2025-12-17T25:00"])
def test_a_bad_as_of_is_refused_by_post_and_get(questions_client: TestClient, as_of: str) -> None:
    posted = questions_client.post("/ask", json={"question": "why?", "as_of": as_of})
    got = questions_client.get("/ask", params={"q": "why?", "as_of": as_of})
    assert posted.status_code == got.status_code == 422
    assert "ISO date" in str(posted.json()["detail"]) and "ISO date" in got.json()["detail"]


def test_examples_come_from_the_settings(questions_client: TestClient) -> None:
    assert questions_client.get("/examples").json() == {
        "examples": Settings().examples,
        "max_question_chars": Settings().max_question_chars,
    }


def test_documents_are_listed_read_written_and_deleted(documents_client: TestClient) -> None:
    listed = documents_client.get("/documents").json()
    assert listed["total"] == 2 and len(listed["documents"]) == 2
    auth = {"Authorization": f"Bearer {TOKEN}"}
    article = {"doc_id": "kiosk/1", "title": "Kiosk", "text": "The kiosk opens at nine."}
    assert documents_client.post("/documents", json=article).status_code == 401
    created = documents_client.post("/documents", json=article, headers=auth)
    assert created.status_code == 201 and created.json()["status"] == "added"
    assert documents_client.post("/documents", json=article, headers=auth).status_code == 200
    stored = documents_client.get("/documents/kiosk%2F1").json()
    assert stored["text"] == article["text"] and stored["passages"][0]["start"] == 0
    assert documents_client.delete("/documents/kiosk%2F1", headers=auth).status_code == 200
    assert documents_client.get("/documents/kiosk%2F1").status_code == 404


def test_operations_say_whether_the_service_is_ready(service: QAService) -> None:
    for ready in (None, service):
        client = client_of(operation_routes.router, ready)
        with next(client) as running:
            assert running.get("/healthz").json() == {"status": "ok"}
            readiness = running.get("/readyz")
            assert readiness.status_code == (200 if ready else 503)
            assert ("qa_ready 1" if ready else "qa_ready 0") in running.get("/metrics").text
        client.close()


def test_a_text_too_long_to_embed_while_the_client_waits_is_refused(
    documents_client: TestClient, service: QAService
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    limit = service.settings.max_document_chars
    long = {"doc_id": "long", "text": "word " * (limit // 5 + 1)}
    refused = documents_client.post("/documents", json=long, headers=auth)
    assert refused.status_code == 413 and "qa ingest" in refused.json()["detail"]
    assert documents_client.get("/documents/long").status_code == 404

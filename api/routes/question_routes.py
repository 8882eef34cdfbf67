"""Questions: POST and GET /ask, and the example questions the chat page offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import AppMetrics, AppSettings, Service, Worker
from api.schemas import (
    AS_OF_DESCRIPTION,
    ERRORS,
    SOME_TEXT,
    AskRequest,
    AsOf,
    Examples,
    Filters,
)
from index import SearchFilters
from qa.answers import Answer
from qa.questions import Order, QuestionError, make_question

router = APIRouter(tags=["questions"])


@dataclass(frozen=True)
class When:
    """A request's time options, as POST and GET give them."""

    as_of: str | None
    read_period: bool
    recency: bool
    order: Order


@router.post("/ask", response_model=Answer, responses=ERRORS)
async def ask_post(
    body: AskRequest, service: Service, worker: Worker, settings: AppSettings, metrics: AppMetrics
) -> Answer:
    """Answer a question with the passages that answer it, best first."""
    when = When(body.as_of, body.read_period, body.recency, body.order)
    return await _answer(
        service, worker, settings, metrics, body.question, body.k, body.filters, body.fold, when
    )


@router.get("/ask", response_model=Answer, responses=ERRORS)
async def ask_get(
    service: Service,
    worker: Worker,
    settings: AppSettings,
    metrics: AppMetrics,
    q: Annotated[str, Query(min_length=1, pattern=SOME_TEXT, description="The question.")],
    k: Annotated[int | None, Query(description="How many passages.")] = None,
    fold: Annotated[bool, Query(description="Fold syndicated copies into one passage.")] = True,
    as_of: Annotated[AsOf | None, Query(max_length=64, description=AS_OF_DESCRIPTION)] = None,
    read_period: Annotated[bool, Query(description="Read the period the question names.")] = True,
    recency: Annotated[bool, Query(description="Prefer recent articles.")] = True,
    order: Annotated[
        Literal["relevance", "date"], Query(description="relevance, or date: oldest first.")
    ] = "relevance",
) -> Answer:
    """Answer a question given in the query string."""
    when = When(as_of, read_period, recency, order)
    return await _answer(service, worker, settings, metrics, q, k, None, fold, when)


@router.get("/examples", response_model=Examples)
async def examples(settings: AppSettings) -> Examples:
    """Example questions the chat page offers on an empty conversation."""
    return Examples(examples=settings.examples, max_question_chars=settings.max_question_chars)


async def _answer(
    service: Service,
    worker: Worker,
    settings: AppSettings,
    metrics: AppMetrics,
    question: str,
    k: int | None,
    filters: Filters | None,
    fold: bool,
    when: When,
) -> Answer:
    try:
        checked = make_question(
            question,
            k,
            settings,
            search_filters(filters),
            fold=fold,
            as_of=when.as_of,
            read_period=when.read_period,
            recency=when.recency,
            order=when.order,
        )
    except QuestionError as error:
        raise HTTPException(422, str(error)) from None
    answer = await worker.ask(service, checked)
    metrics.observe_answer(answer.answerable)
    return answer


def search_filters(filters: Filters | None) -> SearchFilters | None:
    if filters is None:
        return None
    return SearchFilters(
        doc_ids=tuple(filters.doc_ids),
        sources=tuple(filters.sources),
        published_from=filters.published_from.isoformat() if filters.published_from else "",
        published_to=filters.published_to.isoformat() if filters.published_to else "",
    )

"""Request and response bodies of the HTTP API: the contract the README documents.

The answer to a question is ``qa.answers.Answer`` itself."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Filters(BaseModel):
    """Restrict an answer to some documents; every given field must match."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] = Field(default_factory=list, max_length=1000)
    sources: list[str] = Field(default_factory=list, max_length=100)
    published_from: dt.date | None = Field(None, description="Inclusive, ISO date.")
    published_to: dt.date | None = Field(None, description="Inclusive, ISO date.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, description="The question, 1 to QA_MAX_QUESTION_CHARS characters."
    )
    k: int | None = Field(None, description="How many passages (1 to QA_MAX_K).")
    filters: Filters | None = None

    @field_validator("k", mode="before")
    @classmethod
    def k_is_a_whole_number(cls, value: Any) -> Any:
        # JSON true would otherwise pass as 1, and 2.5 would be rejected less clearly.
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("must be a whole number")
        return value


class DocumentIn(BaseModel):
    """An article to add. Fields other than these are kept as metadata."""

    model_config = ConfigDict(extra="allow")

    doc_id: str | None = Field(None, description="Stable id; derived from the content if absent.")
    title: str | None = None
    text: str | None = Field(None, min_length=1, description="The article's text (alias: body).")
    body: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = Field(None, description="ISO date (alias: published_at).")
    published_at: str | None = None
    metadata: dict[str, Any] | None = None


class PassageSpanOut(BaseModel):
    passage_id: str
    start: int
    end: int


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    metadata: dict[str, Any]
    text: str
    passages: list[PassageSpanOut]


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    passages: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total: int
    limit: int
    offset: int


class WriteResult(BaseModel):
    doc_id: str
    status: Literal["added", "replaced", "unchanged", "deleted"]
    passages: int


class ErrorOut(BaseModel):
    detail: str
    errors: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    documents: int
    passages: int
    model: str
    writes_waiting: int = Field(description="Documents posted and not yet stored.")
    writes_backed_up: bool = Field(description="True while new writes are refused (503).")


class Examples(BaseModel):
    examples: list[str]


# The error statuses every route may answer with, documented once for OpenAPI.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 403, 404, 413, 422, 503)
}

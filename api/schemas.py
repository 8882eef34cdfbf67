"""Request and response bodies of the HTTP API: the contract the README documents.

The answer to a question is ``qa.answers.Answer`` itself."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from qa.documents import MAX_DOC_ID_CHARS, MAX_FIELD_CHARS, MAX_TITLE_CHARS
from qa.timing import parse_as_of

# Text with a character that is not white space as Python counts it (str.isspace), the
# characters listed one by one: "\s" means other sets to JSON Schema and to pydantic's
# regex engine. A pattern is searched, so one such character anywhere will do.
SOME_TEXT = "[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# No control character (C0, DEL, C1), as qa.documents.is_valid_doc_id has it.
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _a_string(value: Any) -> Any:
    # pydantic would read a number as a Unix timestamp: the schema says an ISO date.
    if not isinstance(value, str):
        raise ValueError("must be an ISO date such as 2024-05-01")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_a_string)]
# A moment to answer as of, kept as given (qa.timing.parse_as_of reads it: a date means
# its whole day, which pydantic's datetime would make its midnight).
AS_OF_DESCRIPTION = (
    "Answer as of this moment, an ISO date (its whole day) or date-time; default now (UTC)."
)
AsOf = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ],
            "description": AS_OF_DESCRIPTION,
            "examples": ["2025-12-17", "2025-12-17T18:00:00Z"],
        }
    ),
]
IsoDateOrTime = Annotated[dt.datetime | dt.date, BeforeValidator(_a_string)]


class Filters(BaseModel):
    """Restrict an answer to some documents; every given field must match."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] = Field(default_factory=list, max_length=1000)
    sources: list[str] = Field(default_factory=list, max_length=100)
    published_from: IsoDate | None = Field(None, description="Inclusive, ISO date.")
    published_to: IsoDate | None = Field(None, description="Inclusive, ISO date.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        # At least one character that is not white space (the pattern is searched).
        min_length=1,
        pattern=SOME_TEXT,
        description="The question, 1 to QA_MAX_QUESTION_CHARS characters.",
    )
    k: int | None = Field(None, description="How many passages (1 to QA_MAX_K).")
    filters: Filters | None = None
    fold: bool = Field(
        True,
        description="Fold syndicated copies (near-identical passages of other articles) "
        "into one passage, listed in its also_in.",
    )
    as_of: AsOf | None = Field(
        None,
        max_length=64,
        description="Answer as of this moment (ISO date or date-time; default now, UTC): "
        "articles published after it are not answered, and the question's period is read "
        "against it.",
    )
    read_period: bool = Field(
        True,
        description='Read the period the question names ("this week") and rank its '
        "articles first; false asks without it.",
    )
    recency: bool = Field(
        True, description="Prefer recent articles when the question names no period."
    )
    order: Literal["relevance", "date"] = Field(
        "relevance", description="relevance: best first; date: the best passages, oldest first."
    )

    @field_validator("as_of")
    @classmethod
    def as_of_is_a_moment(cls, value: str | None) -> str | None:
        if value is not None:
            parse_as_of(value)  # AsOfError is a ValueError: a 422 naming the field
        return value

    @field_validator("k", mode="before")
    @classmethod
    def k_is_a_whole_number(cls, value: Any) -> Any:
        # JSON true would otherwise pass as 1, and 2.5 would be rejected less clearly; 3.0
        # is a whole number, as JSON Schema counts them.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("must be a whole number")
        return value


class DocumentIn(BaseModel):
    """An article to add: its text (or body) and what else is known of it. Fields other
    than these are kept as metadata."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("text", "body", "html", "fetch")
            ]
        },
    )

    doc_id: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_DOC_ID_CHARS,
        pattern=NO_CONTROL,
        description="Stable id; derived from the content if absent.",
    )
    title: str | None = Field(None, max_length=MAX_TITLE_CHARS)
    text: str | None = Field(
        None, min_length=1, pattern=SOME_TEXT, description="The article's text (alias: body)."
    )
    body: str | None = Field(None, min_length=1, pattern=SOME_TEXT)
    html: str | None = Field(
        None,
        min_length=1,
        description="A news page instead of text: its article's main text is kept, and its "
        "title, outlet, date and canonical link fill the fields not given.",
    )
    fetch: str | None = Field(
        None,
        max_length=MAX_FIELD_CHARS,
        pattern=r"^https?://",
        description="An article page's URL for the server to fetch instead of text; only "
        "from the hosts QA_FETCH_HOSTS names.",
    )
    source: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    url: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    published: IsoDateOrTime | None = Field(
        None, description="ISO date or date-time (alias: published_at)."
    )
    published_at: IsoDateOrTime | None = None
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


class Version(BaseModel):
    version: str = Field(description="passage-qa's version")
    model: str = Field(description="the encoder model an index records (QA_MODEL)")
    encoder_backend: str = Field(description="what runs the encoder (QA_ENCODER_BACKEND)")
    backend: str = Field(description="the index's storage: local or milvus (QA_BACKEND)")
    index_format: str = Field(description="the index format this version reads and writes")


class Readiness(BaseModel):
    status: Literal["ready"]
    documents: int
    passages: int
    model: str
    writes_waiting: int = Field(description="Documents posted and not yet stored.")
    writes_backed_up: bool = Field(description="True while new writes are refused (503).")


class Examples(BaseModel):
    examples: list[str]
    max_question_chars: int = Field(description="Longest question the server accepts.")


# The error statuses every route may answer with, documented once for OpenAPI.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 403, 404, 413, 422, 503)
}

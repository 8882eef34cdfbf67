"""A question as the service takes it, checked in one place for every caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np

from index import SearchFilters
from qa.documents import LONE_SURROGATE, has_lone_surrogate
from qa.settings import Mode, Settings
from qa.time_phrases import Period, question_period
from qa.timing import AsOfError, parse_as_of

# How the passages of an answer are ordered: best first, or oldest first (a timeline).
Order = Literal["relevance", "date"]


class QuestionError(ValueError):
    """A question or its k is not acceptable; the message names the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class Question:
    text: str
    k: int
    filters: SearchFilters | None = None
    # None: the service's retrieval mode.
    mode: Mode | None = None
    # Syndicated copies folded into one passage, with where else they ran.
    fold: bool = True
    # The moment it is asked as of (aware): nothing published after it answers.
    as_of: dt.datetime | None = None
    # The period its words name, read against as_of; None when it names none.
    period: Period | None = None
    # Whether recent articles are preferred when it names no period.
    recency: bool = True
    order: Order = "relevance"

    @property
    def moment(self) -> dt.datetime:
        return self.as_of or parse_as_of(None)


@dataclass(frozen=True)
class EncodedQuestion:
    """A question with its vector, and when its encoding started (``took_ms`` counts from
    there, the forward pass shared with other questions included)."""

    question: Question
    vector: np.ndarray
    started: float


def make_question(
    text: str,
    k: int | None,
    settings: Settings,
    filters: SearchFilters | None = None,
    mode: Mode | None = None,
    *,
    fold: bool = True,
    as_of: str | dt.date | None = None,
    read_period: bool = True,
    recency: bool = True,
    order: Order = "relevance",
) -> Question:
    """The question without surrounding white space, and k (default ``default_k``), asked
    as of a moment (default now) with the period its words name (unless ``read_period`` is
    off); QuestionError when one of them is out of bounds."""
    text = text.strip()
    if not text:
        raise QuestionError("question", "must not be empty")
    if has_lone_surrogate(text):
        raise QuestionError("question", LONE_SURROGATE)
    if len(text) > settings.max_question_chars:
        raise QuestionError("question", f"must be at most {settings.max_question_chars} characters")
    k = settings.default_k if k is None else k
    if not 1 <= k <= settings.max_k:
        raise QuestionError("k", f"must be between 1 and {settings.max_k}")
    try:
        moment = parse_as_of(as_of)
    except AsOfError as error:
        raise QuestionError("as_of", str(error).removeprefix("as_of ")) from None
    period = question_period(text, moment.date()) if read_period else None
    return Question(text, k, filters, mode, fold, moment, period, recency, order)

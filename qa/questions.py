"""A question as the service takes it, checked in one place for every caller."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import SearchFilters
from qa.documents import LONE_SURROGATE, has_lone_surrogate
from qa.settings import Mode, Settings


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
) -> Question:
    """The question without surrounding white space, and k (default ``default_k``);
    QuestionError when either is out of bounds."""
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
    return Question(text, k, filters, mode, fold)

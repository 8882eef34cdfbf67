"""A question is checked once, by the rules every caller shares."""

from __future__ import annotations

import pytest

from qa.questions import QuestionError, make_question
from qa.settings import Settings


def test_a_question_is_trimmed_and_k_defaults() -> None:
    question = make_question("  what does Russia demand on NATO?\n", None, Settings())
    assert question.text == "what does Russia demand on NATO?" and question.k == 5


@pytest.mark.parametrize(
    ("text", "k", "message"),
    [
        ("", None, "question: must not be empty"),
        (" \n\t", None, "question: must not be empty"),
        ("x" * 1001, None, "question: must be at most 1000 characters"),
        ("war \ud800", None, "question: must not hold a lone surrogate"),
        ("why?", 0, "k: must be between 1 and 50"),
        ("why?", 51, "k: must be between 1 and 50"),
    ],
)
def test_questions_out_of_bounds_are_refused(text: str, k: int | None, message: str) -> None:
    with pytest.raises(QuestionError, match=message.replace("?", r"\?")) as refused:
        make_question(text, k, Settings())
    assert refused.value.field == message.split(":")[0]

"""Question vectors kept by text: a question asked again skips the model, and gets the
vector the model gave it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.encoding.encoder import Encoder
from qa.encoding.question_vectors import QuestionVectors


class CountingEncoder:
    """The real encoder, counting the texts it is given."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.texts: list[str] = []

    def encode_questions(self, texts: Sequence[str], *, busy: bool = False) -> np.ndarray:
        self.texts += texts
        return self.encoder.encode_questions(texts, busy=busy)


def test_a_question_asked_again_skips_the_model(encoder: Encoder) -> None:
    counted = CountingEncoder(encoder)
    vectors = QuestionVectors(counted, size=2)  # type: ignore[arg-type]
    first = vectors.encode(["What is the Oreshnik?", "Who will Witkoff meet?"])
    again = vectors.encode(["Who will Witkoff meet?", "What is the Oreshnik?"])
    assert counted.texts == ["What is the Oreshnik?", "Who will Witkoff meet?"]
    np.testing.assert_array_equal(again[1], first[0])
    np.testing.assert_array_equal(first[0], encoder.encode_questions(["What is the Oreshnik?"])[0])
    # Each answer gets its own copy.
    again[0][:] = 0
    assert vectors.encode(["Who will Witkoff meet?"])[0].any()


def test_the_least_recently_asked_leaves_first_and_size_0_keeps_none(encoder: Encoder) -> None:
    counted = CountingEncoder(encoder)
    vectors = QuestionVectors(counted, size=2)  # type: ignore[arg-type]
    vectors.encode(["one?", "two?"])
    vectors.encode(["one?"])  # two? is now the least recent
    vectors.encode(["three?"])
    vectors.encode(["one?", "two?"])
    assert counted.texts == ["one?", "two?", "three?", "two?"]
    none_kept = CountingEncoder(encoder)
    uncached = QuestionVectors(none_kept, size=0)  # type: ignore[arg-type]
    uncached.encode(["one?", "one?"])
    uncached.encode(["one?"])
    assert none_kept.texts == ["one?", "one?"]

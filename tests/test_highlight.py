from __future__ import annotations

import numpy as np

from index import PassageRow
from qa.highlight import score_sentences
from qa.words import stem


def choose_highlights(
    question: str, query_vector: np.ndarray, passages: list[PassageRow]
) -> list[tuple[int, int]]:
    return [scores.best_span for scores in score_sentences(question, query_vector, passages)]


def passage(text: str, vectors: np.ndarray | None = None, spans: tuple = ()) -> PassageRow:
    return PassageRow(1, "d", 0, 0, len(text), text, spans, vectors)


def test_word_overlap_picks_the_sentence_with_the_rarer_question_words() -> None:
    text = "The council met on Monday. The council approved the ferry timetable. It rained."
    (span,) = choose_highlights(
        "what did the council decide about the ferry?", np.zeros(3), [passage(text)]
    )
    assert text[span[0] : span[1]] == "The council approved the ferry timetable."


def test_sentence_vectors_outvote_word_overlap() -> None:
    text = "The tidal barrier was approved. It will cost 84 million euros."
    spans = ((0, 31), (32, 62))
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float16)
    (span,) = choose_highlights(
        "how much will the tidal barrier cost?",
        np.array([0.2, 0.98]),
        [passage(text, vectors, spans)],
    )
    assert text[span[0] : span[1]] == "It will cost 84 million euros."


def test_no_overlap_and_no_vectors_marks_the_first_sentence() -> None:
    text = "First sentence here. Second one."
    (span,) = choose_highlights("zebra?", np.zeros(2), [passage(text)])
    assert span == (0, 20)


def test_stemming_meets_inflections_without_crushing_short_words() -> None:
    assert stem("demands") == stem("demand") == "demand"
    assert stem("cancelled") == stem("cancelling")
    assert stem("bus") == "bus" and stem("need") == "need"


def test_the_context_is_the_marked_sentence_with_one_sentence_either_side() -> None:
    text = "One. Two costs 84 euros. Three. Four."
    spans = ((0, 4), (5, 24), (25, 31), (32, 37))
    vectors = np.eye(4, dtype=np.float16)

    def context_for(best: int) -> str:
        query = np.eye(4)[best]
        (scores,) = score_sentences("zebra?", query, [passage(text, vectors, spans)])
        start, end = scores.context_span
        return text[start:end]

    assert context_for(1) == "One. Two costs 84 euros. Three."
    assert context_for(0) == "One. Two costs 84 euros."  # nothing before the first
    assert context_for(3) == "Three. Four."  # nothing after the last
    (alone,) = score_sentences("zebra?", np.zeros(2), [passage("Only one sentence.")])
    assert alone.context_span == alone.best_span == (0, 18)

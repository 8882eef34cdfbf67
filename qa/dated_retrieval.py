"""Retrieval with time: nothing published after the question's moment, the period its
words name first, and recent articles preferred when it names none.

A period is a filter, not a bonus: the passages of articles published in it are
retrieved on their own, so that an archive's older copies of a story cannot crowd them
out. When the period holds fewer than k, the best of the rest follow. An index without a
dated article has no time to rank by, and its questions are answered as they are: their
time words ("in 1995") stay words for BM25.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import PassageIndex
from qa.questions import Question
from qa.retrieval import Retrieved, Retriever, share_text, without_overlaps
from qa.time_phrases import Period, without_span
from qa.timing import Recency, published_after, up_to, within


@dataclass(frozen=True)
class RecencySettings:
    half_life_days: float
    weight: float


@dataclass(frozen=True)
class DatedRetrieval:
    retrieved: Retrieved
    # The question's words as BM25 and the abstention read them (its period left out).
    words: str
    # The period that ranked, or None (none named, or no dated article to rank).
    period: Period | None


def retrieve_dated(
    retriever: Retriever,
    index: PassageIndex,
    question: Question,
    vector: np.ndarray,
    k: int,
    recency: RecencySettings,
    extra: int = 0,
) -> DatedRetrieval:
    """The k passages for a question in time, then up to ``extra`` more (see
    ``Retriever.retrieve``)."""
    moment = question.moment
    if not index.any_published_after(""):
        plain = retriever.retrieve(
            question.text, vector, k, question.filters, question.mode, extra=extra
        )
        return DatedRetrieval(plain, question.text, None)
    filters = question.filters
    # As of now, nothing is usually dated later: the filter is then left out, at no cost.
    if index.any_published_after(moment.date().isoformat()):
        filters = up_to(filters, moment)
    period = question.period
    if period is None:
        decay = (
            Recency(moment.date(), recency.half_life_days, recency.weight)
            if question.recency and recency.weight > 0
            else None
        )
        found = retriever.retrieve(
            question.text, vector, k, filters, question.mode, recency=decay, extra=extra
        )
        return DatedRetrieval(_up_to_moment(found, question), question.text, None)
    words = without_span(question.text, period.span) or question.text
    inside = _up_to_moment(
        retriever.retrieve(
            question.text,
            vector,
            k,
            within(filters, period),
            question.mode,
            lexical_text=words,
            extra=extra,
        ),
        question,
    )
    if len(inside.results) >= k:
        return DatedRetrieval(inside, words, period)
    rest = _up_to_moment(
        retriever.retrieve(
            question.text, vector, k + len(inside.results), filters, question.mode,
            lexical_text=words, extra=extra,
        ),
        question,
    )  # fmt: skip
    return DatedRetrieval(_followed_by(inside, rest, k), words, period)


def _up_to_moment(retrieved: Retrieved, question: Question) -> Retrieved:
    """Without the articles stamped later on the question's own day than its moment (the
    index filters by day)."""
    moment = question.moment
    keep = [
        i
        for i, result in enumerate(retrieved.results)
        if not published_after(result.document.published, moment)
    ]
    if len(keep) == len(retrieved.results):
        return retrieved
    # Spare passages are uncited: their dates are checked when folding cites them.
    return Retrieved(
        [retrieved.results[i] for i in keep],
        [retrieved.sentences[i] for i in keep],
        retrieved.confidence,
        retrieved.spare,
    )


def _followed_by(first: Retrieved, then: Retrieved, k: int) -> Retrieved:
    """The first results, then those of ``then`` that share no text with them, k at most;
    ``then``'s spare passages after them, less those that share text with one kept."""
    results = first.results + then.results
    sentences = first.sentences + then.sentences
    kept = without_overlaps([result.passage for result in results], k)
    shown = [results[i].passage for i in kept]
    return Retrieved(
        [results[i] for i in kept],
        [sentences[i] for i in kept],
        max(first.confidence, then.confidence) if first.results else then.confidence,
        [spare for spare in then.spare if not any(share_text(spare.passage, p) for p in shown)],
    )

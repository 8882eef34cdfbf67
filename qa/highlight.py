"""Choosing the sentence of a passage that best answers a question.

Each sentence's vector, stored at ingest, is compared with the question's: "How much will
the barrier cost?" finds "The barrier will cost an estimated 84 million euros." where word
overlap alone prefers the sentence that names the tidal barrier. Word overlap is added with
a smaller weight, and stands alone for passages stored without sentence vectors. Hybrid
retrieval ranks its leading candidates by these same sentence scores, so the sentence that
earns a passage its rank is the one marked.

Word overlap: a sentence scores the inverse-document-frequency weight of the question's
content words it contains (``qa.words``: lightly stemmed, so "demands" meets "demand"),
with frequencies counted over the sentences of all passages returned for the question: a
word found in every passage says little about which sentence answers. Ties go to the
earlier sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from index import PassageRow
from qa.sentences import Span, sentence_spans_of
from qa.words import question_terms, terms_of_sentence

# Share of the word-overlap score (scaled by the best among the passages scored) added to
# a sentence's cosine: enough to mark and rank better on SQuAD-public, little enough that
# meaning still outvotes overlap ("how much will the barrier cost" -> "84 million euros").
LEXICAL_WEIGHT = 0.3


@dataclass(frozen=True)
class SentenceScores:
    """A passage's sentences (spans relative to its text) and how well each answers."""

    spans: list[Span]
    scores: np.ndarray
    # The cosine similarity of each sentence's stored vector; None without stored vectors.
    cosines: np.ndarray | None = None

    @property
    def best(self) -> float:
        return float(self.scores.max())

    @property
    def best_cosine(self) -> float | None:
        return None if self.cosines is None else float(self.cosines.max())

    @property
    def best_span(self) -> Span:
        # argmax takes the first of equal scores: ties go to the earlier sentence.
        return self.spans[int(np.argmax(self.scores))]

    @property
    def context_span(self) -> Span:
        """The best sentence with the sentence before and after it: enough to read the
        marked sentence in its place without the whole passage."""
        best = int(np.argmax(self.scores))
        return self.spans[max(best - 1, 0)][0], self.spans[min(best + 1, len(self.spans) - 1)][1]


def score_sentences(
    question: str, query_vector: np.ndarray, passages: Sequence[PassageRow]
) -> list[SentenceScores]:
    """Every sentence of every passage scored against the question: cosine similarity of its
    stored vector plus ``LEXICAL_WEIGHT`` times its word overlap, scaled so the best
    overlap among all these passages is 1. Without stored vectors, overlap alone counts."""
    sentence_spans = [sentence_spans_of(passage) for passage in passages]
    lexical = _lexical_scores(question, [p.text for p in passages], sentence_spans)
    top = max((max(overlap) for overlap in lexical), default=0.0)
    query = query_vector.astype(np.float32)
    scored = []
    for passage, spans, overlap in zip(passages, sentence_spans, lexical, strict=True):
        scores = LEXICAL_WEIGHT * np.asarray(overlap, dtype=np.float32) / (top or 1.0)
        vectors = passage.sentence_vectors
        cosines = None
        if vectors is not None and len(vectors) == len(spans):
            cosines = np.asarray(vectors, dtype=np.float32) @ query
            scores = scores + cosines
        scored.append(SentenceScores(spans, scores, cosines))
    return scored


def _lexical_scores(
    question: str, passages: Sequence[str], sentence_spans: Sequence[Sequence[Span]]
) -> list[list[float]]:
    sentence_terms = [
        [terms_of_sentence(text[start:end]) for start, end in spans]
        for text, spans in zip(passages, sentence_spans, strict=True)
    ]
    # Sentence frequencies, counted in one pass over every sentence's terms.
    document_frequency = Counter(chain.from_iterable(chain.from_iterable(sentence_terms)))
    total = sum(len(terms_of_passage) for terms_of_passage in sentence_terms)
    # Each question term's weight, times its count in the question, worked out once.
    weighted = [
        (term, count * math.log(1 + (total + 1) / (document_frequency[term] + 0.5)))
        for term, count in Counter(question_terms(question)).items()
    ]
    return [
        [sum(weight for term, weight in weighted if term in terms) for terms in terms_of_passage]
        for terms_of_passage in sentence_terms
    ]

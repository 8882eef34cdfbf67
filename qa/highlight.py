"""Choosing the sentence of a passage that best answers a question.

A sentence scores the inverse-document-frequency weight of the question's content words
it contains (lightly stemmed, so "demands" meets "demand"), with frequencies counted over
the sentences of all passages returned for the question: a word found in every passage
says little about which sentence answers. Ties go to the earlier sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from qa.sentences import Span, split_sentences

_WORD = re.compile(r"\w+", re.UNICODE)

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves says said say tell told according also
    """.split()
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match inflections, never to conflate words."""
    for suffix in ("ings", "ing", "edly", "ed", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


def content_terms(text: str) -> list[str]:
    return [stem(word) for word in _WORD.findall(text.casefold()) if word not in STOPWORDS]


def best_sentences(question: str, passages: Sequence[str]) -> list[Span]:
    """For each passage, the span (relative to the passage) of its best-answering sentence."""
    sentence_spans = [split_sentences(text) or [(0, len(text))] for text in passages]
    sentence_terms = [
        [set(content_terms(text[start:end])) for start, end in spans]
        for text, spans in zip(passages, sentence_spans, strict=True)
    ]
    document_frequency: Counter[str] = Counter()
    total = 0
    for terms_of_passage in sentence_terms:
        for terms in terms_of_passage:
            document_frequency.update(terms)
            total += 1
    query = Counter(content_terms(question))

    def weight(term: str) -> float:
        return math.log(1 + (total + 1) / (document_frequency[term] + 0.5))

    chosen = []
    for spans, terms_of_passage in zip(sentence_spans, sentence_terms, strict=True):
        scores = [
            sum(count * weight(term) for term, count in query.items() if term in terms)
            for terms in terms_of_passage
        ]
        best = max(range(len(spans)), key=lambda index: (scores[index], -index))
        chosen.append(spans[best])
    return chosen

"""Abstaining: whether the passages found answer the question, or only share its topic.

A question is answerable when the best sentence among the passages returned is similar
enough to it (``answerable_threshold``, cosine). Off-topic questions fall below that. A
question about the same story that the articles do not answer ("what did Lavrov say about
the plan?") often does not: its sentence cosine sits among the answerable ones. Two signs
that such a match is only topical, each of which asks for more similarity before answering:

- the question names something (a capitalised word) that no passage in the index holds;
- no passage returned holds ``LOW_COVERAGE`` of the question's content words.

On seed-article questions and on SQuAD-public with a quarter of its paragraphs left out of
the index (their questions being the near-topic ones), each sign abstains on more of the
near-topic questions at little cost to answerable ones; the figures are in the commit that
introduced this module and in ``make eval``.
"""

from __future__ import annotations

import re

from index import LocalIndex
from qa.highlight import STOPWORDS, content_terms
from qa.retrieval import Retrieved

# Similarity asked beyond the threshold when the question names what no passage holds:
# a spelling variant (Kyiv for Kiev) still answers when its sentence matches this well.
UNKNOWN_NAME_MARGIN = 0.25
# Below this share of the question's content words in the best passage, the match is
# more likely topical, and ``LOW_COVERAGE_MARGIN`` more similarity is asked.
LOW_COVERAGE = 0.2
LOW_COVERAGE_MARGIN = 0.2

_WORD = re.compile(r"\w+", re.UNICODE)


def is_answerable(question: str, retrieved: Retrieved, index: LocalIndex, threshold: float) -> bool:
    if not retrieved.results:
        return False
    margin = retrieved.confidence - threshold
    if margin < 0:
        return False
    if max(coverage(question, r.passage.text) for r in retrieved.results) < LOW_COVERAGE:
        margin -= LOW_COVERAGE_MARGIN
    if margin >= UNKNOWN_NAME_MARGIN:
        return True
    # Counting the names' passages is a read of the index: only when it can decide.
    return margin >= 0 and not unknown_names(question, index)


def coverage(question: str, passage_text: str) -> float:
    """The share of the question's content words (lightly stemmed) the passage holds."""
    wanted = set(content_terms(question))
    if not wanted:
        return 1.0
    return len(wanted & set(content_terms(passage_text))) / len(wanted)


def unknown_names(question: str, index: LocalIndex) -> list[str]:
    """Capitalised words of the question, past its first word, that no passage holds."""
    names = [
        word
        for word in dict.fromkeys(_WORD.findall(question)[1:])
        if word[0].isupper() and word.casefold() not in STOPWORDS
    ]
    if not names:
        return []
    return [
        name for name, count in zip(names, index.passages_holding(names), strict=True) if not count
    ]

"""Abstaining: whether the passages found answer the question, or only share its topic.

A question is answerable when the best sentence among the leading passages is similar
enough to it (``answerable_threshold``, cosine; ``Retrieved.confidence``). Off-topic
questions fall below that. A question about the same story that the articles do not
answer ("what did Lavrov say about the plan?") often does not: its sentence cosine sits
among the answerable ones. Two signs that such a match is only topical each ask for more
similarity before answering:

- the question names something (a capitalised word) that no passage in the index holds,
  nor any passage returned in another spelling;
- no passage returned holds ``LOW_COVERAGE`` of the question's content words.

Each was kept because it abstains on more near-topic questions at little cost to
answerable ones, both on the seed articles' question set and on SQuAD-public with a
quarter of its paragraphs left out of the index (their questions being the near-topic
ones); ``make eval`` reports abstention for each kind of unanswerable question.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

from index import PassageIndex
from qa.retrieval import Retrieved
from qa.words import STOPWORDS, question_terms, terms_of_passage, words_in

# Similarity asked beyond the threshold when the question names what no passage holds in
# any spelling: only a sentence that matches nearly word for word still answers.
UNKNOWN_NAME_MARGIN = 0.4
# Below this share of the question's content words in every passage returned, the match is
# more likely topical, and ``LOW_COVERAGE_MARGIN`` more similarity is asked.
LOW_COVERAGE = 0.25
LOW_COVERAGE_MARGIN = 0.2

# Two spellings of one name at least this alike (difflib's ratio) count as the same name:
# Kyiv and Kiev 0.75, Zelenskiy and Zelensky 0.94; Lavrov and Belousov 0.43.
SPELLING_SIMILARITY = 0.75

# A name found as the start of a longer word, or the reverse, from this many letters on.
MIN_STEM_CHARS = 4


def is_answerable(
    question: str, retrieved: Retrieved, index: PassageIndex, threshold: float
) -> bool:
    if not retrieved.results:
        return False
    margin = retrieved.confidence - threshold
    if margin < 0:
        return False
    wanted = set(question_terms(question))
    best_coverage = max(_share(wanted, terms_of_passage(r.passage)) for r in retrieved.results)
    if best_coverage < LOW_COVERAGE:
        margin -= LOW_COVERAGE_MARGIN
    if margin >= UNKNOWN_NAME_MARGIN:
        return True
    # Counting the names' passages is a read of the index: only when it can decide.
    return margin >= 0 and not unknown_names(
        question, index, [result.passage.text for result in retrieved.results]
    )


def coverage(question: str, passage_terms: frozenset[str]) -> float:
    """The share of the question's content terms (lightly stemmed) among a passage's."""
    return _share(set(question_terms(question)), passage_terms)


def _share(wanted: set[str], held: frozenset[str]) -> float:
    return len(wanted & held) / len(wanted) if wanted else 1.0


def unknown_names(question: str, index: PassageIndex, passages: Sequence[str] = ()) -> list[str]:
    """Capitalised words of the question, past its first word, that no passage holds,
    spelled otherwise or not (Kyiv for Kiev) in the passages given."""
    names = [
        word
        for word in dict.fromkeys(words_in(question)[1:])
        if word[0].isupper() and word.casefold() not in STOPWORDS
    ]
    if not names:
        return []
    counts = index.passages_holding(names)
    missing = [name for name, count in zip(names, counts, strict=True) if not count]
    if not missing:
        return []
    words = {_folded(word) for text in passages for word in words_in(text)}
    return [name for name in missing if not _spelled_like_any(_folded(name), words)]


def _folded(word: str) -> str:
    """Case and diacritics folded: Céloron and Celeron compare letter by letter."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _spelled_like_any(name: str, words: set[str]) -> bool:
    """Whether a word that starts like the name is spelled nearly like it (a variant
    transliteration or a typo) or extends it (West and Western, Russia and Russian)."""
    for word in words:
        if word[:1] != name[:1]:
            continue
        shorter, longer = sorted((name, word), key=len)
        if len(shorter) >= MIN_STEM_CHARS and longer.startswith(shorter):
            return True
        matcher = SequenceMatcher(None, name, word)
        if matcher.quick_ratio() >= SPELLING_SIMILARITY and matcher.ratio() >= SPELLING_SIMILARITY:
            return True
    return False

"""Words, as the highlight, retrieval and abstention all read them: one definition of a
word, the stop words, a light stemmer, and a text's or a question's content terms.

These terms are for scoring sentences and judging coverage; the lexical index's own terms
are FTS5's (``index.local.fts_terms``), and near-copy shingles split words themselves in
``index.near_copies``, which sits below ``qa``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index import PassageRow
from qa.sentences import sentence_spans_of

# A word: a run of letters, digits or underscores, in any script.
WORD = re.compile(r"\w+")


def words_in(text: str) -> list[str]:
    """The text's words as written (case kept)."""
    return WORD.findall(text)


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


# Words and sentences recur from question to question (the same passages come back), and
# stemming them in Python was a third of a hybrid question's time: remember them.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match inflections, never to conflate words."""
    for suffix in ("ings", "ing", "edly", "ed", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


@lru_cache(maxsize=1 << 15)
def terms_of_sentence(sentence: str) -> frozenset[str]:
    return frozenset(content_terms(sentence))


def terms_of_passage(passage: PassageRow) -> frozenset[str]:
    """The content terms of a passage, from its sentences' (remembered) terms."""
    text = passage.text
    return frozenset().union(*(terms_of_sentence(text[a:b]) for a, b in sentence_spans_of(passage)))


def content_terms(text: str) -> list[str]:
    return [stem(word) for word in WORD.findall(text.casefold()) if word not in STOPWORDS]


# After "how", these ask for an amount or a time ("how long has the war lasted?"): the
# answer says "four years", not "long", which would match "long-range" instead.
_HOW_DEGREE = frozenset("long much many often far soon old".split())


def question_words(question: str) -> list[str]:
    """The question's words, lower-cased, without the degree word of "how long", "how
    much" and the like."""
    words = WORD.findall(question.casefold())
    return [
        word
        for position, word in enumerate(words)
        if not (word in _HOW_DEGREE and position > 0 and words[position - 1] == "how")
    ]


def question_terms(question: str) -> list[str]:
    """The question's content terms, stemmed as ``content_terms`` stems a text's."""
    return [stem(word) for word in question_words(question) if word not in STOPWORDS]


def lexical_terms(question: str) -> list[str]:
    """The question's words for BM25: content words, or every word if all are stop words."""
    words = list(dict.fromkeys(question_words(question)))
    content = [word for word in words if word not in STOPWORDS]
    return content or words

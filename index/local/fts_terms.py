"""Texts split into the terms of the lexical index, by FTS5's own tokenizer.

The store keeps how many passages hold each term, so that BM25 can leave out the common
ones with one indexed read instead of counting each word's matches. Those counts must be
of the very terms FTS5 indexes (case-folded, diacritics removed, Porter-stemmed), so the
texts are split by an in-memory FTS5 table with the same tokenizer, read back through
``fts5vocab``, rather than by a copy of the tokenizer in Python.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence

# The lexical index's tokenizer: the store's FTS5 table and this splitter share it.
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Words whose terms are remembered; the memory starts again when full.
WORD_CACHE = 100_000


class TermSplitter:
    """Splits texts into lexical-index terms. Safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._terms_of_word: dict[str, tuple[str, ...]] = {}
        self._conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        # The same columns as the store's lexical index: a term in a passage's title or
        # text counts once for the passage.
        self._conn.execute(
            f"CREATE VIRTUAL TABLE scratch USING fts5(title, text, tokenize = '{TOKENIZER}')"
        )
        self._conn.execute("CREATE VIRTUAL TABLE scratch_rows USING fts5vocab(scratch, row)")
        self._conn.execute(
            "CREATE VIRTUAL TABLE scratch_instances USING fts5vocab(scratch, instance)"
        )

    def passages_holding(self, passages: Sequence[tuple[str, str]]) -> Counter[str]:
        """For (title, text) pairs: each term and how many of the pairs hold it."""
        if not passages:
            return Counter()
        with self._lock:
            rows = self._read_back("SELECT term, doc FROM scratch_rows", list(passages))
        return Counter({str(term): int(count) for term, count in rows})

    def terms_of(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """Each word's terms: usually one; none for a word the tokenizer drops, and more
        than one where it splits what the question's word pattern keeps whole (``a_b``)."""
        with self._lock:
            new = [word for word in dict.fromkeys(words) if word not in self._terms_of_word]
            if new:
                if len(self._terms_of_word) + len(new) > WORD_CACHE:
                    self._terms_of_word.clear()
                found: list[list[tuple[int, str]]] = [[] for _ in new]
                rows = self._read_back(
                    "SELECT doc, offset, term FROM scratch_instances", [("", w) for w in new]
                )
                for row_number, offset, term in rows:
                    found[int(row_number) - 1].append((int(offset), str(term)))
                for word, terms in zip(new, found, strict=True):
                    self._terms_of_word[word] = tuple(term for _, term in sorted(terms))
            return [self._terms_of_word[word] for word in words]

    def _read_back(self, query: str, passages: list[tuple[str, str]]) -> list[tuple]:
        """Index the passages (rows 1, 2, ...), run the query over them, then forget them."""
        self._conn.execute("BEGIN")
        try:
            self._conn.executemany(
                "INSERT INTO scratch(rowid, title, text) VALUES (?, ?, ?)",
                [(number, title, text) for number, (title, text) in enumerate(passages, 1)],
            )
            return self._conn.execute(query).fetchall()
        finally:
            self._conn.execute("ROLLBACK")  # nothing is kept between calls

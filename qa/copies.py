"""Syndicated copies: the same wire story republished by several outlets, folded into one
card. Two passages are copies when most word 5-grams of the shorter one are in the other
(containment, which holds when an outlet adds a byline or a footer, cuts or adds a
sentence, or the passage boundaries fall a sentence apart).

Folding is worked out over the passages of an answer when it is asked, from their own text,
so it needs nothing stored and is right after any replace or delete.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

SHINGLE_WORDS = 5
# Containment from which two passages are one story: between what syndicated copies score
# and what distinct articles do (`python -m eval.copies` measures both, eval/copies.json).
FOLD_THRESHOLD = 0.5

_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    """The passage's word 5-grams (case and punctuation ignored), as 32-bit hashes."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return frozenset({zlib.crc32(" ".join(words).encode())}) if words else frozenset()
    return frozenset(
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def containment(first: frozenset[int], second: frozenset[int]) -> float:
    """The share of the smaller set found in the other."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def copy_groups(texts: Sequence[str], threshold: float = FOLD_THRESHOLD) -> list[list[int]]:
    """Positions grouped by copy, each group in the given (best first) order, groups
    ordered by their best member. A passage joins the first group it copies a member of."""
    sets = [shingles(text) for text in texts]
    groups: list[list[int]] = []
    for position, shingled in enumerate(sets):
        for group in groups:
            if any(containment(shingled, sets[member]) >= threshold for member in group):
                group.append(position)
                break
        else:
            groups.append([position])
    return groups

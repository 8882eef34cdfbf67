"""Syndicated copies: the same wire story republished by several outlets, folded into one
card that says where else it ran.

Two levels:
- Passages of an answer are copies when most word 5-grams of the shorter one are in the
  other (containment, which holds when an outlet adds a byline or a footer, cuts or adds a
  sentence, or the passage boundaries fall a sentence apart). This folds the passages an
  answer retrieved, whether their articles are whole copies or share a wire paragraph.
- Articles are near-copies when their texts' estimated Jaccard similarity (MinHash
  signatures kept at ingest, ``index.near_copies``) is ``COPY_SIMILARITY`` or more. A
  card's article's near-copies that the answer did not retrieve are then added to where
  else it ran, each citing its own copy of the passage.

Both are read from what is stored when a question is asked, so they are right after any
replace or delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from index import PassageIndex, PassageRow, SearchResult, near_copies

# Containment from which two passages are one story: between what syndicated copies score
# and what distinct articles do (`python -m eval.folding` measures both, docs/results/copies.json).
FOLD_THRESHOLD = 0.5
# Estimated Jaccard similarity from which two articles are copies of one story: syndicated
# copies score 0.9 and more, distinct articles under 0.01, and a copy cut by its last
# quarter of paragraphs for length (as wire stories often are) 0.8 (docs/results/copies.json).
COPY_SIMILARITY = 0.7
# Near-copy articles read at most for one answer, to bound its cost for a story that ran
# in hundreds of outlets.
MAX_COPIES_READ = 50
# Passage texts whose shingles are kept: a passage asked about often is shingled once
# (shingling took a fifth of an answer's time); about 10 KB each.
SHINGLED_TEXTS = 1024


@lru_cache(maxsize=SHINGLED_TEXTS)
def shingles(text: str) -> frozenset[int]:
    return near_copies.process_shingles(text)


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


def also_ran_in(
    index: PassageIndex, shown: Sequence[SearchResult], folded: Sequence[set[str]]
) -> list[list[SearchResult]]:
    """For each shown passage, its copies in its article's near-copies other than the
    articles in ``folded`` (the card's own and those already folded into it): each the
    copy's passage holding most of it, if that is a copy of it."""
    copies = index.near_copies([result.document.doc_id for result in shown], COPY_SIMILARITY)
    wanted = [
        [doc_id for doc_id, _ in copies.get(result.document.doc_id, []) if doc_id not in known]
        for result, known in zip(shown, folded, strict=True)
    ]
    to_read = list(dict.fromkeys(doc_id for doc_ids in wanted for doc_id in doc_ids))
    passages = {doc_id: index.passages_of(doc_id) for doc_id in to_read[:MAX_COPIES_READ]}
    if not passages:
        return [[] for _ in shown]
    shingled = {p.key: shingles(p.text) for rows in passages.values() for p in rows}
    found: list[list[tuple[PassageRow, float]]] = []
    for result, doc_ids in zip(shown, wanted, strict=True):
        card = shingles(result.passage.text) if doc_ids else frozenset()
        matches = []
        for doc_id in doc_ids:
            best = max(
                ((containment(card, shingled[p.key]), p) for p in passages.get(doc_id, [])),
                key=lambda pair: pair[0],
                default=None,
            )
            if best is not None and best[0] >= FOLD_THRESHOLD:
                matches.append((best[1], result.score))
        found.append(matches)
    cited = {
        (cited.passage.doc_id, cited.passage.ordinal): cited
        for cited in index.cite([match for matches in found for match in matches])
    }
    return [
        [cited[key] for p, _ in matches if (key := (p.doc_id, p.ordinal)) in cited]
        for matches in found
    ]

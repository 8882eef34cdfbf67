"""How far apart syndicated copies and distinct articles are, for the two thresholds of
``qa.copies``: passage containment (folding passages) and article similarity (near-copy
articles, from the MinHash signatures stored at ingest).

    python -m eval.folding [--squad FILE] [--json F]

Ingests the seed articles with five syndicated copies each (``eval.syndication``), a copy
of each seed cut by its last quarter of paragraphs (as outlets trim wire stories), and
SQuAD-public's articles into a scratch index, then reports:
- passages: the containment of each copy passage with its best-matching passage of the
  original, at its lowest (every copy must fold), and the highest between passages of two
  different articles (none may fold);
- articles: the similarity the index estimates between each copy and its original and the
  exact Jaccard similarity, at their lowest; how many copies ``near_copies`` groups with
  their original; and the highest between two distinct articles, with how many such pairs
  it groups (none may be).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path
from typing import Any

from eval.report import measurement_json
from eval.sets import SQUAD_PUBLIC, load_set
from eval.syndication import syndicated_copies, trimmed_copy
from index import Document
from index.near_copies import shingles
from qa.copies import COPY_SIMILARITY, FOLD_THRESHOLD, containment
from qa.intake.loaders import load_paths
from qa.service import QAService
from qa.settings import Settings


def _shingled(service: QAService, doc_id: str) -> list[frozenset[int]]:
    return [shingles(passage.text) for passage in service.index.passages_of(doc_id)]


def _highest_between(groups: list[list[frozenset[int]]]) -> float:
    return max(
        (
            containment(a, b)
            for first, second in itertools.combinations(groups, 2)
            for a in first
            for b in second
        ),
        default=0.0,
    )


def _jaccard(first: Document, second: Document) -> float:
    a, b = shingles(first.text), shingles(second.text)
    return len(a & b) / len(a | b) if a | b else 0.0


def _passages(
    service: QAService,
    seeds: list[Document],
    copies: dict[str, list[Document]],
    corpus: list[Document],
) -> dict[str, Any]:
    lowest_copy = 1.0
    for seed in seeds:
        original = _shingled(service, seed.doc_id)
        for copy in copies[seed.doc_id]:
            for passage in _shingled(service, copy.doc_id):
                best = max(containment(passage, other) for other in original)
                lowest_copy = min(lowest_copy, best)
    squad_highest = _highest_between([_shingled(service, d.doc_id) for d in corpus])
    seeds_highest = _highest_between([_shingled(service, d.doc_id) for d in seeds])
    return {
        "threshold": FOLD_THRESHOLD,
        "copy_lowest_best_match": round(lowest_copy, 3),
        "squad_distinct_highest": round(squad_highest, 3),
        "seeds_distinct_highest": round(seeds_highest, 3),
        "margin_above": round(lowest_copy - FOLD_THRESHOLD, 3),
        "margin_below": round(FOLD_THRESHOLD - max(squad_highest, seeds_highest), 3),
    }


def _articles(
    service: QAService,
    seeds: list[Document],
    copies: dict[str, list[Document]],
    trimmed: dict[str, Document],
    distinct: list[Document],
) -> dict[str, Any]:
    ids = [document.doc_id for document in distinct]
    ids += [copy.doc_id for group in copies.values() for copy in group]
    ids += [copy.doc_id for copy in trimmed.values()]
    # Threshold 0: every pair the index compares (all of these, as all are asked about).
    estimated = service.index.near_copies(ids, 0.0)
    by_id = {document.doc_id: document for document in distinct}

    def similarity(doc_id: str, original: str) -> float:
        return dict(estimated.get(doc_id, [])).get(original, 0.0)

    copy_estimates, copy_exact, grouped = [], [], 0
    for seed in seeds:
        for copy in copies[seed.doc_id]:
            copy_estimates.append(similarity(copy.doc_id, seed.doc_id))
            copy_exact.append(_jaccard(copy, seed))
            grouped += copy_estimates[-1] >= COPY_SIMILARITY
    trimmed_estimates = [similarity(copy.doc_id, seed) for seed, copy in trimmed.items()]
    distinct_pairs = [
        (score, _jaccard(by_id[doc_id], by_id[other]))
        for doc_id in by_id
        for other, score in estimated.get(doc_id, [])
        if other in by_id and doc_id < other
    ]
    distinct_highest = max((score for score, _ in distinct_pairs), default=0.0)
    return {
        "threshold": COPY_SIMILARITY,
        "copies_grouped": f"{grouped} of {len(copy_estimates)}",
        "copy_lowest_estimate": round(min(copy_estimates), 3),
        "copy_lowest_exact": round(min(copy_exact), 3),
        "trimmed_copy_estimates": [round(score, 3) for score in trimmed_estimates],
        "trimmed_copy_exact": [
            round(_jaccard(copy, by_id[seed]), 3) for seed, copy in trimmed.items()
        ],
        "distinct_pairs_compared": len(distinct_pairs),
        "distinct_pairs_grouped": sum(score >= COPY_SIMILARITY for score, _ in distinct_pairs),
        "distinct_highest_estimate": round(distinct_highest, 3),
        "distinct_highest_exact": round(max((j for _, j in distinct_pairs), default=0.0), 3),
        "margin_above": round(min(copy_estimates) - COPY_SIMILARITY, 3),
        "margin_below": round(COPY_SIMILARITY - distinct_highest, 3),
    }


def measure(seeds_dir: Path, squad: Path) -> dict[str, Any]:
    seeds = load_paths([seeds_dir]).documents
    corpus = load_set(squad).documents
    copies = {seed.doc_id: syndicated_copies(seed) for seed in seeds}
    trimmed = {seed.doc_id: trimmed_copy(seed, 0.75) for seed in seeds}
    with tempfile.TemporaryDirectory(prefix="qa-copies-") as scratch:
        service = QAService.open(Settings(index_dir=Path(scratch) / "index"))
        try:
            every_copy = [*itertools.chain.from_iterable(copies.values()), *trimmed.values()]
            service.add_documents([*seeds, *every_copy, *corpus], show_progress=True)
            passages = _passages(service, seeds, copies, corpus)
            articles = _articles(service, seeds, copies, trimmed, [*seeds, *corpus])
        finally:
            service.close()
    return {
        "copies": sum(len(group) for group in copies.values()),
        "squad_articles": len(corpus),
        "passages": passages,
        "articles": articles,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.folding", description=__doc__)
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--squad", type=Path, default=SQUAD_PUBLIC)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.seeds, args.squad)
    print(measurement_json(result, args.json), end="")


if __name__ == "__main__":
    main()

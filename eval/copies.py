"""How far apart syndicated copies and distinct articles are, for ``qa.copies``'s threshold.

    python -m eval.copies [--squad FILE] [--json F]

Ingests the seed articles with five syndicated copies each (``eval.syndication``) and
SQuAD-public's 24 articles into a scratch index, then reports:
- for copies: the containment of each copy passage with its best-matching passage of the
  original, at its lowest (every copy must fold: this must be above the threshold);
- for distinct articles: the highest containment between passages of two different
  SQuAD-public articles, and of the two seed articles (none may fold: below the threshold).
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from eval.sets import SQUAD_PUBLIC, load_set
from eval.syndication import syndicated_copies
from qa.copies import FOLD_THRESHOLD, containment, shingles
from qa.loaders import load_paths
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


def measure(seeds_dir: Path, squad: Path) -> dict[str, Any]:
    seeds = load_paths([seeds_dir]).documents
    corpus = load_set(squad).documents
    with tempfile.TemporaryDirectory(prefix="qa-copies-") as scratch:
        service = QAService.open(Settings(index_dir=Path(scratch) / "index"))
        try:
            copies = {seed.doc_id: syndicated_copies(seed) for seed in seeds}
            service.add_documents(
                [*seeds, *itertools.chain.from_iterable(copies.values()), *corpus],
                show_progress=True,
            )
            lowest_copy = 1.0
            for seed in seeds:
                original = _shingled(service, seed.doc_id)
                for copy in copies[seed.doc_id]:
                    for passage in _shingled(service, copy.doc_id):
                        best = max(containment(passage, other) for other in original)
                        lowest_copy = min(lowest_copy, best)
            squad_highest = _highest_between([_shingled(service, d.doc_id) for d in corpus])
            seeds_highest = _highest_between([_shingled(service, d.doc_id) for d in seeds])
        finally:
            service.close()
    return {
        "threshold": FOLD_THRESHOLD,
        "copies": sum(len(c) for c in copies.values()),
        "copy_lowest_best_match": round(lowest_copy, 3),
        "squad_articles": len(corpus),
        "squad_distinct_highest": round(squad_highest, 3),
        "seeds_distinct_highest": round(seeds_highest, 3),
        "margin_above": round(lowest_copy - FOLD_THRESHOLD, 3),
        "margin_below": round(FOLD_THRESHOLD - max(squad_highest, seeds_highest), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.copies", description=__doc__)
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--squad", type=Path, default=SQUAD_PUBLIC)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.seeds, args.squad)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

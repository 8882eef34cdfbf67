"""Retrieval-quality metrics over judged questions.

A question's outcome lists, for its top-k ranking, which positions are relevant: a passage
that contains an evidence string (each evidence string counts once, at the first passage
that holds it), or for BEIR a document with its graded relevance.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

RECALL_DEPTHS = (1, 3, 5, 10)


@dataclass
class Outcome:
    question_id: str
    answerable: bool
    abstained: bool
    # For an unanswerable question, what kind it is ("off-topic", "near-topic"), if said.
    category: str = ""
    # Gain of each ranked position (0 when not relevant), best first, to the eval depth.
    gains: list[float] = field(default_factory=list)
    # The ideal gains, best first (from the judgements), to compute nDCG.
    ideal_gains: list[float] = field(default_factory=list)
    evidence_total: int = 0
    evidence_found: int = 0
    # Whether the first answering passage's highlighted sentence holds the evidence.
    highlight_holds_evidence: bool | None = None
    took_ms: float = 0.0

    @property
    def first_relevant_rank(self) -> int | None:
        return next((rank for rank, gain in enumerate(self.gains, start=1) if gain > 0), None)


@dataclass
class Metrics:
    questions: int
    answerable: int
    recall: dict[int, float]
    mrr_at_10: float
    ndcg_at_10: float
    evidence_share: float | None
    highlight_accuracy: float | None
    abstain_precision: float | None
    abstain_recall: float | None
    # Abstain precision and recall for each kind of unanswerable question, each judged
    # with the answerable questions: {category: (precision, recall)}.
    abstain_by_category: dict[str, tuple[float, float]]
    answerable_abstained: int
    latency_p50_ms: float
    latency_p95_ms: float


def dcg(gains: Sequence[float]) -> float:
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def summarise(outcomes: Sequence[Outcome], depth: int = 10) -> Metrics:
    judged = [o for o in outcomes if o.answerable]
    first_ranks = [o.first_relevant_rank for o in judged]

    def share(count: int, total: int) -> float:
        return count / total if total else 0.0

    recall = {
        k: share(sum(1 for r in first_ranks if r is not None and r <= k), len(judged))
        for k in RECALL_DEPTHS
        if k <= depth
    }
    mrr = 0.0
    if judged:
        mrr = sum(1 / r for r in first_ranks if r is not None and r <= 10) / len(judged)
    ndcg_values = [
        dcg(o.gains[:10]) / dcg(o.ideal_gains[:10]) for o in judged if dcg(o.ideal_gains[:10]) > 0
    ]
    multi = [o for o in judged if o.evidence_total > 1]
    highlighted = [o for o in judged if o.highlight_holds_evidence is not None]
    unanswerable = [o for o in outcomes if not o.answerable]
    abstained = [o for o in outcomes if o.abstained]
    latencies = sorted(o.took_ms for o in outcomes) or [0.0]
    return Metrics(
        questions=len(outcomes),
        answerable=len(judged),
        recall=recall,
        mrr_at_10=mrr,
        ndcg_at_10=statistics.fmean(ndcg_values) if ndcg_values else 0.0,
        evidence_share=(
            statistics.fmean(o.evidence_found / o.evidence_total for o in multi) if multi else None
        ),
        highlight_accuracy=(
            share(sum(1 for o in highlighted if o.highlight_holds_evidence), len(highlighted))
            if highlighted
            else None
        ),
        abstain_precision=(
            share(sum(1 for o in abstained if not o.answerable), len(abstained))
            if unanswerable and abstained
            else (None if not unanswerable else 0.0)
        ),
        abstain_recall=(
            share(sum(1 for o in unanswerable if o.abstained), len(unanswerable))
            if unanswerable
            else None
        ),
        abstain_by_category={
            category: _abstention([*judged, *(o for o in unanswerable if o.category == category)])
            for category in sorted({o.category for o in unanswerable if o.category})
        },
        answerable_abstained=sum(1 for o in judged if o.abstained),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )


def _abstention(outcomes: Sequence[Outcome]) -> tuple[float, float]:
    """Precision and recall of abstaining on these questions."""
    abstained = [o for o in outcomes if o.abstained]
    unanswerable = [o for o in outcomes if not o.answerable]
    precision = sum(1 for o in abstained if not o.answerable) / len(abstained) if abstained else 0.0
    recall = (
        sum(1 for o in unanswerable if o.abstained) / len(unanswerable) if unanswerable else 0.0
    )
    return precision, recall


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])

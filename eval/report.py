"""Evaluation results as a table (terminal and markdown) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.runner import ModeResult

_COLUMNS: list[tuple[str, str]] = [
    ("R@1", "recall@1"),
    ("R@3", "recall@3"),
    ("R@5", "recall@5"),
    ("R@10", "recall@10"),
    ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"),
    ("evidence", "evidence_share"),
    ("highlight", "highlight_accuracy"),
    ("abstain P", "abstain_precision"),
    ("abstain R", "abstain_recall"),
    ("answerable abstained", "answerable_abstained"),
    ("p50 ms", "latency_p50_ms"),
    ("p95 ms", "latency_p95_ms"),
]


def figures(result: ModeResult) -> dict[str, Any]:
    metrics = asdict(result.metrics)
    for depth, value in metrics.pop("recall").items():
        metrics[f"recall@{depth}"] = value
    for category, (precision, recall) in metrics.pop("abstain_by_category").items():
        metrics[f"abstain_precision:{category}"] = precision
        metrics[f"abstain_recall:{category}"] = recall
    return metrics


def _columns(results: Sequence[ModeResult]) -> list[tuple[str, str]]:
    """The table's columns, with abstention for each kind of unanswerable question."""
    categories = sorted({c for result in results for c in result.metrics.abstain_by_category})
    columns = []
    for label, key in _COLUMNS:
        columns.append((label, key))
        if key == "abstain_recall":
            for category in categories:
                columns.append((f"abstain P {category}", f"abstain_precision:{category}"))
                columns.append((f"abstain R {category}", f"abstain_recall:{category}"))
    return columns


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def table(name: str, results: Sequence[ModeResult], *, markdown: bool = False) -> str:
    columns = [
        (label, key)
        for label, key in _columns(results)
        if any(figures(result).get(key) is not None for result in results)
    ]
    header = ["mode", *(label for label, _ in columns)]
    rows = [
        [result.mode, *(_cell(figures(result).get(key)) for _, key in columns)]
        for result in results
    ]
    first = results[0].metrics if results else None
    caption = (
        f"{name}: {first.questions} questions ({first.answerable} answerable)" if first else name
    )
    if markdown:
        lines = [f"**{caption}**", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join(" --- " for _ in header) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    render = [caption, "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    render += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(render)


def measurement_json(result: dict[str, Any], path: Path | None = None) -> str:
    """A benchmark's result as the JSON the repository keeps (indented, a final newline),
    written to ``path`` when one is given."""
    text = json.dumps(result, indent=2) + "\n"
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text


def write_json(path: Path, name: str, results: Sequence[ModeResult]) -> None:
    payload = {
        "set": name,
        "modes": {
            result.mode: {
                "metrics": figures(result),
                "questions": [
                    {
                        "id": outcome.question_id,
                        "answerable": outcome.answerable,
                        "abstained": outcome.abstained,
                        "first_relevant_rank": outcome.first_relevant_rank,
                        "gains": outcome.gains,
                        "highlight_holds_evidence": outcome.highlight_holds_evidence,
                        "took_ms": round(outcome.took_ms, 3),
                    }
                    for outcome in result.outcomes
                ],
            }
            for result in results
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")

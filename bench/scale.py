"""The served index at several sizes, and what ten million passages would need.

For each size, a synthetic index (``bench.synthetic_corpus``, built once into the work
directory) is served and timed as ``qa bench --serve-scale`` does
(``bench.speed.measure_served_scale``): build time, disk by part, the server's memory,
``/ask`` p50 and p95 beside the small index in turns, and the served dense search's
recall@10. From the sizes measured, a projection to ``PROJECTED_PASSAGES``.

    python -m bench.scale --sizes 1000000,3000000 --json docs/results/bench-scale.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.speed import BenchConfig, measure_served_scale, unique_questions
from eval.report import measurement_json
from qa.settings import Settings

PROJECTED_PASSAGES = 10_000_000
SQUAD_PUBLIC = Path("eval/sets/squad-public/dev-v1.1-even-articles.json.gz")


def projection(
    measured: list[dict[str, Any]], passages: int = PROJECTED_PASSAGES
) -> dict[str, Any]:
    """Disk, memory and build time at ``passages``, from the sizes measured: disk and build
    time by the passage of the largest; memory along the line through the two largest (or
    by the vector index's share a passage, with one size)."""
    largest = max(measured, key=lambda run: run["passages"])
    n = largest["passages"]
    disk_bytes = largest["disk"]["bytes_a_passage"] * passages
    build_seconds = (
        (largest["store_build_seconds"] + largest["vector_build_seconds"]) * passages / n
    )
    sizes = sorted(measured, key=lambda run: run["passages"])
    if len(sizes) >= 2 and sizes[-2]["passages"] != n:
        smaller = sizes[-2]
        per_passage = (largest["rss_mb"] - smaller["rss_mb"]) / (n - smaller["passages"])
    else:
        per_passage = largest["vector_mb"] / n  # the vector index is what grows in memory
    rss_mb = largest["rss_mb"] + per_passage * (passages - n)
    settings = Settings()
    kind = (
        "ivf"
        if passages >= settings.ivf_from
        else "hnsw"
        if passages >= settings.hnsw_from
        else "flat"
    )
    return {
        "passages": passages,
        "from_sizes": [run["passages"] for run in sizes],
        "disk_gb": round(disk_bytes / 1e9, 1),
        "rss_gb": round(rss_mb / 1024, 1),
        "build_hours": round(build_seconds / 3600, 1),
        "vector_index": kind,
        "p50_ms_measured_at_largest": largest["wall"]["p50_ms"],
    }


def markdown(result: dict[str, Any]) -> str:
    runs = result["runs"]
    header = "| measure | " + " | ".join(f"{run['passages']:,}" for run in runs) + " |"
    rows = [
        ("vector index", lambda r: r["vector_recall"]["index"]),
        ("build: store / vector index (min)", lambda r: (
            f"{r['store_build_seconds'] / 60:.1f} / {r['vector_build_seconds'] / 60:.1f}"
        )),
        ("index directory, bytes a passage", lambda r: f"{r['disk']['bytes_a_passage']:,}"),
        ("server memory after the questions / peak (MB)", lambda r: (
            f"{r['rss_mb']} / {r['peak_rss_mb']}"
        )),
        ("fresh server: `/ask` p50 / p95 (ms)", lambda r: (
            f"{r['wall']['p50_ms']} / {r['wall']['p95_ms']}"
        )),
        ("the small index beside it, p50 (ms)", lambda r: (
            r["beside"]["first_pass"]["wall"]["p50_ms"]
        )),
        ("**fresh p50 over the small index's**", lambda r: f"**{r['p50_over_small']}**"),
        ("store in the page cache: p50 / p95 (ms)", lambda r: (
            f"{r['second_pass']['wall']['p50_ms']} / {r['second_pass']['wall']['p95_ms']}"
        )),
        ("served recall@10 (re-ranked) / within 0.005 of the 10th", lambda r: (
            f"{r['vector_recall']['recall_at_10']} / {r['vector_recall']['near_recall_at_10']}"
        )),
        ("start to `/readyz` (s)", lambda r: r["ready_seconds"]),
    ]  # fmt: skip
    lines = [header, "| --- |" + " --- |" * len(runs)]
    lines += [f"| {name} | " + " | ".join(str(cell(r)) for r in runs) + " |" for name, cell in rows]
    parts_of_largest = max(runs, key=lambda r: r["passages"])["disk"]
    lines += [
        "",
        f"The index directory at {parts_of_largest['passages']:,} passages, by part "
        "(`bench/disk_use.py`):",
        "",
        "| part | bytes a passage |",
        "| --- | --- |",
        *(f"| {p} | {size:,} |" for p, size in parts_of_largest["parts_bytes_a_passage"].items()),
    ]
    p = result["projection"]
    measured_sizes = ", ".join(f"{n:,}" for n in p["from_sizes"])
    lines += [
        "",
        f"Projected to {p['passages']:,} passages from {measured_sizes}: "
        f"{p['disk_gb']} GB of disk, a server of about {p['rss_gb']} GB, "
        f"{p['build_hours']} hours to write its store and vector index (embedding aside), "
        f"and the `{p['vector_index']}` vector index that `QA_VECTOR_INDEX=auto` takes "
        "at that size.",
    ]
    return "\n".join(lines) + "\n"


def run(sizes: list[int], config: BenchConfig) -> dict[str, Any]:
    questions = unique_questions(config.questions_file, config.questions)
    try:
        warm = unique_questions(config.questions_file, 2 * len(questions))[len(questions) :]
    except ValueError:
        warm = questions
    log = Path(tempfile.gettempdir()) / "qa-bench-scale-server.log"
    runs = []
    for size in sizes:
        print(f"served scale: {size:,} passages ...")
        measured = measure_served_scale(replace(config, serve_scale=size), questions, warm, log)
        assert measured is not None
        measured["p50_over_small"] = round(
            measured["wall"]["p50_ms"] / measured["beside"]["first_pass"]["wall"]["p50_ms"], 2
        )
        runs.append(measured)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "questions": len(questions),
        "runs": runs,
        "projection": projection(runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sizes", default="1000000,3000000")
    parser.add_argument("--index", type=Path, default=Path("data/bench/seeds-index"))
    parser.add_argument("--questions-from", type=Path, default=SQUAD_PUBLIC)
    parser.add_argument("--ingest-sample", type=Path, default=SQUAD_PUBLIC)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--work-dir", type=Path, default=Path("data/bench"))
    parser.add_argument("--json", type=Path, default=Path("docs/results/bench-scale.json"))
    args = parser.parse_args(argv)
    try:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        print(f"error: --sizes takes whole numbers, not {args.sizes!r}", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1:
        print("error: --sizes needs at least one positive size", file=sys.stderr)
        return 2
    for path in (args.questions_from, args.ingest_sample, args.index):
        if not path.exists():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
    config = BenchConfig(
        index_dir=args.index,
        questions_file=args.questions_from,
        ingest_sample=args.ingest_sample,
        questions=args.questions,
        work_dir=args.work_dir,
    )
    result = run(sizes, config)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    measurement_json(result, args.json)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

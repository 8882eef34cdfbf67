"""The local backend beside Milvus (milvus-lite by default): ingest rate and ``/ask`` p50.

    python -m bench.backends [--sample SQUAD.json] [--documents N] [--questions N]
                                  [--milvus-uri URI] [--json F]

Each backend gets a new index of the same SQuAD articles, ingested in this process with
the same encoder (passages per second, embedding included). Then both are served by
``qa serve`` at once and asked the same unique questions over HTTP, one at a time, in turns
of ten, so that both are timed in the same minutes on this shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from bench.served import ServedIndex
from bench.speed import latency_summary, unique_questions
from eval.report import measurement_json
from eval.sets import SQUAD_PUBLIC, load_set
from index.milvus.milvus_collections import drop_collections
from qa.service import QAService
from qa.settings import Settings
from qa.storage import milvus_target

TURN = 10
# Ingest runs of each backend, in turns, each into a new index; the median is reported.
INGEST_RUNS = 3


def _settings(backend: str, scratch: Path, milvus_uri: str, prefix: str) -> Settings:
    return Settings(
        backend=backend,
        index_dir=scratch / "local-index",
        milvus_uri=milvus_uri,
        milvus_collection_prefix=prefix,
    )


def _ingest(settings: Settings, documents: list[Any]) -> dict[str, Any]:
    service = QAService.open(settings)
    try:
        started = time.perf_counter()
        summary = service.add_documents(documents, show_progress=True)
        service.index.flush()
        seconds = time.perf_counter() - started
    finally:
        service.close()
    return {
        "documents": len(documents),
        "passages": summary.passages,
        "seconds": round(seconds, 1),
        "passages_per_second": round(summary.passages / seconds, 1),
    }


def _environment(settings: Settings) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    environment["QA_ENCODER_CACHE"] = os.environ.get("QA_ENCODER_CACHE", "data/encoder")
    environment["QA_BACKEND"] = settings.backend
    environment["QA_MILVUS_URI"] = settings.milvus_uri
    environment["QA_MILVUS_COLLECTION_PREFIX"] = settings.milvus_collection_prefix
    return environment


def run(sample: Path, documents: int, questions: int, milvus_uri: str) -> dict[str, Any]:
    corpus = load_set(sample).documents[:documents]
    asked = unique_questions(sample, questions)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores",
        "milvus_target": "milvus-lite (embedded)" if milvus_uri.endswith(".db") else milvus_uri,
        "questions": len(asked),
    }
    with tempfile.TemporaryDirectory(prefix="qa-backends-") as directory:
        scratch = Path(directory)
        runs: dict[str, list[dict[str, Any]]] = {"local": [], "milvus": []}
        backends: dict[str, Settings] = {}
        for run_number in range(INGEST_RUNS):
            run_dir = scratch / f"run-{run_number}"
            run_dir.mkdir()
            uri = str(run_dir / "milvus.db") if milvus_uri.endswith(".db") else milvus_uri
            # The first to go alternates, so neither always meets a cold machine.
            order = ("local", "milvus") if run_number % 2 == 0 else ("milvus", "local")
            for name in order:
                backends[name] = _settings(name, run_dir, uri, f"qa_bench{run_number}_")
                runs[name].append(_ingest(backends[name], corpus))
        for name, measured in runs.items():
            rates = [run["passages_per_second"] for run in measured]
            result[name] = {
                "ingest": {
                    "documents": measured[0]["documents"],
                    "passages": measured[0]["passages"],
                    "passages_per_second": statistics.median(rates),
                },
                "ingest_runs": rates,
            }
        servers = {
            name: ServedIndex(
                settings.index_dir, scratch / f"{name}.log", environment=_environment(settings)
            ).start()
            for name, settings in backends.items()
        }
        try:
            for server in servers.values():
                server.wait_ready()
            timings: dict[str, list[float]] = {name: [] for name in servers}
            with httpx.Client(timeout=60) as client:
                for start in tqdm(range(0, len(asked), TURN), desc="asking in turns"):
                    for name, server in servers.items():
                        for question in asked[start : start + TURN]:
                            began = time.perf_counter()
                            response = client.post(
                                f"{server.base_url}/ask", json={"question": question}
                            )
                            response.raise_for_status()
                            timings[name].append((time.perf_counter() - began) * 1000)
        finally:
            for server in servers.values():
                server.stop()
            if not milvus_uri.endswith(".db"):
                for run_number in range(INGEST_RUNS):
                    prefix = f"qa_bench{run_number}_"
                    drop_collections(milvus_target(_settings("milvus", scratch, uri, prefix)))
    for name, values in timings.items():
        summary = latency_summary(values)
        result[name]["ask_p50_ms"] = summary["p50_ms"]
        result[name]["ask_p95_ms"] = summary["p95_ms"]
    result["ratios"] = {
        "ask_p50_milvus_over_local": round(
            result["milvus"]["ask_p50_ms"] / result["local"]["ask_p50_ms"], 2
        ),
        "ingest_milvus_over_local": round(
            result["milvus"]["ingest"]["passages_per_second"]
            / result["local"]["ingest"]["passages_per_second"],
            2,
        ),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__)
    parser.add_argument("--sample", type=Path, default=SQUAD_PUBLIC)
    parser.add_argument("--documents", type=int, default=24, help="articles ingested")
    parser.add_argument("--questions", type=int, default=200, help="unique questions asked")
    parser.add_argument("--milvus-uri", default="milvus.db", help="a server, or *.db: lite")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.sample, args.documents, args.questions, args.milvus_uri)
    print(measurement_json(result, args.json), end="")


if __name__ == "__main__":
    main()

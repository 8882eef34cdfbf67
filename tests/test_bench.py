"""`qa bench` end to end, small: the real server, the load generator, the plain recipe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from eval.sets import load_set
from tests.conftest import ROOT, SQUAD_TINY
from tests.servers import run_cli


def qa(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=ROOT, timeout=600)


def test_qa_bench_measures_the_server_beside_the_plain_recipe(small_bench: Path) -> None:
    report, table = small_bench / "bench.json", small_bench / "bench.md"
    figures = json.loads(report.read_text())
    server = figures["server"]
    assert server["throughput"]["requests"] > 0 and server["throughput"]["errors"] == 0
    assert 0 < server["ready_seconds"] < 120 and server["rss_mb"] > 0
    assert server["wall"]["p50_ms"] >= server["inside"]["p50_ms"] > 0
    assert figures["plain_recipe"]["in_process"]["p50_ms"] > 0
    assert figures["plain_recipe"]["alone"]["p50_ms"] > 0
    assert figures["ingest"]["qa_passages_per_second"] > 0
    assert len(figures["ingest"]["qa_runs"]) == len(figures["ingest"]["plain_runs"]) == 3
    assert figures["ratios"]["http_p50_over_plain_p50"] > 0
    assert figures["passages"] == 4 and "| measure | value |" in table.read_text()
    served = figures["served_scale"]
    assert served["passages"] == 300 and served["wall"]["p50_ms"] > 0
    assert figures["ratios"]["scale_p50_over_p50"] > 0
    assert served["second_pass"]["wall"]["p50_ms"] > 0
    # The warm pass reads the store through first; the tiny set has no other questions.
    assert served["second_pass"]["store_read_seconds"] >= 0
    assert served["second_pass"]["questions"] == "the same"
    # The ratios compare with the headline index served beside it, asked in turns.
    beside = served["beside"]
    assert beside["first_pass"]["wall"]["p50_ms"] >= beside["first_pass"]["inside"]["p50_ms"] > 0
    assert figures["ratios"]["scale_p50_over_p50"] == round(
        served["wall"]["p50_ms"] / beside["first_pass"]["wall"]["p50_ms"], 2
    )
    assert figures["ratios"]["scale_again_p50_over_p50"] > 0
    assert "300 synthetic passages" in table.read_text()
    # Served recall re-ranks as the server does; the disk parts add up to the directory.
    recall = served["vector_recall"]
    assert recall["queries"] > 0 and 0.9 <= recall["recall_at_10"] <= 1.0
    disk = served["disk"]
    parts = disk["parts_bytes_a_passage"]
    assert "vectors.faiss" in parts and parts["passages (text, sentence vectors)"] > 0
    assert abs(sum(parts.values()) - disk["bytes_a_passage"]) <= len(parts)
    assert "bytes a passage" in table.read_text()


def test_qa_bench_refuses_bad_arguments(tmp_path: Path) -> None:
    tiny = ["--questions-from", str(SQUAD_TINY), "--ingest-sample", str(SQUAD_TINY)]
    empty = qa("bench", "--index", str(tmp_path / "none"), *tiny)
    assert empty.returncode == 2 and "no index" in empty.stderr
    scale = qa("bench", "--scale", "lots", *tiny)
    missing = qa("bench", "--questions-from", str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert scale.returncode == 2 and "whole numbers" in scale.stderr


def test_a_synthetic_index_is_made_of_real_sentences_and_reused(tmp_path: Path) -> None:
    from bench.synthetic_corpus import DONE_NAME, build_synthetic_index, read_source
    from index.local.layout import STORE_NAME
    from index.local.local_index import LocalIndex
    from index.local.manifest import read_manifest
    from index.local.sqlite_store import PassageStore
    from qa.service import QAService
    from qa.settings import Settings

    source = tmp_path / "source"
    service = QAService.open(Settings(index_dir=source))
    service.add_documents(load_set(SQUAD_TINY).documents)
    model, dimension = service.encoder.name, service.encoder.dimension
    service.close()
    real = {sentence for passage in read_source(source) for sentence in passage.sentences}

    target = tmp_path / "synthetic"
    figures = build_synthetic_index(source, target, 120, model, dimension, hnsw_from=50)
    assert figures["store_mb"] > 0 and figures["vector_mb"] > 0
    store = PassageStore(target / STORE_NAME)
    keys = list(range(1, 121))
    rows = store.passages(keys)
    vectors = store.vectors_of(keys)
    store.close()
    assert len(rows) == 120
    for key, passage in rows.items():
        sentences = [passage.text[a:b] for a, b in passage.sentence_spans]
        assert sentences and set(sentences) <= real
        assert passage.sentence_vectors is not None
        assert passage.sentence_vectors.shape == (len(sentences), dimension)
        assert abs(float(np.linalg.norm(vectors[key][0])) - 1.0) < 1e-4
    manifest = read_manifest(target)
    assert manifest is not None and "HNSW" in manifest.vector_index
    index = LocalIndex(target, model, dimension, hnsw_from=50)
    assert index.count_passages() == 120 and len(index.search(vectors[7][0], 1)) == 1
    index.close()

    done = (target / DONE_NAME).stat().st_mtime_ns
    assert build_synthetic_index(source, target, 120, model, dimension, hnsw_from=50) == figures
    assert (target / DONE_NAME).stat().st_mtime_ns == done


def test_bench_scale_measures_each_size_and_projects_ten_million(small_bench: Path) -> None:
    out = small_bench / "scale.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "bench.scale", "--sizes", "150,300",
            "--index", str(small_bench / "index"),
            "--questions-from", str(SQUAD_TINY), "--ingest-sample", str(SQUAD_TINY),
            "--questions", "3", "--work-dir", str(small_bench / "work"), "--json", str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    runs = figures["runs"]
    assert [run["passages"] for run in runs] == [150, 300]
    for run in runs:
        assert run["wall"]["p50_ms"] > 0 and run["rss_mb"] > 0
        assert run["disk"]["bytes_a_passage"] > 0 and run["vector_recall"]["recall_at_10"] > 0.9
    projected = figures["projection"]
    assert projected["passages"] == 10_000_000 and projected["from_sizes"] == [150, 300]
    per_passage = runs[1]["disk"]["bytes_a_passage"]
    assert projected["disk_gb"] == round(per_passage * 10_000_000 / 1e9, 1)
    assert projected["vector_index"] == "ivf"
    assert "Projected to 10,000,000 passages" in result.stdout


def test_bench_scale_refuses_sizes_that_are_not_whole_numbers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--sizes", "a lot"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "whole numbers" in result.stderr

"""`qa bench` end to end, small: the real server, the load generator, the plain recipe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_ARTICLES, ROOT
from tests.servers import environment_without_settings

SQUAD_TINY = ROOT / "tests" / "fixtures" / "sets" / "squad-tiny.json"


def qa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment_without_settings(),
        cwd=ROOT,
        check=False,
    )


def test_qa_bench_measures_the_server_beside_the_plain_recipe(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert qa("ingest", str(FIXTURE_ARTICLES), "--index", str(index)).returncode == 0
    report, table = tmp_path / "bench.json", tmp_path / "bench.md"
    result = qa(
        "bench",
        "--index", str(index),
        "--questions-from", str(SQUAD_TINY),
        "--questions", "3",
        "--seconds", "1",
        "--ingest-sample", str(SQUAD_TINY),
        "--json", str(report),
        "--markdown", str(table),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(report.read_text())
    server = figures["server"]
    assert server["throughput"]["requests"] > 0 and server["throughput"]["errors"] == 0
    assert 0 < server["ready_seconds"] < 120 and server["rss_mb"] > 0
    assert server["wall"]["p50_ms"] >= server["inside"]["p50_ms"] > 0
    assert figures["plain_recipe"]["in_process"]["p50_ms"] > 0
    assert figures["ingest"]["qa_passages_per_second"] > 0
    assert figures["ratios"]["http_p50_over_plain_p50"] > 0
    assert figures["passages"] == 4 and "| measure | value |" in table.read_text()


def test_qa_bench_refuses_bad_arguments(tmp_path: Path) -> None:
    tiny = ["--questions-from", str(SQUAD_TINY), "--ingest-sample", str(SQUAD_TINY)]
    empty = qa("bench", "--index", str(tmp_path / "none"), *tiny)
    assert empty.returncode == 2 and "no index" in empty.stderr
    scale = qa("bench", "--scale", "lots", *tiny)
    missing = qa("bench", "--questions-from", str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert scale.returncode == 2 and "whole numbers" in scale.stderr

"""docs/benchmarks.md is made from the measurements it reports: each benchmark is run here,
small, and the document made from what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import dated as dated_bench
from bench import page as page_bench
from bench.benchmarks_doc import main
from bench.speed import markdown as bench_markdown
from tests.conftest import FIXTURE_ARTICLES, ROOT, SQUAD_TINY
from tests.servers import cli_command, environment_without_settings

pytestmark = pytest.mark.e2e

CALDER = ROOT / "eval" / "sets" / "calder-strike"


def run(command: list[str], cwd: Path, **settings: str) -> None:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env={**environment_without_settings(), **settings},
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def module(name: str, *args: str) -> list[str]:
    return [sys.executable, "-m", name, *args]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory, small_bench: Path) -> Path:
    """Every source of the document, freshly measured on small inputs, in one directory
    (its working directory too: no name in it may shadow a package, as "index" would)."""
    out = tmp_path_factory.mktemp("measured")
    (out / "report.md").write_text("# Retrieval quality\n\n", encoding="utf-8")
    run(cli_command("eval", str(SQUAD_TINY), "--markdown", str(out / "report.md")), out)
    (out / "report-milvus.md").write_text("# On Milvus\n\n", encoding="utf-8")
    milvus = {"QA_BACKEND": "milvus", "QA_MILVUS_URI": str(out / "eval-milvus.db")}
    on_milvus = ["eval", str(SQUAD_TINY), "--index", str(out / "milvus-index"), "--mode", "hybrid"]
    run(cli_command(*on_milvus, "--markdown", str(out / "report-milvus.md")), out, **milvus)
    (out / "bench.json").write_bytes((small_bench / "bench.json").read_bytes())
    run(cli_command("ingest", str(FIXTURE_ARTICLES), "--index", str(out / "fixture-index")), out)
    run(module("bench.page", "--index", str(out / "fixture-index"), "--count", "2",
               "--questions", str(ROOT / "tests" / "fixtures" / "sets" / "fixtures.jsonl"),
               "--json", str(out / "bench-page.json")), out)  # fmt: skip
    run(module("bench.dated", "--rounds", "1", "--articles", str(CALDER / "articles"),
               "--questions", str(CALDER.with_suffix(".jsonl")),
               "--json", str(out / "bench-time.json")), out)  # fmt: skip
    run(module("eval.folding", "--seeds", str(FIXTURE_ARTICLES), "--squad", str(SQUAD_TINY),
               "--json", str(out / "copies.json")), out)  # fmt: skip
    run(module("bench.backends", "--sample", str(SQUAD_TINY), "--documents", "2",
               "--questions", "3", "--milvus-uri", str(out / "backends.db"),
               "--json", str(out / "bench-backends.json")), out)  # fmt: skip
    return out


SOURCES = {
    "--report": "report.md",
    "--bench": "bench.json",
    "--page": "bench-page.json",
    "--time": "bench-time.json",
    "--milvus-report": "report-milvus.md",
    "--backends": "bench-backends.json",
    "--million": "bench-1m.json",  # a million passages: too big to measure here
    "--copies": "copies.json",
}


def make(measured: Path, out: Path, *missing: str) -> str:
    arguments = [
        part
        for flag, name in SOURCES.items()
        for part in (flag, str(measured / ("absent" if flag in missing else name)))
    ]
    assert main([*arguments, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def figures(measured: Path, name: str) -> dict:
    data: dict = json.loads((measured / name).read_text(encoding="utf-8"))
    return data


def test_the_document_holds_every_table_it_is_made_from(measured: Path, tmp_path: Path) -> None:
    text = make(measured, tmp_path / "benchmarks.md")
    report = (measured / "report.md").read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert len(rows) == 5 and all(row in text for row in rows)  # header, rule, three modes
    assert "**squad-tiny: 3 questions (3 answerable)**" in text
    milvus_rows = [
        line
        for line in (measured / "report-milvus.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| hybrid")
    ]
    assert len(milvus_rows) == 1 and milvus_rows[0] in text
    assert "## Speed" in text and bench_markdown(figures(measured, "bench.json")) in text
    assert (
        "## The page" in text and page_bench.markdown(figures(measured, "bench-page.json")) in text
    )
    assert "## What time costs" in text
    assert dated_bench.markdown(figures(measured, "bench-time.json")) in text
    backends = figures(measured, "bench-backends.json")
    assert "## The Milvus backend" in text and f"backends bench, {backends['date']}" in text
    copies = figures(measured, "copies.json")
    assert "## Syndicated copies" in text
    assert f"| copies grouped |  | {copies['articles']['copies_grouped']} |" in text
    assert "## A million passages" not in text


def test_a_measurement_not_made_is_left_out(measured: Path, tmp_path: Path) -> None:
    flags = ("--bench", "--page", "--time", "--milvus-report", "--backends", "--copies")
    text = make(measured, tmp_path / "benchmarks.md", *flags)
    assert "## Retrieval quality" in text and "squad-tiny" in text
    assert "## Syndicated copies" not in text and "## What time costs" not in text
    assert "## Speed" not in text and "## A million passages" not in text
    assert "## The page" not in text and "## The Milvus backend" not in text


def test_without_a_quality_report_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    assert main(["--report", str(tmp_path / "absent.md"), "--out", str(out)]) == 2
    assert not out.exists()

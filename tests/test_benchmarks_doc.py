"""docs/benchmarks.md is made from the measurements it reports, and kept up to date."""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks_doc import main
from tests.conftest import ROOT


def make(tmp_path: Path, *missing: str) -> str:
    sources = {
        "--report": ROOT / "eval" / "report.md",
        "--bench": ROOT / "eval" / "bench.json",
        "--page": ROOT / "eval" / "bench-page.json",
        "--milvus-report": ROOT / "eval" / "report-milvus.md",
        "--backends": ROOT / "eval" / "bench-backends.json",
        "--million": ROOT / "eval" / "bench-1m.json",
        "--copies": ROOT / "eval" / "copies.json",
    }
    arguments = [
        part
        for flag, path in sources.items()
        for part in (flag, str(tmp_path / "absent" if flag in missing else path))
    ]
    out = tmp_path / "benchmarks.md"
    assert main([*arguments, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_the_document_holds_every_table_it_is_made_from(tmp_path: Path) -> None:
    text = make(tmp_path)
    report = (ROOT / "eval" / "report.md").read_text(encoding="utf-8")
    for line in report.splitlines():
        if line.startswith("| hybrid"):
            assert line in text
    assert text.count("**HTTP p50 / plain p50**") == 2  # the latest run and the million's
    assert "## A million passages" in text and "1,000,000" in text
    assert "## The page" in text and "Enter to the answer painted" in text
    assert "## The Milvus backend" in text and "| measure | local | Milvus |" in text
    assert "## Syndicated copies" in text and "| copies grouped |  | 10 of 10 |" in text


def test_a_measurement_not_made_is_left_out(tmp_path: Path) -> None:
    text = make(
        tmp_path, "--bench", "--million", "--page", "--milvus-report", "--backends", "--copies"
    )
    assert "## Retrieval quality" in text
    assert "## Syndicated copies" not in text
    assert "## Speed" not in text and "## A million passages" not in text
    assert "## The page" not in text and "## The Milvus backend" not in text


def test_the_committed_document_is_the_one_its_sources_make(tmp_path: Path) -> None:
    committed = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert make(tmp_path) == committed, "run python -m eval.benchmarks_doc"

"""What an import costs: the shared storage package and the settings load no backend, no
model and no HTTP client, so a command that only reads them stays light. Measured in a
fresh interpreter with ``-X importtime``, which lists every module imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("faiss", "pymilvus", "torch", "onnxruntime", "httpx", "fastapi")


def imported_modules(statement: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # Lines read "import time: self | cumulative | package.module", indented by depth.
    return {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def heavy_among(modules: set[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules} & set(HEAVY))


@pytest.mark.parametrize("statement", ["import index", "from index import Document, PassageIndex"])
def test_the_storage_package_loads_no_backend(statement: str) -> None:
    assert heavy_among(imported_modules(statement)) == []


def test_reading_the_settings_loads_nothing_heavy() -> None:
    assert heavy_among(imported_modules("from qa.settings import Settings; Settings()")) == []


def test_a_backend_is_loaded_when_it_is_named() -> None:
    modules = imported_modules("from index import LocalIndex")
    assert "faiss" in heavy_among(modules)
    assert "pymilvus" not in heavy_among(modules)

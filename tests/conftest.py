from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

from qa.encoding.encoder import Encoder, load_encoder
from qa.settings import Settings
from tests.servers import RunningServer, run_cli

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One ONNX export of the model for the whole run, servers in other directories included.
os.environ.setdefault("QA_ENCODER_CACHE", str(ROOT / "data" / "encoder"))

FIXTURE_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
SEEDS = ROOT / "seeds"
SQUAD_TINY = Path(__file__).resolve().parent / "fixtures" / "sets" / "squad-tiny.json"
TOKEN = "test-token-1234"
EXAMPLES = ["How much will the tidal barrier cost?", "What does Russia demand on NATO?"]


@lru_cache(maxsize=1)
def encoder_for_tests() -> Encoder:
    """The real packaged model, on the default backend, loaded once for the session (also
    by modules that need it at import, as schemathesis's schema does)."""
    return load_encoder(Settings())


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return encoder_for_tests()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", api_token=None)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real server over the fixture articles, shared by the end-to-end tests."""
    directory = tmp_path_factory.mktemp("server")
    running = RunningServer(
        directory / "index",
        FIXTURE_ARTICLES,
        TOKEN,
        directory / "server.log",
        {"QA_EXAMPLES": json.dumps(EXAMPLES)},
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real server over the seed articles, as ``make run`` serves them."""
    directory = tmp_path_factory.mktemp("seed-server")
    running = RunningServer(directory / "index", SEEDS, None, directory / "server.log").start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def small_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ``bench.json`` and ``bench.md`` of one small `qa bench` run over
    the fixture articles, made once for the session's tests of the bench and of its doc."""
    directory = tmp_path_factory.mktemp("small-bench")
    index = directory / "index"
    ingested = run_cli("ingest", str(FIXTURE_ARTICLES), "--index", str(index), cwd=ROOT)
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    result = run_cli(
        "bench",
        "--index", str(index),
        "--questions-from", str(SQUAD_TINY),
        "--questions", "3",
        "--seconds", "1",
        "--ingest-sample", str(SQUAD_TINY),
        "--serve-scale", "300",
        "--work-dir", str(directory / "work"),
        "--json", str(directory / "bench.json"),
        "--markdown", str(directory / "bench.md"),
        cwd=ROOT,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return directory

"""Ingest: splitting, embedding and storing, in process and through the `qa` command."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index import LocalIndex
from qa.documents import document_from_fields
from qa.encoding.encoder import Encoder
from qa.intake.loaders import load_paths
from qa.service import QAService
from qa.settings import Settings
from tests.conftest import FIXTURE_ARTICLES
from tests.servers import cli_command, environment_without_settings, run_cli


@pytest.fixture
def service(settings: Settings, encoder: Encoder) -> QAService:
    return QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )


def qa_command(*args: str, index: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--index", str(index))


def test_ingest_stores_exact_passages_and_is_idempotent(service: QAService) -> None:
    documents = load_paths([FIXTURE_ARTICLES]).documents
    first = service.add_documents(documents)
    assert (first.added, first.unchanged) == (2, 0)
    assert first.passages == service.count_passages() > 2
    for document in documents:
        stored = service.get_document(document.doc_id)
        assert stored is not None and stored.document.content_hash  # what it was made from
        assert stored.document == replace(document, content_hash=stored.document.content_hash)
        for passage in stored.passages:
            assert document.text[passage.start : passage.end] == passage.text
            assert service.encoder.count_tokens(passage.text) <= service.passager.max_tokens
    again = service.add_documents(documents)
    assert (again.added, again.replaced, again.unchanged, again.passages) == (0, 0, 2, 0)
    assert service.count_passages() == first.passages


def test_a_new_passage_size_splits_stored_documents_again(
    settings: Settings, encoder: Encoder
) -> None:
    documents = load_paths([FIXTURE_ARTICLES]).documents
    index = LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    QAService(settings, encoder, index).add_documents(documents)
    wide = index.count_passages()
    narrow = QAService(settings.model_copy(update={"passage_tokens": 64}), encoder, index)
    summary = narrow.add_documents(documents)
    assert (summary.replaced, summary.unchanged) == (2, 0)
    assert index.count_passages() > wide
    assert narrow.add_documents(documents).unchanged == 2


def test_sentence_vectors_are_stored_for_every_sentence_of_a_passage(service: QAService) -> None:
    service.add_documents(load_paths([FIXTURE_ARTICLES]).documents)
    results = service.index.search(service.encoder.encode_query("barrier cost"), 3)
    for result in results:
        passage = result.passage
        assert passage.sentence_vectors is not None
        assert len(passage.sentence_vectors) == len(passage.sentence_spans) > 0
        # Each sentence vector is read in the passage's context: related to the sentence
        # encoded alone (cosine 0.40-0.90 here), not the same. Whether it picks the right
        # sentence is what test_highlight and the evaluation measure.
        alone = service.encoder.encode(
            [passage.text[start:end] for start, end in passage.sentence_spans]
        )
        similarity = passage.sentence_vectors.astype("float32") @ alone.T
        own = np.diag(similarity)
        others = (similarity.sum() - own.sum()) / max(1, similarity.size - len(own))
        assert own.mean() > others + 0.1
        assert np.allclose(
            np.linalg.norm(passage.sentence_vectors.astype("float32"), axis=1), 1, atol=1e-2
        )


def test_reingesting_a_changed_document_replaces_it(service: QAService) -> None:
    original = document_from_fields(
        {"doc_id": "d1", "title": "T", "text": "The ferry leaves at noon."}
    )
    service.add_documents([original])
    changed = document_from_fields(
        {"doc_id": "d1", "title": "T", "text": "The ferry now leaves at one."}
    )
    summary = service.add_documents([changed])
    assert summary.replaced == 1 and service.count_documents() == 1
    answer = service.ask("when does the ferry leave?", 5)
    assert [hit.text for hit in answer.passages] == ["The ferry now leaves at one."]


def test_a_doc_id_given_twice_in_one_ingest_keeps_the_last(service: QAService) -> None:
    documents = [
        document_from_fields({"doc_id": "d", "title": "T", "text": "First version."}),
        document_from_fields({"doc_id": "d", "title": "T", "text": "Second version."}),
    ]
    summary = service.add_documents(documents)
    assert summary.added == 1 and "more than once" in summary.errors[0]
    stored = service.get_document("d")
    assert stored is not None and stored.document.text == "Second version."


def test_cli_ingest_skips_bad_files_and_reports_them(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.txt").write_text("Good headline\nThe good article has one sentence.", "utf-8")
    (articles / "bad.json").write_text("{oops", "utf-8")
    index = tmp_path / "index"
    result = qa_command("ingest", str(articles), index=index)
    assert result.returncode == 1, result.stderr
    assert "bad.json" in result.stderr
    assert "1 documents (1 added" in result.stdout
    asked = qa_command("ask", "what does the good article say?", "--json", index=index)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["passages"][0]["citation"]["title"] == "Good headline"
    assert set(answer) == {
        "question",
        "answerable",
        "as_of",
        "period",
        "order",
        "passages",
        "took_ms",
    }


def test_cli_refuses_an_index_of_another_model_clearly(tmp_path: Path) -> None:
    index = tmp_path / "index"
    LocalIndex(index, "some-other-model", 384).close()
    result = qa_command("ask", "anything?", index=index)
    assert result.returncode == 2
    assert "was built with the model 'some-other-model'" in result.stderr


def test_an_interrupted_ingest_leaves_a_loadable_index(tmp_path: Path) -> None:
    articles = tmp_path / "many.jsonl"
    with articles.open("w", encoding="utf-8") as handle:
        # Short one-passage articles, enough for several embedding groups.
        for number in range(1200):
            text = " ".join(
                f"Article {number} sentence {s} is about item {number * s}." for s in range(4)
            )
            handle.write(
                json.dumps({"doc_id": f"a{number}", "title": f"Article {number}", "text": text})
                + "\n"
            )
    index = tmp_path / "index"
    env = environment_without_settings()
    process = subprocess.Popen(
        cli_command("ingest", str(articles), "--index", str(index)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        stored = 0
        while time.monotonic() < deadline and process.poll() is None and stored == 0:
            time.sleep(0.2)
            try:
                with sqlite3.connect(index / "passages.sqlite3", timeout=1) as connection:
                    stored = connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
        assert stored > 0, "the ingest stored no document in time"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    reopened = LocalIndex(index, "packaged:all-MiniLM-L6-v2", 384)
    documents = reopened.count_documents()
    assert 0 < documents < 1200
    # Every stored document is whole: all its passages are there and searchable.
    for _row, passages in reopened.list_documents(limit=1000, offset=0):
        assert passages > 0
    assert reopened.count_passages() == sum(p for _, p in reopened.list_documents(1000, 0))
    # A rerun completes the ingest, skipping what is already stored.
    reopened.close()
    rerun = qa_command("ingest", str(articles), index=index)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{documents} unchanged" in rerun.stdout
    assert LocalIndex(index, "packaged:all-MiniLM-L6-v2", 384).count_documents() == 1200


def test_cli_ask_prints_passages_with_the_sentence_marked_and_the_citation(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert qa_command("ingest", str(FIXTURE_ARTICLES), index=index).returncode == 0
    result = qa_command("ask", "How much will the tidal barrier cost?", "--k", "2", index=index)
    assert result.returncode == 0, result.stderr
    assert "**The barrier will cost an estimated 84 million euros.**" in result.stdout
    assert "1. [" in result.stdout and "2. [" in result.stdout and "3. [" not in result.stdout
    assert "Fixture Gazette, 2024-03-14" in result.stdout
    assert "https://example.org/fixtures/port-elsby-tidal-barrier" in result.stdout
    off_topic = qa_command("ask", "Who won the World Cup?", index=index)
    assert "do not seem to answer" in off_topic.stdout
    for bad in (["ask", "   "], ["ask", "x", "--k", "0"], ["ask", "x" * 1001]):
        refused = qa_command(*bad, index=index)
        assert refused.returncode == 2 and "error:" in refused.stderr
    missing = qa_command("ask", "anything", index=tmp_path / "nothing-here")
    assert missing.returncode == 2 and "qa ingest" in missing.stderr


def test_titles_can_be_embedded_with_passages_and_the_index_records_it(
    tmp_path: Path, encoder: Encoder
) -> None:
    from qa.ingest import TITLE_TOKENS, Passager

    settings = Settings(index_dir=tmp_path / "index", embed_title=True)
    assert settings.index_model == "packaged:all-MiniLM-L6-v2 +title"
    passager = Passager(encoder, 300, 32, embed_title=True)
    assert passager.max_tokens == encoder.max_tokens - TITLE_TOKENS - 1
    document = document_from_fields({"title": "Ferry news " * 40, "text": "The ferry runs hourly."})
    (passage,) = passager.passages(document)
    text, spans = passager.embedding_text(document, passage)
    assert text.startswith("Ferry news") and text.endswith("\nThe ferry runs hourly.")
    assert [text[a:b] for a, b in spans] == ["The ferry runs hourly."]
    assert encoder.count_tokens(text) <= encoder.max_tokens
    index = LocalIndex(settings.index_dir, settings.index_model, encoder.dimension)
    QAService(settings, encoder, index).add_documents([document])
    index.close()
    result = qa_command("ask", "ferry?", index=settings.index_dir)
    assert result.returncode == 2 and "+title" in result.stderr

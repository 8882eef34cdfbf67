from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.documents import DocumentError, content_hash, derive_doc_id, document_from_fields
from qa.intake.loaders import load_file, load_paths
from tests.conftest import FIXTURE_ARTICLES


def test_front_matter_gives_the_metadata_and_the_text_stays_as_written() -> None:
    result = load_file(FIXTURE_ARTICLES / "tidal-barrier.md")
    assert result.errors == []
    (document,) = result.documents
    assert document.title.startswith("Port Elsby council approves")
    assert document.source == "Fixture Gazette"
    assert document.url == "https://example.org/fixtures/port-elsby-tidal-barrier"
    assert document.published == "2024-03-14"
    assert document.text.startswith("PORT ELSBY — The town council")
    assert document.text.endswith("until the end of May.")


def test_text_file_without_front_matter_takes_its_first_line_as_title(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A headline\n\nThe body. Second sentence.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Markdown headline\nBody text.", encoding="utf-8")
    documents = {d.title: d for d in load_paths([tmp_path]).documents}
    assert documents["A headline"].text == "The body. Second sentence."
    assert documents["Markdown headline"].text == "Body text."


def test_empty_front_matter_fields_stay_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 'Quoted: title'\nsource:\nurl: \nlang: en\n---\nBody.", "utf-8")
    (document,) = load_file(path).documents
    assert (document.title, document.source, document.url) == ("Quoted: title", "", "")
    assert document.metadata == {"lang": "en"}


def test_json_object_list_and_documents_key(tmp_path: Path) -> None:
    one = {"doc_id": "one", "title": "One", "body": "Text one.", "published_at": "2024-01-02"}
    two = {"title": "Two", "text": "Text two.", "section": "world"}
    (tmp_path / "one.json").write_text(json.dumps(one), "utf-8")
    (tmp_path / "list.json").write_text(json.dumps([two]), "utf-8")
    (tmp_path / "wrapped.json").write_text(
        json.dumps({"documents": [{**two, "doc_id": "w"}]}), "utf-8"
    )
    result = load_paths([tmp_path])
    assert result.errors == []
    by_id = {d.doc_id: d for d in result.documents}
    assert by_id["one"].text == "Text one." and by_id["one"].published == "2024-01-02"
    derived = derive_doc_id("Two", "Text two.")
    assert by_id[derived].metadata == {"section": "world"}
    assert by_id["w"].title == "Two"


def test_jsonl_bad_lines_are_reported_and_the_rest_load(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"doc_id": "a", "title": "A", "text": "Alpha."}),
        "{not json",
        json.dumps({"doc_id": "b", "title": "B"}),
        json.dumps({"doc_id": "c", "title": "C", "text": "Gamma.", "published": "last week"}),
        "",
        json.dumps({"doc_id": "d", "title": "D", "text": "Delta."}),
    ]
    path.write_text("\n".join(lines), "utf-8")
    result = load_file(path)
    assert [d.doc_id for d in result.documents] == ["a", "d"]
    assert len(result.errors) == 3
    assert all(str(path) in error for error in result.errors)
    assert f"{path}:2:" in result.errors[0]
    assert "text" in result.errors[1] and "published" in result.errors[2]


def test_unreadable_files_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\nGood text.", "utf-8")
    (tmp_path / "broken.json").write_text("{", "utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9\nText".encode("latin-1"))
    (tmp_path / ".hidden.txt").write_text("Hidden\nNot an article.", "utf-8")
    (tmp_path / "notes.csv").write_text("a,b", "utf-8")
    result = load_paths([tmp_path])
    assert [d.title for d in result.documents] == ["Title"]
    assert len(result.errors) == 2
    assert any("broken.json" in e for e in result.errors)
    assert any("latin1.txt" in e and "UTF-8" in e for e in result.errors)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "t"}, "text"),
        ({"title": "t", "text": "   "}, "text"),
        ({"title": "t", "text": "x", "doc_id": "abc\n"}, "doc_id"),
        ({"title": "t", "text": "x", "doc_id": "a\x00b"}, "doc_id"),
        ({"title": "t", "text": "x", "doc_id": "war \ud800"}, "doc_id"),
        ({"title": "t", "text": "x", "doc_id": "x" * 257}, "doc_id"),
        ({"title": "t\udc00", "text": "x"}, "title must not hold a lone surrogate"),
        ({"title": "t", "text": "war \ud800"}, "text must not hold a lone surrogate"),
        ({"text": "x", "metadata": {"ratio": float("nan")}}, "not finite"),
        ({"text": "x", "metadata": {"ratio": float("inf")}}, "not finite"),
        ({"text": "x", "metadata": {"note": "\ud800"}}, "metadata must not hold"),
        ({"text": "x", "metadata": {"a": {"b": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}}, "deeper"),
        ({"text": "x", "metadata": {"blob": "x" * 70_000}}, "over 65536 bytes"),
        ({"title": "t", "text": "x", "published": "14 March"}, "published"),
        ({"title": 5, "text": "x"}, "title"),
        ({"title": "t" * 501, "text": "x"}, "title"),
    ],
)
def test_invalid_documents_are_refused_with_the_reason(fields: dict, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        document_from_fields(fields)


def test_derived_ids_are_stable_and_hashes_follow_content() -> None:
    first = document_from_fields({"title": "T", "text": "Body."})
    again = document_from_fields({"title": "T", "text": "Body."})
    changed = document_from_fields({"title": "T", "text": "Body.", "source": "X"})
    assert first.doc_id == again.doc_id and first.doc_id.startswith("doc-")
    assert content_hash(first) == content_hash(again) != content_hash(changed)
    assert document_from_fields({"text": "First line\nmore"}).title == "First line"
    assert document_from_fields(
        {"title": "t", "text": "x", "published": "2024-05-01T10:00:00Z"}
    ).published == ("2024-05-01T10:00:00+00:00")

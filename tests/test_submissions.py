"""A document handed in as fields, a page's HTML or a URL: the one way the API and the files
``qa ingest`` reads become documents. Fetching itself is tested in tests/test_fetch.py; the
HTTP mapping of these errors in tests/test_routes.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.intake.fetch_policy import FetchLimits, FetchPolicy
from qa.intake.loaders import load_paths
from qa.intake.submissions import (
    DocumentTooLong,
    FetchRefused,
    SubmissionError,
    document_from_submission,
)
from qa.intake.web_pages import document_from_html
from tests.news_pages import news_page
from tests.test_pages import seed_articles

ARTICLE = seed_articles()[0]
PAGE = news_page(ARTICLE)


def test_fields_with_text_are_a_document_as_given() -> None:
    document = document_from_submission(
        {"doc_id": "d1", "title": "T", "body": "Some text.", "desk": "world"}
    )
    assert (document.doc_id, document.title, document.text) == ("d1", "T", "Some text.")
    assert document.metadata == {"desk": "world"}


def test_a_page_alone_is_the_page_read_as_a_file_or_a_url_is() -> None:
    assert document_from_submission({"html": PAGE}) == document_from_html(PAGE)
    found_at = "https://mirror.example.net/copy"
    assert document_from_submission({"html": PAGE}, page_url=found_at) == document_from_html(
        PAGE, url=found_at
    )


def test_the_fields_given_win_over_what_the_page_says() -> None:
    document = document_from_submission({"html": PAGE, "title": "Ours", "doc_id": "mine"})
    page = document_from_html(PAGE)
    assert (document.doc_id, document.title) == ("mine", "Ours")
    assert (document.text, document.source, document.url) == (page.text, page.source, page.url)


def test_text_given_wins_over_a_page_and_a_url() -> None:
    document = document_from_submission(
        {"text": "Our own words.", "html": PAGE, "fetch": "https://planet.example.com/x"}
    )
    assert document.text == "Our own words."
    assert "html" not in document.metadata and "fetch" not in document.metadata


def test_a_url_is_fetched_only_where_the_policy_allows() -> None:
    url = "https://planet.example.com/world/story"
    with pytest.raises(FetchRefused, match="nothing is fetched"):
        document_from_submission({"fetch": url})
    only_elsewhere = FetchPolicy.only(FetchLimits(), ["news.example.org"])
    with pytest.raises(FetchRefused, match=r"'planet\.example\.com'.*QA_FETCH_HOSTS"):
        document_from_submission({"fetch": url}, policy=only_elsewhere)
    with pytest.raises(SubmissionError, match="not a URL this server can read"):
        document_from_submission({"fetch": "http://[::1"}, policy=only_elsewhere)


def test_what_cannot_be_a_document_says_which_field_and_why() -> None:
    with pytest.raises(SubmissionError, match=r"^html: no article found"):
        document_from_submission({"html": "<html><body><p>Hi.</p></body></html>"})
    with pytest.raises(SubmissionError, match=r"text \(or body\) is missing"):
        document_from_submission({"title": "No text"})
    with pytest.raises(DocumentTooLong, match="text: over 5 characters"):
        document_from_submission({"text": "Six chars"}, max_chars=5)


def test_a_json_lines_file_may_carry_a_page_for_a_record(tmp_path: Path) -> None:
    records = [{"html": PAGE, "desk": "world"}, {"text": "Plain words.", "title": "Plain"}]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    loaded = load_paths([path])
    assert loaded.errors == []
    page, plain = loaded.documents
    assert page.text == document_from_html(PAGE).text and page.metadata["desk"] == "world"
    assert plain.title == "Plain"

"""A page is one document however it comes in: its identity is its canonical link, whether
it is read from a saved file, fetched by URL, or carried by a feed entry. An entry with no
link keeps its guid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import LocalIndex
from qa.intake.feeds import read_feed
from qa.intake.fetch_policy import FetchLimits
from qa.intake.sources import load_sources
from qa.intake.web_pages import canonical_link, doc_id_for_url, document_from_html
from qa.service import QAService
from qa.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGE = FIXTURES / "pages" / "ferry-fares.html"
FEED = FIXTURES / "feeds" / "harbour-news.rss"
CANONICAL = "https://harbour-news.example.org/2025/06/island-ferry-fares"
LIMITS = FetchLimits(allow_private=False)


@pytest.fixture
def service(tmp_path: Path, encoder) -> Iterator[QAService]:
    settings = Settings(index_dir=tmp_path / "index", api_token=None)
    opened = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    yield opened
    opened.close()


def test_a_saved_page_and_its_feed_entry_have_one_id() -> None:
    (page,) = load_sources([str(PAGE)], LIMITS).documents
    ferry, lighthouse = load_sources([str(FEED)], LIMITS).documents
    assert page.doc_id == ferry.doc_id == doc_id_for_url(CANONICAL)
    assert page.url == ferry.url == CANONICAL
    # No link of its own: it keeps the id of its guid, the same on every read.
    (_, entry) = read_feed(FEED.read_bytes())
    assert lighthouse.doc_id == entry.doc_id and lighthouse.doc_id.startswith("entry-")


def test_the_file_then_the_feed_is_one_document(service: QAService) -> None:
    file_source, feed_source = str(PAGE), str(FEED)
    service.add_sources([file_source])
    loaded, summary = service.add_sources([feed_source])
    assert loaded.known_entries == 1  # the ferry story, held already from the file
    assert summary.added == 1  # only the lighthouse
    assert service.count_documents() == 2


def test_the_feed_then_the_file_replaces_the_entry(service: QAService) -> None:
    file_source, feed_source = str(PAGE), str(FEED)
    service.add_sources([feed_source])
    _, summary = service.add_sources([file_source])
    assert summary.added == 0 and summary.documents == 1
    assert service.count_documents() == 2
    stored = service.get_document(doc_id_for_url(CANONICAL))
    # The page's own byline, which the feed entry did not carry: the file's version stands.
    assert stored is not None and stored.document.metadata.get("author") == "Mara Lindqvist"


def test_a_page_given_where_it_was_found_is_known_by_its_canonical_link() -> None:
    html = PAGE.read_text(encoding="utf-8")
    fetched = document_from_html(html, url="https://mirror.example.net/copy?ref=home")
    assert fetched.doc_id == document_from_html(html).doc_id == doc_id_for_url(CANONICAL)


@pytest.mark.parametrize(
    "link",
    [
        CANONICAL,
        "HTTPS://Harbour-News.example.org/2025/06/island-ferry-fares",
        "https://harbour-news.example.org:443/2025/06/island-ferry-fares#comments",
        f" {CANONICAL} ",
    ],
)
def test_one_link_written_several_ways_is_one_identity(link: str) -> None:
    assert canonical_link(link) == CANONICAL
    assert doc_id_for_url(link) == doc_id_for_url(CANONICAL)


def test_links_that_differ_where_it_matters_stay_apart() -> None:
    assert doc_id_for_url(f"{CANONICAL}?page=2") != doc_id_for_url(CANONICAL)
    assert doc_id_for_url("http://harbour-news.example.org:8080/a") != doc_id_for_url(
        "http://harbour-news.example.org/a"
    )

"""News pages and feeds to documents: what is kept, what is left out, what is read from the
page's metadata. The pages are built around the seed articles (tests/news_pages.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.documents import Document
from qa.intake.feeds import FeedError, read_feed
from qa.intake.loaders import load_paths
from qa.intake.web_pages import PageError, document_from_html
from tests.conftest import SEEDS
from tests.news_pages import BOILERPLATE, Article, atom_feed, news_page, rss_feed


def seed_articles() -> list[Article]:
    return [
        Article(
            title=document.title,
            paragraphs=[line for line in document.text.splitlines() if line.strip()],
            outlet="Daily Planet",
            author="Jane Reporter",
            published="2025-12-17",
            url=f"https://planet.example.com/world/{document.doc_id}",
        )
        for document in load_paths([SEEDS]).documents
    ]


PAGE_OF_SEEDS = news_page(seed_articles()[0])


def assert_no_boilerplate(document: Document) -> None:
    leaked = [kind for kind, phrase in BOILERPLATE.items() if phrase in document.text]
    assert leaked == [], f"boilerplate kept: {leaked}"


@pytest.mark.parametrize("article", seed_articles(), ids=lambda article: article.url[-16:])
def test_a_news_page_gives_the_whole_article_and_nothing_else(article: Article) -> None:
    document = document_from_html(news_page(article), url="https://mirror.example.net/x")
    # Every paragraph, in order, one a line: and not one line more.
    assert document.text == "\n".join(article.paragraphs)
    assert_no_boilerplate(document)
    assert document.title == article.title
    assert document.source == "Daily Planet"
    assert document.published == "2025-12-17"
    assert document.url == article.url  # the canonical link, not where it was found
    assert document.metadata["author"] == "Jane Reporter"
    assert document.doc_id.startswith("url-")


def test_the_same_page_fetched_twice_keeps_its_id() -> None:
    (article, *_) = seed_articles()
    first = document_from_html(news_page(article))
    again = document_from_html(news_page(article), url="https://other.example.org/copy")
    assert first.doc_id == again.doc_id


def test_a_paywalled_page_keeps_only_what_it_shows() -> None:
    (article, *_) = seed_articles()
    document = document_from_html(news_page(article, paywall_after=3))
    assert document.text == "\n".join(article.paragraphs[:3])
    assert_no_boilerplate(document)


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></body></html>",
        f"<html><body><div class='cookie-banner'>{BOILERPLATE['cookies']}</div></body></html>",
        "",
        "not html at all \x00\x01",
    ],
    ids=["navigation only", "cookie wall", "empty", "binary"],
)
def test_a_page_without_an_article_is_refused(page: str) -> None:
    with pytest.raises(PageError, match="no article found"):
        document_from_html(page)


def test_html_files_are_ingested_and_a_bad_one_is_reported(tmp_path: Path) -> None:
    articles = seed_articles()
    for number, article in enumerate(articles):
        (tmp_path / f"page-{number}.html").write_text(news_page(article), encoding="utf-8")
    (tmp_path / "index.htm").write_text("<html><body><nav>Home</nav></body></html>")
    loaded = load_paths([tmp_path])
    assert sorted(d.title for d in loaded.documents) == sorted(a.title for a in articles)
    assert len(loaded.errors) == 1 and "index.htm: no article found" in loaded.errors[0]


def test_an_rss_feed_gives_its_entries_with_full_content_or_none() -> None:
    full, teaser = seed_articles()
    feed = rss_feed("Daily Planet: World", [(full, news_page(full)), (teaser, None)])
    entries = read_feed(feed.encode())
    assert [entry.title for entry in entries] == [full.title, teaser.title]
    assert entries[0].content_html and not entries[1].content_html
    assert entries[0].key == f"{full.url}#guid"
    assert entries[0].published == "2025-12-17"
    assert entries[0].feed_title == "Daily Planet: World"
    assert len({entry.doc_id for entry in entries}) == 2
    assert read_feed(feed.encode())[0].doc_id == entries[0].doc_id  # stable


def test_an_atom_feed_gives_its_entries_by_link() -> None:
    articles = seed_articles()
    entries = read_feed(atom_feed("Planet", articles).encode())
    assert [entry.link for entry in entries] == [article.url for article in articles]
    assert all(entry.key.startswith("tag:") and not entry.content_html for entry in entries)


def test_what_is_not_a_feed_is_refused() -> None:
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        read_feed(b"<html><body>hello</body></html>")


def test_an_article_body_named_for_subscribers_is_kept() -> None:
    (article, *_) = seed_articles()
    page = news_page(article).replace(
        '<div class="article-body">', '<div class="article-body paywall subscriber-only">'
    )
    assert document_from_html(page).text == "\n".join(article.paragraphs)


class RootRecords(logging.Handler):
    """What reaches the root logger's handlers, as an operator's log (pytest's caplog also
    listens on loggers that do not propagate, so it cannot tell)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def root_records() -> Iterator[RootRecords]:
    handler = RootRecords()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("junk", ["", "<", "<html><body></body></html>", b"\x00\xff\xfe<<<>>>"])
def test_junk_html_is_one_warning_of_the_services_own(
    junk: str | bytes, root_records: RootRecords
) -> None:
    with pytest.raises(PageError):
        document_from_html(junk, url="https://example.org/junk")
    said = [(record.name, record.levelname) for record in root_records.records]
    assert said in ([], [("qa.intake.web_pages", "WARNING")])
    assert all("https://example.org/junk" in record.getMessage() for record in root_records.records)


def test_the_libraries_log_as_before_outside_a_page(root_records: RootRecords) -> None:
    document_from_html(PAGE_OF_SEEDS)  # the page libraries' loggers are held from now on
    logging.getLogger("trafilatura.core").error("not while reading a page")
    assert [record.getMessage() for record in root_records.records] == ["not while reading a page"]

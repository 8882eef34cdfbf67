"""Fetching pages and feeds from a loopback web server the test runs: articles, feeds, and
every way a fetch goes wrong (404, a timeout, a 20 MB page, a redirect loop, a PDF, a page
with no article, a private address)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from eval.syndication import OUTLETS, syndicated_copy
from qa.copies import COPY_SIMILARITY
from qa.documents import Document
from qa.encoding.encoder import Encoder
from qa.intake.fetch import FetchError, fetch
from qa.intake.fetch_policy import FetchLimits
from qa.intake.sources import load_sources
from qa.intake.web_pages import doc_id_for_url
from qa.service import QAService
from qa.settings import Settings
from qa.storage import open_index
from tests.conftest import TOKEN
from tests.news_pages import BOILERPLATE, Article, atom_feed, news_page, rss_feed
from tests.servers import RunningServer, cli_command, environment_without_settings
from tests.test_pages import seed_articles

LIMITS = FetchLimits(timeout_seconds=1.0, max_bytes=2_000_000, allow_private=True)


@dataclass
class Site:
    """Pages by path: (status, headers, body), or a function for slow and huge ones."""

    base_url: str = ""
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append(self.path)
            served.user_agents.append(self.headers.get("User-Agent", ""))
            if self.path == "/slow":
                time.sleep(3)
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()  # no length: the limit must be kept while reading
                chunk = b"<p>" + b"x" * 65_536 + b"</p>"
                for _ in range(20 * 16):  # about 20 MB
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                return
            status, headers, body = served.pages.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


HTML = {"Content-Type": "text/html; charset=utf-8"}


def publish(site: Site) -> list[Article]:
    """The seed articles as pages on the site, an RSS feed with one full entry and one
    teaser, an Atom feed of summaries, and the failure cases."""
    articles = [
        Article(a.title, a.paragraphs, a.outlet, a.author, a.published, site.url(f"/news/{n}"))
        for n, a in enumerate(seed_articles())
    ]
    for number, article in enumerate(articles):
        site.pages[f"/news/{number}"] = (200, HTML, news_page(article).encode())
    full, teaser = articles
    rss = rss_feed("Daily Planet", [(full, news_page(full)), (teaser, None)])
    site.pages["/feed.rss"] = (200, {"Content-Type": "application/rss+xml"}, rss.encode())
    atom = atom_feed("Daily Planet", articles)
    site.pages["/feed.atom"] = (200, {"Content-Type": "application/atom+xml"}, atom.encode())
    site.pages["/moved"] = (301, {"Location": "/news/0"}, b"")
    site.pages["/loop-a"] = (302, {"Location": "/loop-b"}, b"")
    site.pages["/loop-b"] = (302, {"Location": "/loop-a"}, b"")
    site.pages["/report.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7")
    site.pages["/front"] = (200, HTML, b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    return articles


def test_an_article_url_gives_its_article_with_the_pages_metadata(site: Site) -> None:
    articles = publish(site)
    loaded = load_sources([site.url("/moved")], LIMITS)  # a redirect on the way
    assert loaded.errors == []
    (document,) = loaded.documents
    assert document.text == "\n".join(articles[0].paragraphs)
    assert document.url == articles[0].url and document.source == "Daily Planet"
    assert document.published == "2025-12-17"
    assert all(phrase not in document.text for phrase in BOILERPLATE.values())


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "the server answered 404"),
        ("/slow", "no answer within 1 s"),
        ("/huge", "over the limit of 2,000,000 bytes"),
        ("/loop-a", "a redirect loop"),
        ("/report.pdf", "application/pdf is not an article page or a feed"),
    ],
)
def test_each_failed_fetch_says_why(site: Site, path: str, message: str) -> None:
    publish(site)
    with pytest.raises(FetchError, match=message):
        fetch(site.url(path), LIMITS)
    loaded = load_sources([site.url(path)], LIMITS)
    assert loaded.documents == [] and message in loaded.errors[0]


def test_a_page_without_an_article_is_reported_with_its_url(site: Site) -> None:
    publish(site)
    loaded = load_sources([site.url("/front")], LIMITS)
    assert loaded.documents == []
    assert loaded.errors == [f"{site.url('/front')}: no article found (main text of 4 "
                             "characters, fewer than 200)"]  # fmt: skip


def test_redirects_are_capped(site: Site) -> None:
    publish(site)
    for hop in range(4):
        site.pages[f"/hop{hop}"] = (302, {"Location": f"/hop{hop + 1}"}, b"")
    site.pages["/hop4"] = site.pages["/news/0"]
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(site.url("/hop0"), FetchLimits(max_redirects=2, allow_private=True))
    assert fetch(site.url("/hop0"), FetchLimits(max_redirects=4, allow_private=True)).content


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/", "http://localhost/", "http://10.0.0.8/", "http://169.254.169.254/"],
)
def test_loopback_private_and_link_local_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(FetchError, match=r"non-public address.*QA_FETCH_ALLOW_PRIVATE"):
        fetch(url, FetchLimits())


def test_only_http_and_https_are_fetched() -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch("file:///etc/passwd", FetchLimits(allow_private=True))


def test_the_user_agent_names_the_project(site: Site) -> None:
    publish(site)
    fetch(site.url("/moved"), LIMITS)
    assert len(site.user_agents) == 2  # the redirect and its target
    assert all(agent.startswith("passage-qa/") for agent in site.user_agents)


def test_a_feed_ingested_twice_adds_only_what_is_new(
    site: Site, tmp_path: Path, encoder: Encoder
) -> None:
    articles = publish(site)
    settings = Settings(
        index_dir=tmp_path / "index",
        fetch_allow_private=True,
        fetch_timeout_seconds=5,
    )
    service = QAService(settings, encoder, open_index(settings, encoder.dimension))
    try:
        loaded, summary = service.add_sources([site.url("/feed.rss")])
        assert loaded.errors == [] and summary.added == 2
        # The full entry came from the feed; the teaser's article from its link.
        assert site.requests.count("/news/0") == 0 and site.requests.count("/news/1") == 1
        stored = {d.title: d for d, _ in service.index.list_documents(10, 0)}
        assert set(stored) == {article.title for article in articles}
        assert {d.source for d in stored.values()} == {"Daily Planet"}
        loaded, summary = service.add_sources([site.url("/feed.rss")])
        assert loaded.known_entries == 2 and summary.added == 0
        assert site.requests.count("/news/1") == 1  # not fetched again
        answer = service.ask("What does the Kremlin insist Ukraine drop?", 3)
        assert answer.passages[0].citation.source == "Daily Planet"
        assert answer.passages[0].citation.published == "2025-12-17"
    finally:
        service.close()


def test_syndicated_pages_in_a_feed_are_one_card_a_story_citing_each_outlet(
    site: Site, tmp_path: Path, encoder: Encoder
) -> None:
    originals = publish(site)
    # Three outlets run the first story (their own byline line, dateline, footer, a sentence
    # added or cut), each on its own page with its own boilerplate.
    copies = []
    for seed in range(3):
        wire = Document(
            doc_id="wire", title=originals[0].title, text="\n".join(originals[0].paragraphs)
        )
        copy = syndicated_copy(wire, OUTLETS[seed], seed)
        copies.append(
            Article(copy.title, copy.text.splitlines(), copy.source, "Wire Staff",
                    "2025-12-18", site.url(f"/syndicated/{seed}"))
        )  # fmt: skip
        site.pages[f"/syndicated/{seed}"] = (200, HTML, news_page(copies[-1]).encode())
    feed = rss_feed("Wire Watch", [(article, None) for article in [*originals, *copies]])
    site.pages["/all.rss"] = (200, {"Content-Type": "application/rss+xml"}, feed.encode())
    settings = Settings(index_dir=tmp_path / "index", fetch_allow_private=True)
    service = QAService(settings, encoder, open_index(settings, encoder.dimension))
    try:
        loaded, summary = service.add_sources([site.url("/all.rss")])
        assert loaded.errors == [] and summary.added == 5
        for document, _ in service.index.list_documents(10, 0):
            stored = service.index.get_document(document.doc_id)
            assert stored is not None
            assert [kind for kind, phrase in BOILERPLATE.items() if phrase in stored.text] == []
        ids = {d.url: d.doc_id for d, _ in service.index.list_documents(10, 0)}
        group = service.index.near_copies([ids[originals[0].url]], COPY_SIMILARITY)
        assert {doc_id for doc_id, _ in group[ids[originals[0].url]]} == {
            ids[copy.url] for copy in copies
        }
        answer = service.ask("What does the Kremlin insist Ukraine drop?", 5)
        texts = [passage.text for passage in answer.passages]
        assert len(texts) == len({text[:80] for text in texts})  # no passage shown twice
        first = answer.passages[0]
        cited = [first.citation, *first.also_in]
        outlets = sorted(citation.source for citation in cited)
        assert outlets == sorted(["Daily Planet", *OUTLETS[:3]])  # one card, four outlets
        for citation in cited:
            document = service.index.get_document(citation.doc_id)
            assert document is not None and citation.url == document.url
            assert citation.title == originals[0].title or citation.title.startswith(
                originals[0].title
            )
            assert citation.author in ("Jane Reporter", "Wire Staff")
            assert citation.published.startswith("2025-12-1")
    finally:
        service.close()


def test_an_atom_feed_of_summaries_fetches_each_article(site: Site) -> None:
    articles = publish(site)
    loaded = load_sources([site.url("/feed.atom")], LIMITS)
    assert loaded.errors == []
    assert [d.text for d in loaded.documents] == ["\n".join(a.paragraphs) for a in articles]
    # Each is known by its link, as the same page ingested from a file or a URL would be.
    assert [d.doc_id for d in loaded.documents] == [doc_id_for_url(d.url) for d in loaded.documents]


def test_qa_ingest_and_qa_watch_read_a_feed_url(site: Site, tmp_path: Path) -> None:
    publish(site)
    environment = {
        **environment_without_settings(),
        "QA_INDEX_DIR": str(tmp_path / "index"),
        "QA_FETCH_ALLOW_PRIVATE": "true",
    }

    def qa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli_command(*args), capture_output=True, text=True, env=environment, timeout=300
        )

    ingested = qa("ingest", site.url("/feed.rss"), site.url("/report.pdf"))
    assert ingested.returncode == 1  # the PDF is reported, the feed ingested
    assert "2 added" in ingested.stdout
    assert "application/pdf is not an article page or a feed" in ingested.stderr
    watched = qa("watch", site.url("/feed.rss"), "--every", "1s", "--rounds", "2")
    assert watched.returncode == 0, watched.stderr
    assert watched.stderr.count("0 new or changed, 2 feed entries already ingested") == 2


def test_qa_watch_can_write_through_a_running_servers_api(
    site: Site, server: RunningServer
) -> None:
    articles = publish(site)
    environment = {
        **environment_without_settings(),
        "QA_API_TOKEN": TOKEN,
        "QA_FETCH_ALLOW_PRIVATE": "true",
    }
    command = cli_command(
        "watch",
        site.url("/feed.atom"),
        "--server",
        server.base_url,
        "--rounds",
        "2",
        "--every",
        "1s",
    )
    watched = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        assert watched.returncode == 0, watched.stderr
        assert "watch: 2 new or changed, 0 feed entries already ingested" in watched.stderr
        assert "watch: 0 new or changed, 2 feed entries already ingested" in watched.stderr
        listed = httpx.get(f"{server.base_url}/documents?limit=100", timeout=30).json()
        titles = {d["title"] for d in listed["documents"] if d["doc_id"].startswith("url-")}
        assert titles == {article.title for article in articles}
    finally:
        for document in httpx.get(f"{server.base_url}/documents?limit=100").json()["documents"]:
            if document["doc_id"].startswith("url-"):
                httpx.delete(f"{server.base_url}/documents/{document['doc_id']}", headers=auth)


def test_the_api_fetches_a_page_for_a_client_only_from_allowed_hosts(
    site: Site, tmp_path: Path
) -> None:
    articles = publish(site)
    allowed = RunningServer(
        tmp_path / "index",
        None,
        TOKEN,
        tmp_path / "log",
        {"QA_FETCH_HOSTS": '["127.0.0.1"]', "QA_FETCH_ALLOW_PRIVATE": "true"},
    ).start()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        fetched = httpx.post(
            f"{allowed.base_url}/documents",
            json={"fetch": site.url("/moved")},
            headers=auth,
            timeout=120,
        )
        assert fetched.status_code == 201, fetched.text
        stored = httpx.get(f"{allowed.base_url}/documents/{fetched.json()['doc_id']}").json()
        assert stored["text"] == "\n".join(articles[0].paragraphs)
        assert stored["url"] == articles[0].url and stored["source"] == "Daily Planet"
        elsewhere = httpx.post(
            f"{allowed.base_url}/documents",
            json={"fetch": "http://localhost:9/article"},
            headers=auth,
            timeout=60,
        )
        assert elsewhere.status_code == 403
        assert "QA_FETCH_HOSTS" in elsewhere.json()["detail"]
        failed = httpx.post(
            f"{allowed.base_url}/documents",
            json={"fetch": site.url("/report.pdf")},
            headers=auth,
            timeout=60,
        )
        assert failed.status_code == 422 and "not an article page" in failed.json()["detail"]
    finally:
        allowed.stop()


def test_by_default_the_api_fetches_nothing(site: Site, server: RunningServer) -> None:
    publish(site)
    refused = httpx.post(
        f"{server.base_url}/documents",
        json={"fetch": site.url("/news/0")},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert refused.status_code == 403
    assert site.requests == []


@pytest.mark.parametrize("url", ["https://q[N5BK/", "http://[::1/news"])
def test_a_fetch_url_that_does_not_parse_is_refused(server: RunningServer, url: str) -> None:
    refused = httpx.post(
        f"{server.base_url}/documents",
        json={"fetch": url},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert refused.status_code == 422 and "not a URL" in refused.json()["detail"]

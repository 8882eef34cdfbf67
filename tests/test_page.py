"""The chat page and the article view, driven in Debian's Chromium by Playwright.

The server is the real one (real model, fixture articles). Only the error-state tests cut
the network between page and server, which the page cannot tell from a real outage.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import EXAMPLES, ROOT, TOKEN
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # The machine has no network beyond loopback: keep Chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
COST_SENTENCE = "The barrier will cost an estimated 84 million euros."


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: RunningServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(server.base_url + "/")
    yield opened
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


@contextmanager
def posted(server: RunningServer, document: dict) -> Iterator[None]:
    """The document stored for the length of the block, then deleted."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = httpx.post(f"{server.base_url}/documents", json=document, headers=auth, timeout=60)
    assert created.status_code in (200, 201), created.text
    try:
        yield
    finally:
        httpx.delete(f"{server.base_url}/documents/{document['doc_id']}", headers=auth, timeout=60)


def ask(page: Page, question: str) -> None:
    before = page.locator(".exchange").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator(".exchange")).to_have_count(before + 1)
    expect(page.locator(".pending")).to_have_count(0)


def test_asking_by_typing_and_enter_shows_the_answer_with_highlight_and_citation(
    page: Page, server: RunningServer
) -> None:
    ask(page, "How much will the tidal barrier cost?")
    first = page.locator(".card").first
    expect(first.locator("mark.answer")).to_have_text(COST_SENTENCE)
    expect(first.locator(".title")).to_contain_text("Port Elsby council approves tidal barrier")
    expect(first.locator(".byline")).to_contain_text("Fixture Gazette")
    original = first.locator("a.original-link")
    expect(original).to_have_attribute(
        "href", "https://example.org/fixtures/port-elsby-tidal-barrier"
    )
    expect(original).to_have_attribute("target", "_blank")
    read_link = first.locator("a.read-link").get_attribute("href", timeout=1000)
    assert read_link is not None and read_link.startswith("/read?doc=")
    # The input is cleared and keeps focus for the next question.
    expect(page.locator("#question")).to_have_value("")
    expect(page.locator("#question")).to_be_focused()
    expect(page.locator(".bubble.question").first).to_have_text(
        "You asked: How much will the tidal barrier cost?"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answered-page.png"), full_page=True)


def test_a_second_question_keeps_the_first_answer(page: Page) -> None:
    ask(page, "How much will the tidal barrier cost?")
    ask(page, "Why did the rail workers walk out?")
    exchanges = page.locator(".exchange")
    expect(exchanges).to_have_count(2)
    expect(exchanges.nth(0).locator("mark.answer").first).to_have_text(COST_SENTENCE)
    expect(exchanges.nth(1).locator(".card").first).to_contain_text("night shifts")


def test_shift_enter_makes_a_new_line_without_asking(page: Page) -> None:
    page.click("#question")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(page.locator("#question")).to_have_value("first line\nsecond line")
    expect(page.locator(".exchange")).to_have_count(0)


def test_an_unanswerable_question_says_so_and_keeps_the_closest_passages_collapsed(
    page: Page,
) -> None:
    ask(page, "Who won the World Cup?")
    answer = page.locator(".no-answer")
    expect(answer).to_contain_text("The articles do not seem to answer this question.")
    closest = answer.locator("details.closest")
    expect(closest).not_to_have_attribute("open", "")
    expect(closest.locator(".card").first).to_be_hidden()
    closest.locator("summary").click()
    expect(closest.locator(".card").first).to_be_visible()
    # Marked, but not with the fill of a real answer's sentence.
    weak = closest.locator("mark.answer").first.evaluate(
        "mark => getComputedStyle(mark).backgroundColor"
    )
    assert weak in ("rgba(0, 0, 0, 0)", "transparent")


def test_each_read_in_context_link_is_named_for_its_article(page: Page) -> None:
    ask(page, "Why did the rail workers walk out?")
    cards = page.locator(".card:visible")  # those behind "Show more" have no name yet
    assert cards.count() >= 2
    for number in range(cards.count()):
        card = cards.nth(number)
        title = card.locator(".title").inner_text()
        expect(card.locator("a.read-link")).to_have_accessible_name(f"Read “{title}” in context")
    titles = {cards.nth(n).locator(".title").inner_text() for n in range(cards.count())}
    assert len(titles) == 2  # both fixture articles, each link named for its own


def test_the_article_view_marks_the_cited_passage_and_scrolls_to_it(
    page: Page, server: RunningServer
) -> None:
    page.set_viewport_size({"width": 800, "height": 500})
    ask(page, "When will the trains run normally again?")
    card = page.locator(".card").first
    passage_text = card.locator("blockquote").inner_text()
    card.locator("a.read-link").click()
    cited = page.locator("mark#cited")
    expect(cited).to_be_visible()
    expect(cited).to_be_in_viewport()
    assert cited.inner_text() == passage_text
    expect(cited.locator("mark.answer")).to_contain_text("trains should run normally again")
    expect(page.locator("h1.article-title")).to_have_text(
        "Northern Line rail workers strike over night-shift staffing"
    )


def test_the_transcript_survives_a_reload_and_the_clear_control_empties_it(page: Page) -> None:
    ask(page, "How much will the tidal barrier cost?")
    page.reload()
    expect(page.locator(".exchange")).to_have_count(1)
    expect(page.locator("mark.answer").first).to_have_text(COST_SENTENCE)
    expect(page.locator("#welcome")).to_be_hidden()
    page.click("#clear")
    expect(page.locator(".exchange")).to_have_count(0)
    expect(page.locator("#welcome")).to_be_visible()
    page.reload()
    expect(page.locator(".exchange")).to_have_count(0)


def test_example_questions_are_offered_and_asked_by_keyboard(page: Page) -> None:
    buttons = page.locator("button.example")
    expect(buttons).to_have_text(EXAMPLES)
    buttons.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".exchange")).to_have_count(1)
    expect(page.locator("mark.answer").first).to_have_text(COST_SENTENCE)
    buttons_after = page.locator("#welcome")
    expect(buttons_after).to_be_hidden()


def test_an_empty_index_is_announced_on_the_welcome_page(browser: Browser, tmp_path: Path) -> None:
    empty = RunningServer(tmp_path / "index", tmp_path / "no-seeds", None, tmp_path / "log").start()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(empty.base_url + "/")
        expect(page.locator("#empty-index")).to_be_visible()
        expect(page.locator("#empty-index")).to_contain_text("No articles are in the index yet")
        context.close()
    finally:
        empty.stop()


def test_the_page_is_labelled_for_assistive_technology(page: Page) -> None:
    expect(page.locator("#empty-index")).to_be_hidden()
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.get_by_role("button", name="Ask")).to_be_visible()


def test_the_page_fits_a_phone(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    phone = context.new_page()
    phone.goto(server.base_url + "/")
    ask(phone, "How much will the tidal barrier cost?")
    ask(phone, "Who won the World Cup?")
    phone.locator("details.closest summary").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "answered-phone-dark.png"))
    phone.locator("a.read-link").first.click()
    expect(phone.locator("mark#cited")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_network_failure_is_explained_and_the_question_is_kept(page: Page) -> None:
    page.route("**/ask", lambda route: route.abort())
    page.fill("#question", "How much will the tidal barrier cost?")
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_contain_text("cannot be reached")
    expect(page.locator("#question")).to_have_value("How much will the tidal barrier cost?")
    expect(page.locator(".exchange")).to_have_count(0)
    expect(page.locator("#send")).to_be_enabled()


def test_a_failed_question_can_be_retried(page: Page) -> None:
    page.route("**/ask", lambda route: route.abort())
    page.fill("#question", "How much will the tidal barrier cost?")
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_contain_text("cannot be reached")
    page.unroute("**/ask")
    page.locator("#error button.retry").click()
    expect(page.locator("mark.answer").first).to_have_text(COST_SENTENCE)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#question")).to_have_value("")


def test_a_question_that_hangs_says_so_and_can_be_cancelled(page: Page) -> None:
    page.clock.install()
    page.route("**/ask", lambda route: None)  # never answered
    page.fill("#question", "How much will the tidal barrier cost?")
    page.press("#question", "Enter")
    expect(page.locator(".pending")).to_contain_text("Searching")
    page.clock.run_for(16_000)
    pending = page.locator(".pending")
    expect(pending).to_contain_text("Still searching")
    pending.locator("button.cancel").click()
    expect(page.locator(".pending")).to_have_count(0)
    expect(page.locator("#error")).to_contain_text("Cancelled")
    expect(page.locator("#question")).to_have_value("How much will the tidal barrier cost?")
    expect(page.locator("#send")).to_be_enabled()


def test_an_example_never_erases_what_was_typed(page: Page) -> None:
    page.fill("#question", "my half-written question")
    page.locator("button.example").first.click()
    expect(page.locator("mark.answer").first).to_have_text(COST_SENTENCE)
    expect(page.locator("#question")).to_have_value("my half-written question")


def test_a_question_over_the_limit_is_refused_with_a_message_not_cut(page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/ask" in request.url else None)
    page.fill("#question", "x" * 950)
    expect(page.locator("#counter")).to_have_text("950 / 1,000")
    page.fill("#question", "y" * 1_100)  # as a paste would
    expect(page.locator("#question")).to_have_value("y" * 1_100)
    expect(page.locator("#counter")).to_have_class(re.compile("over"))
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_contain_text("limited to 1,000 characters")
    expect(page.locator("#error")).to_contain_text("1,100")
    assert asked == []
    page.fill("#question", "short")
    expect(page.locator("#counter")).to_be_hidden()


@pytest.mark.parametrize(
    ("status", "detail", "shown"),
    [
        (422, "question: must be at most 1000 characters", "must be at most 1000 characters"),
        (503, "not ready: the index is loading", "starting up"),
    ],
)
def test_server_errors_show_the_server_message_and_keep_the_question(
    page: Page, status: int, detail: str, shown: str
) -> None:
    page.route(
        "**/ask",
        lambda route: route.fulfill(status=status, json={"detail": detail}),
    )
    page.fill("#question", "A question that fails")
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_contain_text(shown)
    expect(page.locator("#question")).to_have_value("A question that fails")


def test_hostile_article_content_is_shown_as_inert_text(page: Page, server: RunningServer) -> None:
    hostile = {
        "doc_id": "hostile-1",
        "title": "<script>window.__pwned = 'title'</script>Quokka census",
        "source": "<img src=x onerror=\"window.__pwned = 'source'\">",
        "url": "javascript:window.__pwned = 'url'",
        "published": "2024-07-01",
        "text": "The quokka census counted 12,000 quokkas on the island. "
        "<script>window.__pwned = 'text'</script> "
        "<img src=x onerror=\"window.__pwned = 'img'\"> was written in the report.",
    }
    with posted(server, hostile):
        ask(page, "How many quokkas did the census count?")
        card = page.locator(".card").first
        expect(card.locator(".title")).to_contain_text("<script>window.__pwned = 'title'</script>")
        expect(card.locator(".byline")).to_contain_text("<img src=x onerror=")
        expect(card.locator("blockquote")).to_contain_text(
            "<script>window.__pwned = 'text'</script>"
        )
        expect(card.locator("a.original-link")).to_have_count(0)
        assert page.locator("#messages img, #messages script").count() == 0
        card.locator("a.read-link").click()
        expect(page.locator("mark#cited")).to_be_visible()
        expect(page.locator("h1.article-title")).to_contain_text("<script>")
        assert page.locator("#article img, #article script").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        assert page.evaluate("window.__pwned") is None


def test_an_article_without_source_date_or_link_shows_no_empty_fields(
    page: Page, server: RunningServer
) -> None:
    # As the seed articles are: a title and a text, nothing else the text supports.
    bare = {
        "doc_id": "bare-1",
        "title": "Lighthouse keeper retires",
        "text": "The last keeper of the Skarholm lighthouse retired on Friday after 41 years.",
    }
    with posted(server, bare):
        ask(page, "How long did the Skarholm lighthouse keeper work?")
        card = page.locator(".card").first
        expect(card.locator(".title")).to_contain_text("Lighthouse keeper retires")
        expect(card.locator("a.original-link")).to_have_count(0)
        shown = card.inner_text()
        assert "null" not in shown and "undefined" not in shown, shown
        assert " · ·" not in shown and not shown.strip().endswith("·"), shown
        card.locator("a.read-link").click()
        expect(page.locator("mark#cited")).to_be_visible()
        article = page.locator("#article").inner_text()
        assert "null" not in article and "undefined" not in article, article
        expect(page.locator("#article .byline")).to_have_count(0)
        expect(page.locator("#article .links")).to_have_count(0)


def test_the_pages_are_sent_with_a_strict_content_security_policy(server: RunningServer) -> None:
    for path in ("/", "/read?doc=x"):
        response = httpx.get(server.base_url + path, timeout=30)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
    html = httpx.get(server.base_url + "/", timeout=30).text
    assert "<script>" not in html and "http://" not in html and "https://" not in html


def test_no_asset_of_the_page_comes_from_outside() -> None:
    for path in (ROOT / "api" / "static").iterdir():
        content = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "://" not in content, f"{path.name} names an outside address"


def test_the_api_docs_render_offline(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context()
    docs = context.new_page()
    outside: list[str] = []
    docs.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(server.base_url) else None
        ),
    )
    docs.goto(server.base_url + "/docs")
    expect(docs.locator(".opblock").first).to_be_visible()
    expect(docs.locator(".opblock-summary-path", has_text="/ask").first).to_be_visible()
    assert outside == []
    context.close()

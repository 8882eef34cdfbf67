"""The chat page and the article view, driven in Debian's Chromium by Playwright.

The server is the real one (real model, fixture articles). Only the error-state tests cut
the network between page and server, which the page cannot tell from a real outage.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from qa.copies import copy_groups
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
# The README's pictures of the page: `make screenshots` points this at docs/screenshots;
# a plain run writes them to a temporary directory, so the tree stays as it was.
SCREENSHOTS_DIR = "QA_TEST_SCREENSHOTS"
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
    expect(first.locator(".outlet")).to_have_text("Fixture Gazette")
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
    expect(
        page.get_by_role("heading", name="You asked: How much will the tidal barrier cost?")
    ).to_be_visible()


def test_a_card_opens_with_the_marked_sentence_and_expands_in_place(
    page: Page, server: RunningServer
) -> None:
    question = "When will the trains run normally again?"
    ask(page, question)
    card = page.locator(".card").first
    quote = card.locator("blockquote")
    answer = httpx.post(f"{server.base_url}/ask", json={"question": question}, timeout=30).json()
    best = answer["passages"][0]
    text, context = best["text"], best["context"]
    # Folded: the marked sentence with one sentence either side, "…" where the passage goes on.
    shown = shown_text(quote)
    excerpt = text[context["start"] : context["end"]]
    assert shown.strip(" …") == excerpt
    assert len(shown) < len(text)
    # The marked sentence sits at the top of the card: after the source line, no more than
    # the one sentence before it (at most two lines here).
    mark_top = card.locator("mark.answer").bounding_box()
    quote_top = quote.bounding_box()
    card_top = card.bounding_box()
    assert mark_top is not None and quote_top is not None and card_top is not None
    line_height = quote.evaluate("q => parseFloat(getComputedStyle(q).lineHeight)")
    assert mark_top["y"] - quote_top["y"] < 2.5 * line_height
    toggle = card.get_by_role("button", name="Show the whole passage")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(card.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")
    assert shown_text(quote) == text
    expect(card.locator("mark.answer")).to_have_count(1)
    # In place: the same card, at the same place on the page.
    expanded_top = card.bounding_box()
    assert expanded_top is not None and abs(expanded_top["y"] - card_top["y"]) < 2
    card.get_by_role("button", name="Show less").click()
    assert shown_text(quote) == shown


def test_the_source_line_is_one_line_with_the_whole_title_on_hover(
    browser: Browser, server: RunningServer
) -> None:
    long_title = (
        "Skarholm lighthouse keeper retires after forty-one years of nights on the rock, "
        "and the island council votes to keep the light burning"
    )
    article = {
        "doc_id": "long-title-1",
        "title": long_title,
        "source": "Fixture Courier",
        "url": "https://www.courier.example.org/lighthouse",
        "published": "2024-06-07",
        "metadata": {"author": ["Maria Fernanda Oliveira-Santos", "Jonathan Q. Whitfield"]},
        "text": "The last keeper of the Skarholm lighthouse retired on Friday after 41 years.",
    }
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(server.base_url + "/")
    with posted(server, article):
        ask(phone, "How long did the Skarholm lighthouse keeper work?")
        line = phone.locator(".card .source-line").first
        expect(line.locator(".rank")).to_contain_text("1")
        expect(line.locator(".outlet")).to_have_text("Fixture Courier")
        expect(line.locator(".date")).not_to_be_empty()
        expect(line.locator(".author")).to_have_attribute(
            "title", "Maria Fernanda Oliveira-Santos, Jonathan Q. Whitfield"
        )
        title = line.locator(".title")
        expect(title).to_have_attribute("title", long_title)
        expect(title).to_have_text(long_title)  # whole, for screen readers
        height, line_height = title.evaluate(
            "t => [t.getBoundingClientRect().height, parseFloat(getComputedStyle(t).lineHeight)]"
        )
        assert height < 1.5 * line_height  # one line
        assert title.evaluate("t => t.scrollWidth > t.clientWidth")  # cut with an ellipsis
        assert title.evaluate("t => getComputedStyle(t).textOverflow") == "ellipsis"
    context.close()


def test_without_a_source_the_source_line_names_the_links_domain(
    page: Page, server: RunningServer
) -> None:
    article = {
        "doc_id": "domain-only-1",
        "title": "Ferry timetable changes",
        "url": "https://www.harbour-news.example.org/ferries",
        "text": "The Skarholm ferry will sail twice a day from June, the harbour office said.",
    }
    with posted(server, article):
        ask(page, "How often will the Skarholm ferry sail?")
        line = page.locator(".card .source-line").first
        expect(line.locator(".outlet")).to_have_text("harbour-news.example.org")
        expect(line.locator(".date")).to_have_count(0)
        expect(line.locator(".separator")).to_have_count(1)  # outlet · title


def barrier_article(server: RunningServer) -> dict:
    """The fixture article on the tidal barrier, as stored."""
    listed = httpx.get(f"{server.base_url}/documents", timeout=30).json()["documents"]
    (barrier,) = [d for d in listed if "barrier" in d["title"].lower()]
    return httpx.get(f"{server.base_url}/documents/{barrier['doc_id']}", timeout=30).json()


def run_by(article: dict, outlet: str, doc_id: str) -> dict:
    """The article as another outlet runs it: its own byline line and footer."""
    return {
        "doc_id": doc_id,
        "title": article["title"],
        "source": outlet,
        "text": f"By {outlet} staff\n{article['text']}\nCopyright {outlet}.",
    }


def test_a_syndicated_copy_is_folded_into_the_card_and_can_be_read(
    page: Page, server: RunningServer
) -> None:
    with posted(server, run_by(barrier_article(server), "Coast Times", "barrier-copy-1")):
        ask(page, "How much will the tidal barrier cost?")
        first = page.locator(".card").first
        also = first.locator(".also-in")
        expect(also).to_have_text(re.compile(r"^Also in: (Coast Times|Fixture Gazette)$"))
        answer = httpx.post(
            f"{server.base_url}/ask", json={"question": "How much will the tidal barrier cost?"}
        ).json()
        groups = copy_groups([passage["text"] for passage in answer["passages"]])
        assert all(len(group) == 1 for group in groups)  # no two cards are copies
        also.locator("a").click()
        expect(page.locator("section#cited")).to_be_visible()
        expect(page.locator("#cited mark.cited-text").first).to_be_visible()


def test_a_story_that_ran_in_many_outlets_names_three_and_folds_the_rest(
    page: Page, server: RunningServer
) -> None:
    article = barrier_article(server)
    outlets = [f"Outlet {letter}" for letter in "ABCDEF"]
    with ExitStack() as stack:
        for outlet in outlets:
            stack.enter_context(posted(server, run_by(article, outlet, f"barrier-{outlet[-1]}")))
        ask(page, "How much will the tidal barrier cost?")
        also = page.locator(".card").first.locator(".also-in")
        expect(also.locator("a:visible")).to_have_count(3)
        assert axe_violations(page) == []
        more = also.get_by_role("button", name="and 3 more")
        more.click()
        expect(also.locator("a:visible")).to_have_count(6)
        expect(more).to_have_count(0)
        expect(also.locator("a").nth(3)).to_be_focused()
        named = {also.locator("a").nth(n).inner_text() for n in range(6)}
        assert len(named) == 6 and named <= {*outlets, "Fixture Gazette"}
        assert axe_violations(page) == []


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


def shown_text(locator: Locator) -> str:
    """The text on screen, without what is said only to screen readers."""
    return locator.evaluate(
        """node => {
            const copy = node.cloneNode(true);
            copy.querySelectorAll('.visually-hidden').forEach(hidden => hidden.remove());
            return copy.textContent;
        }"""
    )


def whole_passage(page: Page, card: Locator) -> str:
    """The card's passage as the server sent it, read from the expanded card."""
    card.get_by_role("button", name="Show the whole passage").click()
    return shown_text(card.locator("blockquote"))


def cited_paragraphs(page: Page) -> list[str]:
    """The cited passage as the article view shows it: the cited text of each paragraph."""
    return page.locator("#cited p:not(.cited-label)").evaluate_all(
        "ps => ps.map(p => [...p.querySelectorAll('mark')].map(m => m.textContent).join(''))"
    )


def test_the_article_view_marks_the_cited_passage_and_scrolls_to_it(
    page: Page, server: RunningServer
) -> None:
    page.set_viewport_size({"width": 800, "height": 500})
    ask(page, "When will the trains run normally again?")
    card = page.locator(".card").first
    passage_text = whole_passage(page, card)
    card.locator("a.read-link").click()
    cited = page.locator("section#cited")
    expect(cited).to_be_in_viewport()
    expect(cited).to_be_focused()
    expect(cited.locator(".cited-label")).to_have_text("Cited passage")
    expect(cited).to_have_accessible_name("Cited passage")
    # Every paragraph of the passage, tinted exactly: nothing more, nothing less.
    assert cited_paragraphs(page) == [p.strip() for p in passage_text.split("\n") if p.strip()]
    expect(cited.locator("mark.answer")).to_contain_text("trains should run normally again")
    expect(page.locator("h1.article-title")).to_have_text(
        "Northern Line rail workers strike over night-shift staffing"
    )


def test_the_article_view_keeps_its_title_in_view_and_spaces_its_paragraphs(
    page: Page,
) -> None:
    page.set_viewport_size({"width": 800, "height": 500})
    ask(page, "When will the trains run normally again?")
    page.locator(".card a.read-link").first.click()
    expect(page.locator("section#cited")).to_be_in_viewport()
    title = "Northern Line rail workers strike over night-shift staffing"
    # Opened at the cited passage, mid-article: the h1 is scrolled away, the bar is not.
    expect(page.locator("h1.article-title")).not_to_be_in_viewport()
    expect(page.locator("#bar-title")).to_have_text(title)
    expect(page.locator("#bar-title")).to_be_in_viewport()
    page.mouse.wheel(0, 5000)
    expect(page.locator("#bar-title")).to_be_in_viewport()
    paragraphs = page.locator(".article-text p:not(.cited-label)")
    assert paragraphs.count() >= 5
    gap = paragraphs.first.evaluate("p => parseFloat(getComputedStyle(p).marginBottom)")
    assert gap >= 10


def luminance(css_colour: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_cited_passage_has_a_bar_that_stands_out_in_both_themes(
    browser: Browser, server: RunningServer, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    reader = context.new_page()
    reader.goto(server.base_url + "/")
    ask(reader, "When will the trains run normally again?")
    reader.locator(".card a.read-link").first.click()
    cited = reader.locator("section#cited")
    expect(cited).to_be_visible()
    bar_width, bar, page_colour = cited.evaluate(
        """section => [parseFloat(getComputedStyle(section).borderLeftWidth),
                       getComputedStyle(section).borderLeftColor,
                       getComputedStyle(document.body).backgroundColor]"""
    )
    assert bar_width >= 3
    assert contrast(bar, page_colour) >= 3, (bar, page_colour)
    context.close()


def test_the_way_back_returns_to_the_card_that_was_left(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 700})
    ask(page, "When will the trains run normally again?")
    ask(page, "How much will the tidal barrier cost?")
    ask(page, "Why did the rail workers walk out?")
    # The second card of the first answer, far above the last answer.
    left = page.locator(".exchange").first.locator(".card").nth(1)
    left_id = left.get_attribute("id")
    left.locator("a.read-link").click()
    expect(page.locator("section#cited")).to_be_visible()
    page.get_by_role("link", name="← Questions").click()
    expect(page).to_have_url(re.compile(f"/#card={left_id}$"))
    card = page.locator(f"#{left_id}")
    expect(card).to_be_in_viewport()
    expect(card.locator("a.read-link")).to_be_focused()
    expect(page.locator(".exchange")).to_have_count(3)


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
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.get_by_role("button", name="Ask")).to_be_visible()


def test_a_new_answer_is_announced_as_a_short_summary(page: Page) -> None:
    # The transcript itself is not a live region: it would read every passage out.
    expect(page.locator("#messages")).not_to_have_attribute("aria-live", re.compile(".*"))
    ask(page, "How much will the tidal barrier cost?")
    count = page.locator(".exchange .card").count()
    expect(page.get_by_role("status")).to_have_text(
        f"{count} passages; best: {COST_SENTENCE} — Fixture Gazette"
    )
    ask(page, "Who won the World Cup?")
    expect(page.get_by_role("status")).to_contain_text(
        "The articles do not seem to answer this question"
    )


def test_each_exchange_has_a_heading_and_the_mark_is_more_than_colour(page: Page) -> None:
    ask(page, "How much will the tidal barrier cost?")
    ask(page, "Why did the rail workers walk out?")
    headings = page.locator(".exchange").get_by_role("heading", level=2)
    expect(headings).to_have_text(
        [
            "You asked: How much will the tidal barrier cost?",
            "You asked: Why did the rail workers walk out?",
        ]
    )
    mark = page.locator(".card mark.answer").first
    weight = mark.evaluate("m => Number(getComputedStyle(m).fontWeight)")
    assert weight >= 600  # bold as well as tinted
    # And said in words before it, for a screen reader.
    said = mark.evaluate("m => m.previousElementSibling.textContent")
    assert said == "Answer: "


def test_the_page_fits_a_phone(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    phone = context.new_page()
    phone.goto(server.base_url + "/")
    ask(phone, "How much will the tidal barrier cost?")
    ask(phone, "Who won the World Cup?")
    phone.locator("details.closest summary").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("a.read-link").first.click()
    expect(phone.locator("section#cited")).to_be_visible()
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


def test_a_stopped_server_is_explained_and_the_question_kept(
    browser: Browser, tmp_path: Path
) -> None:
    served = RunningServer(tmp_path / "index", tmp_path / "no-seeds", None, tmp_path / "log")
    served.start()
    context = browser.new_context()
    page = context.new_page()
    page.goto(served.base_url + "/")
    expect(page.locator("#question")).to_be_focused()
    served.stop()
    page.fill("#question", "Is anyone there?")
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_contain_text("cannot be reached")
    expect(page.locator("#error button.retry")).to_be_visible()
    expect(page.locator("#question")).to_have_value("Is anyone there?")
    expect(page.locator("#send")).to_be_enabled()
    context.close()


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
        expect(card.locator(".outlet")).to_contain_text("<img src=x onerror=")
        expect(card.locator("blockquote")).to_contain_text(
            "<script>window.__pwned = 'text'</script>"
        )
        expect(card.locator("a.original-link")).to_have_count(0)
        assert page.locator("#messages img, #messages script").count() == 0
        card.locator("a.read-link").click()
        expect(page.locator("section#cited")).to_be_visible()
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
        expect(page.locator("section#cited")).to_be_visible()
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


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now (injected by the test, not served)."""
    results = Axe().run(page)
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_an_answer_a_no_answer_and_an_article(
    browser: Browser, server: RunningServer, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    chat = context.new_page()
    chat.goto(server.base_url + "/")
    assert axe_violations(chat) == []
    ask(chat, "How much will the tidal barrier cost?")
    chat.locator(".card").first.get_by_role("button", name="Show the whole passage").click()
    ask(chat, "Who won the World Cup?")
    chat.locator("details.closest summary").click()
    assert axe_violations(chat) == []
    chat.locator(".card a.read-link").first.click()
    expect(chat.locator("section#cited")).to_be_visible()
    assert axe_violations(chat) == []
    context.close()


def test_keyboard_alone_asks_expands_reads_and_comes_back(page: Page) -> None:
    def tab_to(name: str, *, backwards: bool = False) -> None:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(40):
            page.keyboard.press(key)
            focused = page.evaluate(
                "(document.activeElement.getAttribute('aria-label') || "
                "document.activeElement.textContent || '').trim()"
            )
            if focused == name:
                return
        raise AssertionError(f"{name!r} cannot be reached by {key}")

    page.keyboard.type("When will the trains run normally again?")
    page.keyboard.press("Enter")
    expect(page.locator(".card")).not_to_have_count(0)
    expect(page.locator("#question")).to_be_focused()
    tab_to("Show the whole passage", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator(".card [aria-expanded='true']")).to_have_count(1)
    title = page.locator(".card .title").first.inner_text()
    tab_to(f"Read “{title}” in context")
    page.keyboard.press("Enter")
    expect(page.locator("section#cited")).to_be_focused()
    tab_to("← Questions", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("a.read-link:focus")).to_have_accessible_name(f"Read “{title}” in context")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_seed_articles_are_written_for_the_readme(
    browser: Browser, seed_server: RunningServer, width: int, scheme: str, tmp_path: Path
) -> None:
    screenshots = Path(os.environ.get(SCREENSHOTS_DIR) or tmp_path)
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 844},
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    chat = context.new_page()
    chat.goto(seed_server.base_url + "/")
    ask(chat, "What does Russia demand on NATO?")
    expect(chat.locator(".card").first).to_contain_text("NATO")
    ask(chat, "What is a good recipe for banana bread?")
    expect(chat.locator(".no-answer")).to_be_visible()
    chat.locator(".exchange").first.scroll_into_view_if_needed()
    chat.evaluate("document.querySelector('.exchange').scrollIntoView({block: 'start'})")
    assert chat.evaluate("document.documentElement.scrollWidth") <= width
    screenshots.mkdir(parents=True, exist_ok=True)
    answer_png = screenshots / f"answer-{width}-{scheme}.png"
    chat.screenshot(path=str(answer_png), animations="disabled")
    chat.locator(".card a.read-link").first.click()
    expect(chat.locator("section#cited")).to_be_in_viewport()
    assert chat.evaluate("document.documentElement.scrollWidth") <= width
    article_png = screenshots / f"article-{width}-{scheme}.png"
    chat.screenshot(path=str(article_png), animations="disabled")
    context.close()
    for png in (answer_png, article_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png.read_bytes()[16:20], "big") == width  # IHDR width


def test_the_article_view_names_the_author_a_page_gave(page: Page, server: RunningServer) -> None:
    article = {
        "doc_id": "authored-1",
        "title": "Harbour dredging begins",
        "source": "Harbour News",
        "published": "2025-03-02",
        "metadata": {"author": "Ana Silva"},
        "text": "Dredging of the Skarholm harbour began on Monday and will take six weeks.",
    }
    with posted(server, article):
        ask(page, "When did the Skarholm harbour dredging begin?")
        expect(page.locator(".card .source-line .author").first).to_have_text("Ana Silva")
        page.locator(".card a.read-link").first.click()
        expect(page.locator("#article .byline")).to_contain_text("By Ana Silva · Harbour News")


# -- time: the as-of day, the period chip, the order toggle, the days quotes mean --------

STORY = ROOT / "eval" / "sets" / "calder-strike" / "articles"


@pytest.fixture(scope="session")
def story_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real server over a story told in dated articles."""
    directory = tmp_path_factory.mktemp("story-server")
    running = RunningServer(directory / "index", STORY, None, directory / "server.log").start()
    yield running
    running.stop()


@pytest.fixture
def story_page(browser: Browser, story_server: RunningServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(story_server.base_url + "/")
    yield opened
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def ask_as_of(page: Page, day: str, question: str) -> None:
    page.fill("#as-of", day)
    ask(page, question)


def test_the_period_shows_as_a_chip_that_asks_again_without_it(story_page: Page) -> None:
    ask_as_of(story_page, "2025-11-07", "What did the court decide on Wednesday?")
    chip = story_page.locator(".period-chip")
    expect(chip).to_contain_text("On Wednesday · ")
    expect(chip).to_contain_text("2025")
    cards = story_page.locator(".card")
    expect(cards.first.locator(".date")).not_to_have_text("")
    expect(cards.first.locator("mark.answer")).to_contain_text("agency workers")
    # The articles of other days follow, each said to be outside the period.
    expect(story_page.locator(".card .outside-period").first).to_be_visible()
    story_page.get_by_role("button", name="Ask again without “on Wednesday”").click()
    expect(story_page.locator(".period-chip")).to_have_count(0)
    expect(story_page.locator(".outside-period")).to_have_count(0)
    # The answer is replaced in place, not added.
    expect(story_page.locator(".exchange")).to_have_count(1)


def test_the_order_toggle_lists_the_cards_oldest_first(story_page: Page) -> None:
    ask_as_of(story_page, "2025-12-20", "How many ships are waiting outside the Port of Calder?")
    toggle = story_page.get_by_role("button", name="Oldest first")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(story_page.get_by_role("button", name="Oldest first")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(story_page.get_by_role("button", name="Oldest first")).to_be_focused()
    story_page.locator("details.more summary").click()
    answer = httpx.post(
        story_page.url.rstrip("/") + "/ask",
        json={
            "question": "How many ships are waiting outside the Port of Calder?",
            "as_of": "2025-12-20",
            "order": "date",
        },
        timeout=60,
    ).json()
    dates = [hit["citation"]["published"] for hit in answer["passages"]]
    assert dates == sorted(dates)
    shown = story_page.locator(".card .title").all_inner_texts()
    assert shown == [hit["citation"]["title"] for hit in answer["passages"]]


def test_a_quoted_weekday_shows_the_day_it_means(story_page: Page) -> None:
    ask_as_of(story_page, "2025-12-20", "Why did Harald Lind resign as mediator?")
    first = story_page.locator(".card").first
    meant = first.locator("mark.answer .date-meant")
    expect(meant).to_have_attribute("data-meant", "Oct 24, 2025")
    # Shown after the words it explains, and not part of the quote's text.
    drawn = meant.evaluate("node => getComputedStyle(node, '::after').content")
    assert drawn == '" (" attr(data-meant) ")"' or "Oct 24, 2025" in drawn
    expect(first.locator("mark.answer")).to_contain_text("on Friday, citing a breakdown")
    assert meant.evaluate("node => node.previousSibling.textContent.endsWith('on Friday')")

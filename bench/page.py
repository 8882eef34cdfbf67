"""The chat page's weight and its Enter-to-painted time, measured in Debian's Chromium.

    python -m bench.page --index DIR --questions SET.jsonl [--json F]

The real server serves the index on a loopback port; the page is opened in headless
Chromium (driven by Playwright) and asked each question as a user asks it: typed, then
Enter. Enter-to-painted runs from the Enter key's event to the first frame painted after
the answer's card is in the page (a ``requestAnimationFrame`` and then a task, which runs
after that frame's paint). The ``/ask`` request's own time, from the browser's resource
timing, is reported beside it, so the page's share is the difference. Weight is the bytes
of every response the chat page and the article view load, as served (no compression).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.served import ServedIndex
from bench.speed import latency_summary, unique_questions
from eval.report import measurement_json

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"]
# The page is reloaded (and its transcript cleared) every so many questions, as a long
# transcript is not what a first answer meets.
QUESTIONS_PER_PAGE = 10

# Installed in the page before each question: times Enter to the frame after the answer.
_TIMER = """
() => { window.__painted = new Promise((resolve) => {
  const messages = document.getElementById("messages");
  let pressed = null;
  window.addEventListener("keydown", (event) => {
    if (event.key === "Enter") pressed = performance.now();
  }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (!messages.querySelector(".exchange:not(#pending):last-child .card, " +
                                ".exchange:not(#pending):last-child .no-answer")) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => {
      const asks = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/ask"));
      resolve({ painted_ms: performance.now() - pressed,
                fetch_ms: asks.length ? asks[asks.length - 1].duration : null });
    }));
  });
  observer.observe(messages, { childList: true, subtree: true });
}); }
"""


def _weight(context: Any, url: str) -> dict[str, Any]:
    """Bytes of every response a fresh load of ``url`` gets, by path."""
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="networkidle")
    files = {
        response.url.split("/", 3)[-1].split("?")[0] or "(page)": len(response.body())
        for response in responses
    }
    page.close()
    return {"bytes": sum(files.values()), "requests": len(files), "files": files}


def measure_page(index_dir: Path, questions: list[str], log: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    environment = {k: v for k, v in os.environ.items() if k != "QA_SEEDS_DIR"}
    server = ServedIndex(index_dir, log, environment=environment).start()
    try:
        server.wait_ready()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            chat_weight = _weight(context, server.base_url + "/")
            painted: list[float] = []
            fetched: list[float] = []
            page = context.new_page()
            first_card_link = None
            for number, question in enumerate(tqdm(questions, desc="page questions", unit="q")):
                if number % QUESTIONS_PER_PAGE == 0:
                    page.goto(server.base_url + "/")
                    page.evaluate("sessionStorage.clear()")
                    page.reload(wait_until="networkidle")
                page.fill("#question", question)
                page.evaluate(_TIMER)
                page.press("#question", "Enter")
                result = page.evaluate("window.__painted")
                painted.append(result["painted_ms"])
                if result["fetch_ms"] is not None:
                    fetched.append(result["fetch_ms"])
                if first_card_link is None:
                    first_card_link = page.locator(".card a.read-link").first.get_attribute("href")
            article_weight = (
                _weight(browser.new_context(), server.base_url + first_card_link)
                if first_card_link
                else None
            )
            browser.close()
    finally:
        server.stop()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, Chromium headless",
        "questions": len(painted),
        "enter_to_painted": latency_summary(painted),
        "ask_fetch_p50_ms": round(statistics.median(fetched), 1) if fetched else None,
        "chat_page": chat_weight,
        "article_view": article_weight,
    }


def markdown(result: dict[str, Any]) -> str:
    chat, article = result["chat_page"], result["article_view"]
    timing = result["enter_to_painted"]
    rows = [
        (f"Enter to the answer painted, p50 / p95 (ms), {result['questions']} questions",
         f"{timing['p50_ms']} / {timing['p95_ms']}"),
        ("of which the `/ask` request, p50 (ms)", f"{result['ask_fetch_p50_ms']}"),
        ("chat page weight, all files (bytes, requests)",
         f"{chat['bytes']:,} ({chat['requests']})"),
    ]  # fmt: skip
    if article:
        rows.append(
            ("article view, a fresh load with the article (bytes, requests)",
             f"{article['bytes']:,} ({article['requests']})")
        )  # fmt: skip
    lines = [
        f"**page bench, {result['date']}, {result['machine']}**",
        "",
        "| measure | value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__)
    parser.add_argument("--index", type=Path, required=True, help="index to serve")
    parser.add_argument("--questions", type=Path, required=True, help="question set (JSONL)")
    parser.add_argument("--count", type=int, default=40, help="unique questions asked")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium): page bench skipped")
    with tempfile.TemporaryDirectory() as scratch:
        result = measure_page(
            args.index, unique_questions(args.questions, args.count), Path(scratch) / "log"
        )
    measurement_json(result, args.json)
    print(markdown(result))


if __name__ == "__main__":
    main()

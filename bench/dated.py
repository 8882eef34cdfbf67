"""What time costs a question: the part of answering that reads and ranks by time, in
process, over the dated strike story (``eval/sets/calder-strike``).

Each question is encoded once, then retrieved with time (``qa.dated_retrieval``: as_of,
the period, recency) and without it (the plain ``Retriever``), in turns, many times; the
added cost is the median of the paired differences. Reading the period from the words and
resolving the dates the highlighted sentences mean are timed apart. Three kinds of
question: as of now (recency only), as of a past day (the as_of filter too), and naming a
period.

    python -m bench.dated [--articles DIR] [--questions F] [--json F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.report import measurement_json
from eval.sets import load_set
from qa.dated_retrieval import retrieve_dated
from qa.questions import make_question
from qa.service import QAService
from qa.settings import Settings
from qa.time_phrases import dates_meant, question_period

ROUNDS = 30
K = 5


def _median_us(run: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def measure(articles: Path, questions_file: Path, rounds: int = ROUNDS) -> dict[str, Any]:
    asked = load_set(questions_file).questions
    with tempfile.TemporaryDirectory(prefix="qa-time-bench-") as scratch:
        settings = Settings(index_dir=Path(scratch) / "index")
        service = QAService.open(settings)
        try:
            service.add_files([articles])
            kinds: dict[str, list[Any]] = {"as of now": [], "as of a past day": [], "a period": []}
            for item in asked:
                past = make_question(item.question, K, settings, as_of=item.as_of or None)
                now = make_question(item.question, K, settings)
                kinds["a period" if past.period else "as of a past day"].append(past)
                if not now.period:
                    kinds["as of now"].append(now)
            encoded = {
                name: service.encode(questions) for name, questions in kinds.items() if questions
            }
            rows = {}
            for name, questions in encoded.items():
                added, plain_us, timed_us = [], [], []
                for each in tqdm(questions, desc=name, unit="q"):
                    question = each.question
                    for _ in range(rounds):
                        started = time.perf_counter()
                        service.retriever.retrieve(question.text, each.vector, K)
                        middle = time.perf_counter()
                        retrieve_dated(
                            service.retriever, service.index, question, each.vector, K,
                            service.recency,
                        )  # fmt: skip
                        ended = time.perf_counter()
                        plain_us.append((middle - started) * 1e6)
                        timed_us.append((ended - middle) * 1e6)
                        added.append(timed_us[-1] - plain_us[-1])
                rows[name] = {
                    "questions": len(questions),
                    "plain_p50_us": round(statistics.median(plain_us), 1),
                    "with_time_p50_us": round(statistics.median(timed_us), 1),
                    "added_p50_us": round(statistics.median(added), 1),
                }
            # The words read for a period, and the dates a highlighted sentence means.
            as_of = dt.date(2025, 12, 19)
            parse_us = statistics.median(
                _median_us(partial(question_period, item.question, as_of), rounds) for item in asked
            )

            # The dates an answer's marked sentences mean: for each question's answer, and
            # for one whose five sentences all name a weekday.
            def dates_cost(question: str, as_of: str | None) -> float:
                answer = service.ask(question, K, as_of=as_of)
                sentences = [
                    (hit.highlighted_sentence, dt.date.fromisoformat(hit.citation.published))
                    for hit in answer.passages
                ]
                return _median_us(lambda: [dates_meant(s, d) for s, d in sentences], rounds)

            dates_us = statistics.median(dates_cost(q.question, q.as_of or None) for q in asked)
            weekdays_us = dates_cost("Why did Harald Lind resign as mediator?", None)
        finally:
            service.close()
    # What time adds to one answer: its retrieval's share, the period read from the words,
    # and the dates its sentences mean.
    added_ms = {
        name: round((row["added_p50_us"] + parse_us + dates_us) / 1000, 3)
        for name, row in rows.items()
    }
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "articles": str(articles),
        "questions": str(questions_file),
        "rounds": rounds,
        "k": K,
        "retrieval": rows,
        "period_parse_p50_us": round(parse_us, 1),
        "dates_meant_p50_us": round(dates_us, 1),
        "dates_meant_all_weekdays_us": round(weekdays_us, 1),
        "added_p50_ms": added_ms,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"**Time, {result['date']}**: {result['rounds']} rounds a question, k={result['k']}, "
        "in process; each question retrieved without time and with it, in turns.",
        "",
        "| questions | count | without time, p50 (µs) | with time, p50 (µs) | "
        "added, p50 of the differences (µs) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in result["retrieval"].items():
        lines.append(
            f"| {name} | {row['questions']} | {row['plain_p50_us']} | "
            f"{row['with_time_p50_us']} | {row['added_p50_us']} |"
        )
    lines += [
        "",
        f"Reading a question's period: {result['period_parse_p50_us']} µs (p50). Resolving the "
        f"dates an answer's {result['k']} marked sentences mean: "
        f"{result['dates_meant_p50_us']} µs (p50 over the set's answers; "
        f"{result['dates_meant_all_weekdays_us']} µs when every sentence names a weekday).",
        "",
        "Added to an answer, p50: "
        + "; ".join(f"{name} **{ms} ms**" for name, ms in result["added_p50_ms"].items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dated", description=__doc__)
    parser.add_argument("--articles", type=Path, default=Path("eval/sets/calder-strike/articles"))
    parser.add_argument("--questions", type=Path, default=Path("eval/sets/calder-strike.jsonl"))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", type=Path, default=Path("docs/results/bench-time.json"))
    args = parser.parse_args(argv)
    result = measure(args.articles, args.questions, args.rounds)
    measurement_json(result, args.json)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

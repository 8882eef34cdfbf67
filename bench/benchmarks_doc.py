"""docs/benchmarks.md, made from the latest measurements: ``make eval``'s report and the
JSON of ``make bench`` (the server's and the page's), ``make bench-million``,
``make bench-scale`` and ``python -m eval.folding``. Run by those
targets; never edited by hand.

    python -m bench.benchmarks_doc [--report F] [--bench F] [--page F] [--million F] [--out F]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench import dated as dated_bench
from bench import page as page_bench
from bench import scale as scale_bench
from bench.speed import markdown

QUALITY = """\
## Retrieval quality

`make eval` asks each question set of an index in three modes: dense (FAISS) alone,
lexical (BM25) alone, and hybrid, the service's own. A passage answers a question when it
contains one of the question's evidence strings after normalisation (Unicode NFKC, quotes
and dashes folded, white space collapsed, case folded). R@k is the share of answerable
questions with an answering passage in the top k; "highlight" is how often the first
answering passage's marked sentence holds the evidence; "abstain P/R" is the precision and
recall of `answerable: false`, overall and for each kind of unanswerable question
(judged with the answerable ones); p50 and p95 are in process, encoder included.

- **seeds**: `eval/sets/seeds.jsonl`, questions about the two seed articles in a reader's own
  words, with evidence copied from the articles. Some need both articles. The off-topic and
  near-topic questions are ones the articles do not answer. With 8 passages in all, R@5 and
  R@10 say little.
- **calder-strike**: `eval/sets/calder-strike.jsonl`, 35 questions over 43 dated articles of
  one story (`eval/sets/calder-strike/`), each asked as of its own `as_of`; the right
  answer changes with the date, and some questions name a period.
- **dev-v1.1-even-articles**: SQuAD v1.1 dev, the public half (24 Wikipedia articles, 5,397
  questions). Each question's evidence is the sentence of its paragraph that holds the
  answer.

"""

TIME = """\
## What time costs

`make bench-time` (part of `make bench`) ingests the dated strike story
(`eval/sets/calder-strike`) and asks its questions in process, k=5. Each encoded
question is retrieved without time (the plain retriever) and with it (as of, the period
it names, recency), in turns, 30 times; the cost added is the median of the paired
differences. Questions asked as of now only get the recency bonus; as of a past day they
also leave out later articles (a filtered search, here cheaper than the whole archive's);
a question naming a period that holds fewer than k articles is retrieved twice.

"""

SPEED = """\
## Speed

`make bench` starts the real server on a loopback port and measures it from outside,
beside the plain recipe: sentence-transformers and a flat FAISS index in the bench's own
process, on the same unique SQuAD-public questions.

- **Latency** is wall time at the client: httpx, one keep-alive connection, one question
  at a time, after 20 warm-up questions. The server and the plain recipe take turns, 50
  questions each, because this machine's speed drifts within minutes; turns put both in
  the same minutes. `took_ms` is the time inside the server, from the question's forward
  pass to the answer.
- **Throughput** comes from `bench.load`, a bare-asyncio client in its own process with 16
  keep-alive connections: three runs of 10 s, the median reported.
- **Ingest** is passages embedded and stored a second, for `qa` and for the plain recipe,
  the median of three runs each on the first SQuAD-public articles.
- **Vector search at scale** uses indexes built from synthetic vectors (blends of real
  sentence vectors plus noise). It measures recall@10 against exact search on 200 real
  questions, with one thread and k=10.

What makes the difference:
- The encoder runs in ONNX Runtime with int8 weights, without torch.
- One model thread encodes, while a second one searches.
- Ingest reads sentence vectors from the passage's own forward pass.
- Disk reads are kept to the candidates scored and the articles shown.
- BM25 leaves out words found in more than `QA_LEXICAL_TERM_CAP` passages.

"""

MILLION = """\
## A million passages

`make bench-million` serves 1,000,000 synthetic passages (`bench/synthetic_corpus.py`): 100,000
articles of 10 passages each, made from real SQuAD passages with one sentence swapped for
another. Building them takes about 14 GB in `data/bench`, once. The server of that index
takes turns with a server of the small index, so that the ratio compares the same minutes.
The first pass is a freshly started server reading its store from disk, after the page
cache was dropped. For the second pass, the store was read into the page cache first, and
other unique questions are asked. The synthetic vocabulary is only the source articles', so
a question's words are found in far more passages than in a real archive. Its HNSW finds
near-duplicates that tie with the exact top 10, hence the two recall figures.

"""

SCALE = """\
## At scale

`make bench-scale` (`bench/scale.py`) serves synthetic indexes of each size
(`bench/synthetic_corpus.py`, built once into `data/bench`): articles of 10 passages, each
a real SQuAD passage with one sentence swapped for another's, with the passage vectors
blended as in the vector-only measurement. Before the first pass the index's files are
dropped from the page cache, so the server reads them from disk as a freshly started one
does; it takes turns with a server of the small index, so the ratio compares the same
minutes. The second pass comes after the store was read into the page cache. Served recall
is the dense search as the server runs it (the vector index's candidates ranked by the
stored vectors) against exact search over the stored vectors. The synthetic vocabulary is
only the source articles', so a question's words are found in far more passages than in
a real archive.

"""


PAGE = """\
## The page

`make bench` also opens the chat page in headless Chromium over the same index
(`bench/page.py`) and asks it questions of `eval/sets/seeds.jsonl` as a user does:
typed, then Enter. Enter-to-painted runs from the key's event to the first frame painted
with the answer's card in it; the `/ask` request's own time (the browser's resource timing)
is given beside it. Weight is every byte the page loads, uncompressed.

"""


BACKENDS = """\
## The Milvus backend

`make eval-milvus` asks the same sets of the Milvus backend in its embedded mode
(milvus-lite), hybrid only; `make bench-backends` (`bench/backends.py`) ingests
SQuAD-public's articles into each backend, three times in turns, and serves both at once,
asked the same unique questions over HTTP in turns of ten. milvus-lite is a Python
re-implementation of Milvus for laptops and tests: its times say nothing of a Milvus
server's.

"""


COPIES = """\
## Syndicated copies

`python -m eval.folding` ingests the seed articles with five syndicated copies each
(another byline and dateline, a footer, a sentence added or cut, straight quotes), a copy
of each cut by its last quarter of paragraphs, and SQuAD-public's articles, then measures
both thresholds of folding: passage containment (passages folded into one card) and the
estimated Jaccard similarity of articles' MinHash signatures (near-copy articles).

"""


def _copies_table(result: dict[str, Any]) -> str:
    passages, articles = result["passages"], result["articles"]
    trimmed = ", ".join(str(score) for score in articles["trimmed_copy_estimates"])
    rows = [
        ("threshold", passages["threshold"], articles["threshold"]),
        ("copies, lowest", passages["copy_lowest_best_match"],
         f"{articles['copy_lowest_estimate']} (exact {articles['copy_lowest_exact']})"),
        ("copies grouped", "", articles["copies_grouped"]),
        ("copies cut by a quarter", "", trimmed),
        ("distinct articles, highest",
         max(passages["squad_distinct_highest"], passages["seeds_distinct_highest"]),
         f"{articles['distinct_highest_estimate']} (exact {articles['distinct_highest_exact']})"),
        ("distinct pairs grouped", "",
         f"{articles['distinct_pairs_grouped']} of {articles['distinct_pairs_compared']}"),
        ("margin above / below", f"{passages['margin_above']} / {passages['margin_below']}",
         f"{articles['margin_above']} / {articles['margin_below']}"),
    ]  # fmt: skip
    lines = [
        f"{result['copies']} copies of the seed articles; {result['squad_articles']} "
        "SQuAD-public articles.",
        "",
        "| measure | passages (containment) | articles (similarity) |",
        "| --- | --- | --- |",
        *(f"| {name} | {a} | {b} |" for name, a, b in rows),
    ]
    return "\n".join(lines) + "\n"


def _backends_table(result: dict[str, Any]) -> str:
    local, milvus = result["local"], result["milvus"]
    rows = [
        ("ingest, passages/s (median of runs)",
         local["ingest"]["passages_per_second"], milvus["ingest"]["passages_per_second"]),
        (f"`/ask` over HTTP, p50 (ms), {result['questions']} questions",
         local["ask_p50_ms"], milvus["ask_p50_ms"]),
        ("`/ask` over HTTP, p95 (ms)", local["ask_p95_ms"], milvus["ask_p95_ms"]),
    ]  # fmt: skip
    lines = [
        f"**backends bench, {result['date']}, {result['machine']}**: Milvus is "
        f"{result['milvus_target']}",
        "",
        "| measure | local | Milvus |",
        "| --- | --- | --- |",
        *(f"| {name} | {a} | {b} |" for name, a, b in rows),
    ]
    return "\n".join(lines) + "\n"


def render(
    report: str,
    bench: dict[str, Any] | None,
    million: dict[str, Any] | None,
    page: dict[str, Any] | None = None,
    milvus_report: str | None = None,
    backends: dict[str, Any] | None = None,
    copies: dict[str, Any] | None = None,
    time: dict[str, Any] | None = None,
    scale: dict[str, Any] | None = None,
) -> str:
    parts = [
        "# Benchmarks\n\n",
        "Made by `make eval`, `make bench`, `make bench-million` and `make bench-scale` from "
        "their latest runs "
        "in `docs/results/` (`report.md`, `bench.json`, `bench-page.json`, `bench-1m.json`, "
        "`report-milvus.md`, `bench-backends.json`, `copies.json`, `bench-time.json`, "
        "`bench-scale.json`); do not "
        "edit by hand.\n\n",
        QUALITY,
        _without_title(report),
        "\n",
    ]
    if bench is not None:
        parts += [SPEED, markdown(bench), "\n"]
    if page is not None:
        parts += [PAGE, page_bench.markdown(page), "\n"]
    if time is not None:
        parts += [TIME, dated_bench.markdown(time), "\n"]
    if milvus_report is not None or backends is not None:
        parts.append(BACKENDS)
        if milvus_report is not None:
            parts += [_without_title(milvus_report), "\n"]
        if backends is not None:
            parts += [_backends_table(backends), "\n"]
    if copies is not None:
        parts += [COPIES, _copies_table(copies), "\n"]
    if million is not None:
        parts += [MILLION, markdown(million), "\n"]
    if scale is not None:
        parts += [SCALE, scale_bench.markdown(scale), "\n"]
    return "".join(parts).rstrip() + "\n"


def _without_title(report: str) -> str:
    """The eval report without its own heading."""
    lines = report.splitlines()
    while lines and (lines[0].startswith("# ") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines) + "\n"


def _json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.benchmarks_doc", description=__doc__)
    parser.add_argument("--report", type=Path, default=Path("docs/results/report.md"))
    parser.add_argument("--bench", type=Path, default=Path("docs/results/bench.json"))
    parser.add_argument("--page", type=Path, default=Path("docs/results/bench-page.json"))
    parser.add_argument("--million", type=Path, default=Path("docs/results/bench-1m.json"))
    parser.add_argument("--milvus-report", type=Path, default=Path("docs/results/report-milvus.md"))
    parser.add_argument("--backends", type=Path, default=Path("docs/results/bench-backends.json"))
    parser.add_argument("--copies", type=Path, default=Path("docs/results/copies.json"))
    parser.add_argument("--time", type=Path, default=Path("docs/results/bench-time.json"))
    parser.add_argument("--scale", type=Path, default=Path("docs/results/bench-scale.json"))
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"error: {args.report} is missing: run make eval", file=sys.stderr)
        return 2
    text = render(
        args.report.read_text(encoding="utf-8"),
        _json(args.bench),
        _json(args.million),
        _json(args.page),
        args.milvus_report.read_text(encoding="utf-8") if args.milvus_report.is_file() else None,
        _json(args.backends),
        _json(args.copies),
        _json(args.time),
        _json(args.scale),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

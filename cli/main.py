"""The ``qa`` command: ingest articles, ask questions, serve the HTTP API, measure.

Commands print a progress bar and a summary; library logs only with ``-v``. The HTTP
service and the evaluation are imported inside the commands that use them, so that
``qa ask`` does not load a web framework.
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.sets import SQUAD_PUBLIC
from qa.answers import Answer, AnsweredPassage
from qa.settings import MODES, Settings, get_settings

if TYPE_CHECKING:
    from qa.ingest import IngestSummary
    from qa.intake.sources import SourceResult


# The project's own loggers: a server reports to them what an operator wants to read.
PROJECT_LOGGERS = ("qa", "api", "index", "eval", "cli")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(verbose=args.verbose, serving=args.command in (_serve, _watch))
    settings = get_settings()
    if getattr(args, "index", None) is not None:
        settings = settings.model_copy(update={"index_dir": args.index})
    try:
        result: int = args.command(args, settings)
        return result
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        from index import StorageError
        from qa.encoding.model_source import EncoderError

        if isinstance(error, StorageError | EncoderError):
            print(f"error: {error}", file=sys.stderr)
            return 2
        raise


def _configure_logging(*, verbose: bool, serving: bool) -> None:
    """Warnings only, but for ``-v`` (every library's logs too) and for a server or a
    watch, whose own logs say when it is ready and what it ingested."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if serving:
        for name in PROJECT_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Answer questions about news articles with quoted passages."
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the libraries' logs as well"
    )
    parser.add_argument(
        "--version",
        action=_PrintVersion,
        help="print the version, the model, the backends and the index format",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest", help="add articles: files, directories, pages and feeds (paths or URLs)"
    )
    ingest.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--index", type=Path, help="index directory (QA_INDEX_DIR)")
    ingest.set_defaults(command=_ingest)

    watch = commands.add_parser("watch", help="keep feeds ingested: read them every so often")
    watch.add_argument("sources", nargs="+", metavar="FEED_OR_URL")
    watch.add_argument(
        "--every", type=_duration, default=900.0, help="interval, such as 15m (the default)"
    )
    watch.add_argument("--rounds", type=int, default=0, help="stop after N reads (0: never)")
    watch.add_argument(
        "--server",
        help="send what is read to this running server (POST /documents, QA_API_TOKEN) "
        "instead of writing the index",
    )
    watch.add_argument("--index", type=Path, help="index directory (QA_INDEX_DIR)")
    watch.set_defaults(command=_watch)

    ask = commands.add_parser("ask", help="ask a question")
    ask.add_argument("question")
    ask.add_argument("--k", type=int, default=None, help="passages to show (default QA_DEFAULT_K)")
    ask.add_argument("--json", action="store_true", help="print the HTTP API's JSON")
    ask.add_argument("--index", type=Path, help="index directory (QA_INDEX_DIR)")
    ask.add_argument("--as-of", help="answer as of this ISO date or date-time (default now, UTC)")
    ask.add_argument(
        "--no-period", action="store_true", help="ignore the period the question names"
    )
    ask.add_argument("--no-recency", action="store_true", help="do not prefer recent articles")
    ask.add_argument(
        "--order", choices=["relevance", "date"], default="relevance",
        help="relevance (best first) or date (the best, oldest first)",
    )  # fmt: skip
    ask.set_defaults(command=_ask)

    evaluate = commands.add_parser("eval", help="measure retrieval quality on a question set")
    evaluate.add_argument("set", type=Path, metavar="SET", help="JSONL, SQuAD JSON or BEIR folder")
    evaluate.add_argument(
        "--index",
        type=Path,
        help="index to ask (QA_INDEX_DIR); for SQuAD and BEIR the corpus is ingested into it, "
        "and without it into a temporary index",
    )
    evaluate.add_argument("--k", type=int, default=10, help="ranking depth judged (default 10)")
    evaluate.add_argument(
        "--mode",
        choices=[*MODES, "all"],
        default="all",
        help="retrieval mode; 'all' runs them side by side (default)",
    )
    evaluate.add_argument("--limit", type=int, help="ask only the first N questions")
    evaluate.add_argument("--json", type=Path, help="write every figure and question's ranks")
    evaluate.add_argument("--markdown", type=Path, help="append the table to a markdown file")
    evaluate.set_defaults(command=_eval)

    bench = commands.add_parser(
        "bench", help="measure the server's speed and size beside the plain recipe"
    )
    bench.add_argument("--index", type=Path, help="index to serve (QA_INDEX_DIR)")
    bench.add_argument(
        "--questions-from",
        type=Path,
        default=SQUAD_PUBLIC,
        help=f"question set whose distinct questions are asked (default {SQUAD_PUBLIC})",
    )
    bench.add_argument("--questions", type=int, default=300, help="unique questions asked")
    bench.add_argument("--connections", type=int, default=16, help="concurrent connections")
    bench.add_argument("--seconds", type=float, default=10.0, help="length of each load run")
    bench.add_argument(
        "--ingest-sample",
        type=Path,
        default=SQUAD_PUBLIC,
        help="SQuAD or BEIR set whose first articles time the ingest",
    )
    bench.add_argument(
        "--scale",
        type=_passage_counts,
        default=(),
        help="comma-separated passage counts for the synthetic vector-search measurement "
        "(for example 100000,1000000); empty: skipped",
    )
    bench.add_argument(
        "--serve-scale",
        type=int,
        default=0,
        help="passages of a synthetic index to serve and time the whole /ask over (for "
        "example 1000000; built once into --work-dir, about 14 GB at a million); 0: skipped",
    )
    bench.add_argument(
        "--work-dir",
        type=Path,
        default=Path("data/bench"),
        help="where the synthetic index is kept between runs",
    )
    bench.add_argument("--json", type=Path, default=Path("docs/results/bench.json"))
    bench.add_argument("--markdown", type=Path, help="also write the tables to this file")
    bench.set_defaults(command=_bench)

    migrate = commands.add_parser(
        "migrate", help="copy an index into another backend without re-embedding"
    )
    migrate.add_argument(
        "--to",
        choices=["milvus", "local"],
        required=True,
        help="the backend to copy into (its QA_MILVUS_* or QA_INDEX_DIR settings)",
    )
    migrate.add_argument(
        "--index", type=Path, help="the local index directory, read or written (QA_INDEX_DIR)"
    )
    migrate.set_defaults(command=_migrate)

    check = commands.add_parser(
        "check", help="read a local index back whole and say which documents to re-ingest"
    )
    check.add_argument("--index", type=Path, help="index directory (QA_INDEX_DIR)")
    check.set_defaults(command=_check)

    serve = commands.add_parser("serve", help="serve the HTTP API and the chat page")
    serve.add_argument("--index", type=Path, help="index directory (QA_INDEX_DIR)")
    serve.add_argument("--host", default=None, help="address to bind (QA_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (QA_PORT)")
    serve.add_argument(
        "--seed",
        type=Path,
        default=None,
        help="articles to ingest first when the index is empty (QA_SEEDS_DIR)",
    )
    serve.set_defaults(command=_serve)
    return parser


class _PrintVersion(argparse.Action):
    """``qa --version``: read from the settings, so it says what this install would run."""

    def __init__(self, option_strings: list[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from qa.version import version_info

        print(version_info(get_settings()).describe())
        parser.exit()


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from qa.intake.fetch import is_url
    from qa.service import QAService

    missing = [
        source for source in args.sources if not is_url(source) and not Path(source).exists()
    ]
    for source in missing:
        print(f"error: {source}: no such file or directory", file=sys.stderr)
    service = QAService.open(settings)
    try:
        present = [source for source in args.sources if source not in missing]
        loaded, summary = service.add_sources(present, show_progress=True)
    finally:
        service.close()
    _report_sources(loaded, summary)
    print(f"ingested into {settings.index_location}: {summary.describe()}")
    return 1 if missing or loaded.errors else 0


def _report_sources(loaded: SourceResult, summary: IngestSummary) -> None:
    for error in loaded.errors:
        print(f"skipped {error}", file=sys.stderr)
    for error in summary.errors:
        print(f"warning: {error}", file=sys.stderr)
    if loaded.known_entries:
        print(f"{loaded.known_entries} feed entries already ingested", file=sys.stderr)


def _watch(args: argparse.Namespace, settings: Settings) -> int:
    """Keep feeds (and pages) ingested: read them every so often, add what is new, into the
    index or (``--server``) through a running server's API."""
    import os
    import time

    log = logging.getLogger("cli.watch")
    if args.server:
        from cli.server_client import ServerWriter

        token = os.environ.get("QA_API_TOKEN", "")
        writer = ServerWriter(args.server, token, settings.fetch_limits)
        read_once: Callable[[list[str]], tuple[SourceResult, Any]] = writer.add_sources
        close = writer.close
    else:
        from qa.service import QAService

        service = QAService.open(settings)

        def read_once(sources: list[str]) -> tuple[SourceResult, Any]:
            loaded, summary = service.add_sources(sources)
            for error in summary.errors:
                print(f"warning: {error}", file=sys.stderr)
            return loaded, summary

        close = service.close
    rounds = 0
    try:
        while True:
            loaded, written = read_once(args.sources)
            for error in loaded.errors:
                print(f"skipped {error}", file=sys.stderr)
            log.info(
                "watch: %d new or changed, %d feed entries already ingested, %d skipped",
                written.added + written.replaced,
                loaded.known_entries,
                len(loaded.errors),
            )
            rounds += 1
            if args.rounds and rounds >= args.rounds:
                return 0
            time.sleep(args.every)
    finally:
        close()


def _duration(text: str) -> float:
    """``15m`` -> 900.0 seconds; ``30s``, ``2h`` and plain seconds too."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration such as 15m or 30s: {text!r}") from None
    if seconds < 1:
        raise argparse.ArgumentTypeError("the interval is at least one second")
    return seconds


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.questions import QuestionError, make_question
    from qa.service import QAService
    from qa.storage import has_index

    try:
        # Checked before the model loads, so a mistyped question fails at once.
        question = make_question(
            args.question,
            args.k,
            settings,
            as_of=args.as_of,
            read_period=not args.no_period,
            recency=not args.no_recency,
            order=args.order,
        )
    except QuestionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not has_index(settings):
        print(
            f"error: no index at {settings.index_location}; run `qa ingest` first",
            file=sys.stderr,
        )
        return 2
    service = QAService.open(settings)
    try:
        answer = service.answer(service.encode([question])[0])
    finally:
        service.close()
    if args.json:
        print(answer.to_json(indent=2))
    else:
        print(format_answer(answer, color=sys.stdout.isatty()))
    return 0


def format_answer(answer: Answer, *, color: bool) -> str:
    """The answer as text: each passage with its answering sentence marked, then its source."""
    mark_on, mark_off = ("\033[1;4m", "\033[0m") if color else ("**", "**")
    lines = []
    if answer.period is not None:
        period = answer.period
        span = period.start if period.start == period.end else f"{period.start} to {period.end}"
        lines.append(f'"{period.phrase}": {span}\n')
    if not answer.answerable:
        lines.append("The articles do not seem to answer this. Closest passages:\n")
    for hit in answer.passages:
        marked = (
            hit.text[: hit.highlight.start]
            + mark_on
            + _with_dates_meant(hit)
            + mark_off
            + hit.text[hit.highlight.end :]
        )
        citation = hit.citation
        byline = f"by {citation.author}" if citation.author else ""
        source = ", ".join(part for part in (citation.source, byline, citation.published) if part)
        outside = " [outside the period]" if hit.in_period is False else ""
        lines.append(
            f"{hit.rank}. [{hit.score:.3f}] {citation.title}"
            + (f" ({source})" if source else "")
            + outside
        )
        lines.append(textwrap.indent(marked, "   "))
        where = f"{citation.doc_id} characters {citation.start}-{citation.end}"
        lines.append(f"   -- {citation.url or 'no link'} | {where}\n")
    if not answer.passages:
        lines.append("The index holds no passages yet.")
    return "\n".join(lines)


def _with_dates_meant(hit: AnsweredPassage) -> str:
    """The highlighted sentence, each relative date followed by the days it means."""
    sentence, start = hit.highlighted_sentence, hit.highlight.start
    for meant in sorted(hit.dates, key=lambda meant: meant.start, reverse=True):
        days = meant.first if meant.first == meant.last else f"{meant.first} to {meant.last}"
        sentence = f"{sentence[: meant.end - start]} [{days}]{sentence[meant.end - start :]}"
    return sentence


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from eval.report import table, write_json
    from eval.runner import evaluate
    from eval.sets import SetError, load_set
    from qa.service import QAService

    try:
        question_set = load_set(args.set)
    except SetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.limit is not None:
        question_set.questions = question_set.questions[: args.limit]
    if not 1 <= args.k <= settings.max_k:
        print(f"error: --k must be between 1 and {settings.max_k}", file=sys.stderr)
        return 2
    modes = list(MODES) if args.mode == "all" else [args.mode]
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as scratch:
        if question_set.documents and args.index is None:
            # The corpus goes to a scratch index, never into the configured one.
            settings = settings.model_copy(
                update={
                    "index_dir": Path(scratch) / "index",
                    "milvus_uri": str(Path(scratch) / "milvus.db"),
                }
            )
        service = QAService.open(settings)
        try:
            if question_set.documents:
                summary = service.add_documents(question_set.documents, show_progress=True)
                print(f"corpus in {settings.index_location}: {summary.describe()}", file=sys.stderr)
            results = evaluate(service, question_set, modes, depth=args.k, show_progress=True)
        finally:
            service.close()
    print(table(question_set.name, results))
    if args.json:
        write_json(args.json, question_set.name, results)
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as handle:
            handle.write(table(question_set.name, results, markdown=True) + "\n")
    return 0


def _passage_counts(text: str) -> tuple[int, ...]:
    """``100000,1000000`` -> (100000, 1000000); empty -> ()."""
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if any(count < 1_000 for count in counts):
        raise argparse.ArgumentTypeError("each passage count must be at least 1000")
    return counts


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from bench.speed import BenchConfig, markdown, run_bench
    from eval.report import measurement_json

    for path in (args.questions_from, args.ingest_sample):
        if not path.exists():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
    config = BenchConfig(
        index_dir=settings.index_dir,
        questions_file=args.questions_from,
        ingest_sample=args.ingest_sample,
        questions=args.questions,
        connections=args.connections,
        load_seconds=args.seconds,
        scale_sizes=args.scale,
        serve_scale=args.serve_scale,
        work_dir=args.work_dir,
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = run_bench(config, log=Path(tempfile.gettempdir()) / "qa-bench-server.log")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    measurement_json(result, args.json)
    table = markdown(result)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table, encoding="utf-8")
    print(table)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from qa.migrate import migrate
    from qa.storage import has_index, open_index, refuse_another_model, stored_model

    source_backend = "local" if args.to == "milvus" else "milvus"
    source = settings.model_copy(update={"backend": source_backend})
    target = settings.model_copy(update={"backend": args.to})
    if not has_index(source):
        print(f"error: no index at {source.index_location} to copy", file=sys.stderr)
        return 2
    refuse_another_model(source)
    refuse_another_model(target)
    built_with = stored_model(source)
    assert built_with is not None  # has_index found it
    reading = open_index(source, built_with[1])
    try:
        writing = open_index(target, built_with[1])
        try:
            summary = migrate(reading, writing, built_with[1], show_progress=True)
        finally:
            writing.close()
    finally:
        reading.close()
    print(f"migrated {source.index_location} into {target.index_location}: {summary.describe()}")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    """0 when the index reads back whole, 1 when something is damaged (and what to
    re-ingest), 2 when there is no index to read (main prints the reason)."""
    from index.local.store_check import check_local_index

    if settings.backend != "local":
        print("error: `qa check` reads a local index (QA_BACKEND=local)", file=sys.stderr)
        return 2
    report = check_local_index(settings.index_dir, show_progress=True)
    print(f"checked {report.store}: {report.documents} documents, {report.passages} passages")
    for problem in report.problems:
        print(f"damaged: {problem}")
    if report.vectors_stale:
        print(f"vector file: to be rebuilt from the store at the next start "
              f"({report.vectors_stale})")  # fmt: skip
    if report.damaged:
        print(f"{len(report.damaged)} documents do not read back; ingest them again:")
    for document in report.damaged:
        known = ", ".join(part for part in (document.title, document.url) if part)
        print(f"  {document.doc_id}" + (f" ({known})" if known else "") + f": {document.problem}")
    if report.sound:
        print("sound: every row reads back")
        return 0
    if not report.damaged:
        print(
            "no document row is damaged, but the store is: restore it from a backup, "
            "or ingest the articles again into a new index"
        )
    return 1


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from qa.storage import check_before_opening

    updates: dict[str, object] = {}
    if args.host is not None:
        updates["host"] = args.host
    if args.port is not None:
        updates["port"] = args.port
    if args.seed is not None:
        updates["seeds_dir"] = args.seed
    settings = settings.model_copy(update=updates)
    # Fail before serving when the store is lost, emptied or damaged, or another model's;
    # checked here, the store need not be checked again as the server loads it.
    check_before_opening(settings)
    app = create_app(settings.model_copy(update={"check_store": False}), seed_if_empty=True)
    # httptools and uvloop (C parsers and event loop) cost a fraction of the pure-Python
    # defaults per request; the access log is off unless asked for (QA_ACCESS_LOG).
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        http="httptools",
        loop="uvloop",
        access_log=settings.access_log,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

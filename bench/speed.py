"""``qa bench``: the service's speed and size, measured from outside, beside the plain recipe.

One run measures, on one machine and the same unique questions (SQuAD-public questions, so
no cache can help):

- the real server (``qa serve`` in a child process on a loopback port): seconds from
  process start to ``/readyz``, ``/ask`` latency one question at a time (wall time at the
  client, and ``took_ms`` inside), throughput and errors with 16 concurrent keep-alive
  connections (``bench.load``, a bare-asyncio client in its own process), and the server's
  resident memory;
- the plain recipe in this process: sentence-transformers + a flat FAISS index over the
  same vectors, encode and search per question (k=5), its start time, and its ingest rate;
  its questions are asked in turns with the server's (50 each), so that both are timed in
  the same minutes;
- ingest throughput of ``qa`` (ONNX encoder, passages and sentence vectors) on the same
  articles, in passages per second;
- optionally, vector search alone at 100,000 and 1,000,000 synthetic vectors
  (``bench.vector_scale``), and the whole ``/ask`` over a synthetic index of a million
  passages made of real sentences (``bench.synthetic_corpus``), served by the real server:
  first freshly started, on the same questions, then with its store read into the page
  cache, on as many other unique questions.

The headline figures are ratios to the plain recipe in the same run, since the machine is
shared and absolute times drift.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.served import ServedIndex
from eval.sets import load_set
from qa.settings import Settings

READY_TIMEOUT_SECONDS = 120.0
# Load runs with 16 connections; the median one is reported.
LOAD_RUNS = 3
# Questions asked of the server, then of the plain recipe, in turn.
TURN_QUESTIONS = 50
# Ingest runs of each recipe, taken in turns; the medians are reported.
INGEST_RUNS = 3


@dataclass(frozen=True)
class BenchConfig:
    index_dir: Path
    questions_file: Path
    ingest_sample: Path
    questions: int = 300
    connections: int = 16
    load_seconds: float = 10.0
    ingest_documents: int = 4
    # Synthetic sizes for the vector search measurement (bench.vector_scale); none: skipped.
    scale_sizes: tuple[int, ...] = ()
    # Passages of the synthetic index served for the whole /ask at scale; 0: skipped.
    serve_scale: int = 0
    # Where the synthetic index and its source are kept between runs.
    work_dir: Path = Path("data/bench")


# The write token of the bench's own servers (loopback only, for the timed write).
BENCH_TOKEN = "bench-" + os.urandom(8).hex()


def _served(index_dir: Path, log: Path, *, check_store: bool = True) -> ServedIndex:
    """A server of the index with the settings of this environment but its seeds."""
    environment = {k: v for k, v in os.environ.items() if k != "QA_SEEDS_DIR"}
    environment["QA_API_TOKEN"] = BENCH_TOKEN
    if not check_store:
        environment["QA_CHECK_STORE"] = "false"
    return ServedIndex(index_dir, log, environment=environment).start()


def _memory_kb(pid: int) -> dict[str, int]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in kB, from /proc."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency_summary(values_ms: list[float]) -> dict[str, float]:
    """Median and 95th percentile of latencies, in milliseconds."""
    return {
        "p50_ms": round(statistics.median(values_ms), 2),
        "p95_ms": round(_percentile(values_ms, 0.95), 2),
    }


def unique_questions(path: Path, count: int) -> list[str]:
    """``count`` distinct questions of a set, in a fixed shuffled order."""
    questions = list(dict.fromkeys(q.question for q in load_set(path).questions))
    random.Random(0).shuffle(questions)
    if len(questions) < count:
        raise ValueError(f"{path} has {len(questions)} distinct questions, not {count}")
    return questions[:count]


class _PlainRecipe:
    """sentence-transformers + flat FAISS, in this process: the baseline."""

    def __init__(self, index_dir: Path) -> None:
        started = time.perf_counter()
        import faiss
        from sentence_transformers import SentenceTransformer

        from index.local.layout import VECTOR_NAME
        from qa.encoding.model_source import resolve_model

        self.model = SentenceTransformer(resolve_model(Settings().model), device="cpu")
        stored: Any = faiss.read_index(str(index_dir / VECTOR_NAME))  # an IndexIDMap2
        self.flat = faiss.IndexFlatIP(stored.d)
        # The stored index maps passage keys to vectors; the recipe needs only the vectors.
        self.flat.add(faiss.downcast_index(stored.index).reconstruct_n(0, stored.ntotal))
        self.start_seconds = time.perf_counter() - started
        faiss.omp_set_num_threads(1)  # single queries: FAISS's idle threads slow the encoder

    def ask(self, question: str) -> float:
        """Encode and search one question (k=5); the time taken in ms."""
        began = time.perf_counter()
        vector = self.model.encode([question], normalize_embeddings=True)
        self.flat.search(vector, 5)
        return (time.perf_counter() - began) * 1000


class _Client:
    """One keep-alive connection to the server, one question at a time."""

    def __init__(self, server: ServedIndex) -> None:
        import httpx

        # httpx logs every request at INFO: work on the clock that the server did not do.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._client = httpx.Client(base_url=server.base_url, timeout=60)

    def ask(self, question: str) -> tuple[float, float]:
        """The wall time at the client and ``took_ms`` inside the server, in ms."""
        started = time.perf_counter()
        response = self._client.post("/ask", json={"question": question, "k": 5})
        wall = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return wall, float(response.json()["took_ms"])

    def close(self) -> None:
        self._client.close()


def _during_a_write(server: ServedIndex, questions: list[str], sample: Path) -> dict[str, Any]:
    """/ask latency while the longest text a client may post (QA_MAX_DOCUMENT_CHARS, made
    of the sample's articles) is embedded and stored, beside the same questions before it;
    the document is deleted afterwards."""
    import httpx

    limit = Settings().max_document_chars
    text = "\n\n".join(document.text for document in load_set(sample).documents)[:limit]
    auth = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    with httpx.Client(base_url=server.base_url, timeout=600) as client:

        def ask(question: str) -> float:
            started = time.perf_counter()
            client.post("/ask", json={"question": question, "k": 5}).raise_for_status()
            return (time.perf_counter() - started) * 1000

        before = [ask(question) for question in questions[:100]]
        with httpx.Client(base_url=server.base_url, timeout=600) as writer:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=1) as pool:
                write = pool.submit(
                    writer.post,
                    "/documents",
                    json={"doc_id": "bench-write", "text": text},
                    headers=auth,
                )
                during: list[float] = []
                while not during or not write.done():  # one at least, for a short write
                    during.append(ask(questions[len(during) % len(questions)]))
                write.result().raise_for_status()
            write_seconds = time.perf_counter() - started
            writer.delete("/documents/bench-write", headers=auth).raise_for_status()
    return {
        "document_chars": len(text),
        "passages": write.result().json()["passages"],
        "write_seconds": round(write_seconds, 2),
        "questions_during": len(during),
        "before": {**latency_summary(before), "p99_ms": round(_percentile(before, 0.99), 2)},
        "during": {**latency_summary(during), "p99_ms": round(_percentile(during, 0.99), 2)},
    }


def _take_turns(questions: list[str], *askers: Callable[[str], Any]) -> list[list[Any]]:
    """Each asker's answers to the same questions, asked in turns of ``TURN_QUESTIONS``
    (the first asker's turn, then the second's, ...): all are timed in the same minutes of
    a shared machine, whose speed drifts (300 questions in a row take two seconds)."""
    for question in questions[:20]:  # warm-up, not counted
        for ask in askers:
            ask(f"warm up: {question}")
    answers: list[list[Any]] = [[] for _ in askers]
    with tqdm(total=len(askers) * len(questions), desc="in turns", unit="q") as bar:
        for first in range(0, len(questions), TURN_QUESTIONS):
            turn = questions[first : first + TURN_QUESTIONS]
            for ask, out in zip(askers, answers, strict=True):
                for question in turn:
                    out.append(ask(question))
                    bar.update()
    return answers


def measure_server(
    config: BenchConfig, questions: list[str], log: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The server's figures, and the plain recipe's, timed in turns with it."""
    print("plain recipe: loading ...")
    plain = _PlainRecipe(config.index_dir)
    plain_start_seconds = plain.start_seconds
    server = _served(config.index_dir, log)
    try:
        ready_seconds = server.wait_ready(READY_TIMEOUT_SECONDS)
        client = _Client(server)
        try:
            timed, baseline = _take_turns(questions, client.ask, plain.ask)
        finally:
            client.close()
        wall = [ms for ms, _ in timed]
        inside = [ms for _, ms in timed]
        # The same questions again in a row, to show what taking turns cost the recipe.
        alone = [plain.ask(q) for q in tqdm(questions, desc="plain recipe alone", unit="q")]
        del plain  # torch's memory and threads are not the server's
        memory_after_questions = _memory_kb(server.pid)
        load_command = [sys.executable, "-m", "bench.load", "--port", str(server.port)]
        load_command += ["--connections", str(config.connections)]
        load_command += ["--seconds", str(config.load_seconds)]
        runs = []
        for run in range(LOAD_RUNS):
            print(f"server, {config.connections} connections, run {run + 1} of {LOAD_RUNS} ...")
            load = subprocess.run(
                load_command,
                input=json.dumps(questions),
                capture_output=True,
                text=True,
                timeout=config.load_seconds + 120,
                check=True,
            )
            runs.append(json.loads(load.stdout))
        memory_after_load = _memory_kb(server.pid)
        during_write = _during_a_write(server, questions, config.ingest_sample)
    finally:
        server.stop()
    figures = {
        "during_write": during_write,
        "ready_seconds": round(ready_seconds, 2),
        "wall": latency_summary(wall),
        "inside": latency_summary(inside),
        "throughput": {
            "client": "bench.load (bare asyncio, keep-alive, own process)",
            "connections": config.connections,
            "runs": LOAD_RUNS,
            "seconds_each": config.load_seconds,
            "requests": sum(run["requests"] for run in runs),
            "errors": sum(run["errors"] for run in runs),
            "error_examples": [e for run in runs for e in run["error_examples"]][:5],
            # The median run: the machine is shared, and one run can be unlucky.
            "requests_per_second": round(
                statistics.median(run["requests"] / run["seconds"] for run in runs), 1
            ),
            **latency_summary([ms for run in runs for ms in run["latencies_ms"]] or [0.0]),
        },
        "rss_mb": round(memory_after_questions["VmRSS"] / 1024, 1),
        "peak_rss_mb": round(memory_after_load["VmHWM"] / 1024, 1),
    }
    plain_figures = {
        "start_seconds": round(plain_start_seconds, 2),
        "in_process": latency_summary(baseline),
        "alone": latency_summary(alone),
        "timed": f"in turns with the server, {TURN_QUESTIONS} questions each",
    }
    return figures, plain_figures


def _qa_ingest_rate(documents: list[Any]) -> tuple[float, list[str]]:
    """qa's passages per second into a new index, and the passage texts it made."""
    from qa.service import QAService

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as directory:
        service = QAService.open(Settings(index_dir=Path(directory) / "index"))
        started = time.perf_counter()
        summary = service.add_documents(documents, show_progress=True)
        rate = summary.passages / (time.perf_counter() - started)
        texts = [p.text for d in documents for p in service.index.passages_of(d.doc_id)]
        service.close()
    return rate, texts


def measure_ingest(config: BenchConfig) -> dict[str, Any]:
    """Passages per second: qa's ingest (sentence vectors included) against the plain
    recipe's encode of the same passage texts, taken in turns, median of INGEST_RUNS each
    (single runs of either moved by a third on this shared machine)."""
    from sentence_transformers import SentenceTransformer

    from qa.encoding.model_source import resolve_model

    documents = load_set(config.ingest_sample).documents[: config.ingest_documents]
    settings = Settings()
    model = SentenceTransformer(resolve_model(settings.model), device="cpu")
    ours, plain = [], []
    for _ in range(INGEST_RUNS):
        rate, texts = _qa_ingest_rate(documents)
        ours.append(rate)
        started = time.perf_counter()
        model.encode(texts, batch_size=settings.batch_size, normalize_embeddings=True)
        plain.append(len(texts) / (time.perf_counter() - started))
    return {
        "passages": len(texts),
        "runs": INGEST_RUNS,
        "qa_passages_per_second": round(statistics.median(ours), 1),
        "plain_passages_per_second": round(statistics.median(plain), 1),
        "qa_runs": [round(rate, 1) for rate in ours],
        "plain_runs": [round(rate, 1) for rate in plain],
    }


def measure_scale(
    sizes: tuple[int, ...], sample: Path, questions: list[str]
) -> list[dict[str, Any]]:
    """Flat against HNSW at each size, on synthetic vectors seeded by up to 6,000 real
    sentence vectors of the sample's articles."""
    if not sizes:
        return []
    from bench.vector_scale import measure_size, synthetic_vectors
    from qa.encoding.encoder import load_encoder
    from qa.sentences import split_sentences

    encoder = load_encoder(Settings())
    sentences = [
        document.text[start:end]
        for document in load_set(sample).documents
        for start, end in split_sentences(document.text)
    ]
    base = encoder.encode(sentences[:6000], show_progress=True)
    queries = encoder.encode(questions[:200])
    return [measure_size(synthetic_vectors(base, size), queries) for size in sizes]


def _questions_with_bm25(index_dir: Path, questions: list[str]) -> float:
    """The share of questions with a word under the lexical term cap, for which BM25 runs
    (``PassageStore.search_lexical``)."""
    from index.local.layout import STORE_NAME
    from index.local.sqlite_store import PassageStore
    from qa.words import lexical_terms

    cap = Settings().lexical_term_cap or None
    store = PassageStore(index_dir / STORE_NAME)
    try:
        found = sum(
            bool(store.search_lexical(lexical_terms(q), 1, title_weight=1.0, term_cap=cap))
            for q in questions
        )
    finally:
        store.close()
    return round(found / len(questions), 3)


def _evict_from_page_cache(directory: Path) -> None:
    """Ask the kernel to drop the cached pages of the directory's files (no root needed)."""
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _read_through(path: Path) -> float:
    """Read a file once, end to end, into the page cache; the seconds it took."""
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass
    return round(time.perf_counter() - started, 1)


def measure_served_scale(
    config: BenchConfig, questions: list[str], warm_questions: list[str], log: Path
) -> dict[str, Any] | None:
    """The whole ``/ask`` over a synthetic index of ``config.serve_scale`` passages
    (``bench.synthetic_corpus``), one question at a time, from outside the server."""
    if not config.serve_scale:
        return None
    from bench.disk_use import disk_by_part
    from bench.synthetic_corpus import build_synthetic_index
    from index.local.layout import STORE_NAME
    from qa.service import QAService

    # The real passages the synthetic ones are made of: the sample's articles, ingested
    # by qa (kept, and skipped as unchanged on the next run).
    source = config.work_dir / "squad-source"
    service = QAService.open(Settings(index_dir=source))
    try:
        service.add_documents(load_set(config.ingest_sample).documents, show_progress=True)
        model, dimension = service.encoder.name, service.encoder.dimension
    finally:
        service.close()
    target = config.work_dir / f"synthetic-{config.serve_scale}"
    built = build_synthetic_index(
        source, target, config.serve_scale, model, dimension, Settings().hnsw_from
    )
    # A fresh server on a machine that has not read the index lately: its files leave the
    # page cache. The store's quick_check would read it all before the first answer.
    _evict_from_page_cache(target)
    server = _served(target, log, check_store=False)
    seeds = _served(config.index_dir, log)
    clients = []
    try:
        ready_seconds = server.wait_ready(READY_TIMEOUT_SECONDS)
        seeds.wait_ready()
        clients = [_Client(server), _Client(seeds)]
        # First a freshly started server, whose store is not in the page cache. Then one
        # that has run a while on a machine whose memory holds the store: the store read
        # through once, other unique questions.
        # Each pass in turns with the server of the index above, to compare the same minutes.
        first_pass = _take_turns(questions, *(client.ask for client in clients))
        warm_seconds = _read_through(target / STORE_NAME)
        second_pass = _take_turns(warm_questions, *(client.ask for client in clients))
        memory = _memory_kb(server.pid)
    finally:
        for client in clients:
            client.close()
        server.stop()
        seeds.stop()
    recall = _served_recall(target, model, questions + warm_questions)
    disk = disk_by_part(target, config.serve_scale)

    def pass_figures(timed: list[tuple[float, float]]) -> dict[str, Any]:
        return {
            "wall": latency_summary([wall for wall, _ in timed]),
            "inside": latency_summary([inside for _, inside in timed]),
        }

    return {
        "passages": config.serve_scale,
        **built,
        "lexical_term_cap": Settings().lexical_term_cap,
        "questions_with_bm25": _questions_with_bm25(target, questions),
        "ready_seconds": round(ready_seconds, 2),
        **pass_figures(first_pass[0]),
        "second_pass": {
            **pass_figures(second_pass[0]),
            "store_read_seconds": warm_seconds,
            "questions": "other" if warm_questions != questions else "the same",
        },
        # The index of the headline figures, served beside it and asked in turns.
        "beside": {
            "first_pass": pass_figures(first_pass[1]),
            "second_pass": pass_figures(second_pass[1]),
        },
        "rss_mb": round(memory["VmRSS"] / 1024, 1),
        "peak_rss_mb": round(memory["VmHWM"] / 1024, 1),
        "vector_recall": recall,
        "disk": disk,
    }


def _served_recall(index_dir: Path, model: str, questions: list[str]) -> dict[str, Any]:
    """The recall@10 of the served dense search (candidates re-ranked by the store) on the
    questions asked, once the servers have stopped."""
    from bench.vector_scale import served_recall
    from qa.encoding.encoder import load_encoder

    settings = Settings()
    queries = load_encoder(settings).encode_questions(list(dict.fromkeys(questions)))
    return served_recall(
        index_dir, model, np.asarray(queries, dtype=np.float32),
        hnsw_from=settings.hnsw_from, ivf_from=settings.ivf_from,
    )  # fmt: skip


def run_bench(config: BenchConfig, log: Path) -> dict[str, Any]:
    from index.local.local_index import index_exists, stored_passages

    if not index_exists(config.index_dir):
        raise ValueError(f"no index at {config.index_dir}: build one with qa ingest first")
    passages = stored_passages(config.index_dir)
    if not passages:
        raise ValueError(f"the index at {config.index_dir} is empty: ingest articles first")
    questions = unique_questions(config.questions_file, config.questions)
    # For the pass at scale after warming up: questions not asked before, if there are
    # enough of them.
    try:
        warm_questions = unique_questions(config.questions_file, 2 * len(questions))
        warm_questions = warm_questions[len(questions) :]
    except ValueError:
        warm_questions = questions

    server, plain = measure_server(config, questions, log)
    ingest = measure_ingest(config)
    scale = measure_scale(config.scale_sizes, config.ingest_sample, questions)
    served_scale = measure_served_scale(config, questions, warm_questions, log)
    settings = Settings()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "index": str(config.index_dir),
        "passages": passages,
        "questions": len(questions),
        "encoder_backend": settings.encoder_backend,
        "retrieval_mode": settings.retrieval_mode,
        "server": server,
        "plain_recipe": plain,
        "ingest": ingest,
        "scale": scale,
        "served_scale": served_scale,
        "ratios": {
            # Against the headline index served beside it, in the same minutes.
            "scale_p50_over_p50": (
                round(
                    served_scale["wall"]["p50_ms"]
                    / served_scale["beside"]["first_pass"]["wall"]["p50_ms"],
                    2,
                )
                if served_scale
                else None
            ),
            "scale_again_p50_over_p50": (
                round(
                    served_scale["second_pass"]["wall"]["p50_ms"]
                    / served_scale["beside"]["second_pass"]["wall"]["p50_ms"],
                    2,
                )
                if served_scale
                else None
            ),
            "http_p50_over_plain_p50": round(
                server["wall"]["p50_ms"] / plain["in_process"]["p50_ms"], 2
            ),
            "ingest_over_plain": round(
                ingest["qa_passages_per_second"] / ingest["plain_passages_per_second"], 2
            ),
        },
    }


def _write_rows(during: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The rows of /ask during a posted write, when the run measured them."""
    if not during:
        return []
    before, meanwhile = during["before"], during["during"]
    return [
        (
            f"`/ask` while a {during['document_chars']:,}-character article is posted "
            f"({during['passages']} passages, {during['write_seconds']} s, "
            f"{during['questions_during']} questions meanwhile), p50 / p99 (ms)",
            f"{meanwhile['p50_ms']} / {meanwhile['p99_ms']} (before: {before['p50_ms']} / "
            f"{before['p99_ms']})",
        )
    ]


def markdown(result: dict[str, Any]) -> str:
    server, plain, ingest = result["server"], result["plain_recipe"], result["ingest"]
    load = server["throughput"]
    rows = [
        ("`/ask` over HTTP, p50 / p95 (ms)", f"{server['wall']['p50_ms']} / "
         f"{server['wall']['p95_ms']}"),
        ("inside the server (`took_ms`), p50 / p95", f"{server['inside']['p50_ms']} / "
         f"{server['inside']['p95_ms']}"),
        ("plain recipe in process, in turns with the server, p50 / p95",
         f"{plain['in_process']['p50_ms']} / {plain['in_process']['p95_ms']}"),
        (f"the plain recipe again, alone ({result['questions']} in a row), p50 / p95",
         f"{plain['alone']['p50_ms']} / {plain['alone']['p95_ms']}"),
        ("**HTTP p50 / plain p50**", f"**{result['ratios']['http_p50_over_plain_p50']}**"),
        (f"throughput, {load['connections']} connections, median of {load['runs']} runs (req/s)",
         f"{load['requests_per_second']} ({load['requests']} requests, {load['errors']} errors,"
         f" p50 {load['p50_ms']} ms)"),
        ("process start to `/readyz` (s)", f"{server['ready_seconds']}"),
        ("plain recipe start to first answer possible (s)", f"{plain['start_seconds']}"),
        ("server memory after the questions / peak under load (MB)",
         f"{server['rss_mb']} / {server['peak_rss_mb']}"),
        (f"ingest, qa / plain, median of {ingest['runs']} runs each (passages/s)",
         f"{ingest['qa_passages_per_second']} / {ingest['plain_passages_per_second']} "
         f"({ingest['passages']} passages)"),
        ("**ingest qa / plain**", f"**{result['ratios']['ingest_over_plain']}**"),
        *_write_rows(server.get("during_write")),
    ]  # fmt: skip
    lines = [
        f"**qa bench, {result['date']}, {result['machine']}**: {result['passages']} passages, "
        f"{result['questions']} unique questions, k=5, encoder {result['encoder_backend']}, "
        f"retrieval {result['retrieval_mode']}",
        "",
        "| measure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {value} |" for name, value in rows]
    served = result.get("served_scale")
    if served:
        again, beside = served["second_pass"], served["beside"]
        recall = served["vector_recall"]
        lines += [
            "",
            f"The whole `/ask` over {served['passages']:,} synthetic passages (see "
            "`bench/synthetic_corpus.py`), one question at a time, in turns of "
            f"{TURN_QUESTIONS} with a server of the index above:",
            "",
            "| measure | value |",
            "| --- | --- |",
            f"| `/ask` over HTTP, p50 / p95 (ms) | {served['wall']['p50_ms']} / "
            f"{served['wall']['p95_ms']} |",
            f"| inside the server (`took_ms`), p50 / p95 | {served['inside']['p50_ms']} / "
            f"{served['inside']['p95_ms']} |",
            f"| the index above, in turns, HTTP p50 (ms) | "
            f"{beside['first_pass']['wall']['p50_ms']} |",
            f"| **p50 over the index above's** | **{result['ratios']['scale_p50_over_p50']}** |",
            f"| then, the store read into the page cache ({again['store_read_seconds']} s), "
            f"{again['questions']} unique questions, HTTP p50 / p95 (ms) | "
            f"{again['wall']['p50_ms']} / {again['wall']['p95_ms']} |",
            f"| the index above on those, in turns, HTTP p50 (ms) | "
            f"{beside['second_pass']['wall']['p50_ms']} |",
            f"| **warm: p50 over the index above's** | "
            f"**{result['ratios']['scale_again_p50_over_p50']}** |",
            f"| questions with a word in at most {served['lexical_term_cap']} passages "
            f"(BM25 runs) | {served['questions_with_bm25']} |",
            f"| process start to `/readyz` (s) | {served['ready_seconds']} |",
            f"| server memory after the questions / peak (MB) | {served['rss_mb']} / "
            f"{served['peak_rss_mb']} |",
            f"| store on disk / vector index (MB) | {served['store_mb']} / {served['vector_mb']} |",
            (
                f"| dense search as served ({recall['index']}, candidates re-ranked by the "
                "stored vectors): recall@10 against exact search over them, on these questions"
                if "rerank_candidates" in recall  # measured so since the re-rank came
                else f"| its vector index ({recall['index']}): recall@10 against exact search "
                "on these questions"
            )
            + f" / share within {recall['near_cosine']} of the exact 10th score | "
            f"{recall['recall_at_10']} / {recall['near_recall_at_10']} |",
            f"| build: store / vector index (s) | {served['store_build_seconds']} / "
            f"{served['vector_build_seconds']} |",
        ]
        if "disk" in served:
            disk = served["disk"]
            lines += [
                "",
                f"The index directory on disk: **{disk['bytes_a_passage']:,} bytes a passage** "
                "(`bench/disk_use.py`), by part:",
                "",
                "| part | bytes a passage |",
                "| --- | --- |",
                *(f"| {part} | {size:,} |" for part, size in disk["parts_bytes_a_passage"].items()),
            ]
    if result["scale"]:
        from bench.vector_scale import markdown as scale_table

        lines += [
            "",
            "Vector search at scale (synthetic vectors, see `bench/vector_scale.py`; one "
            "thread, k=10, 200 real questions):",
            "",
            scale_table(result["scale"]),
        ]
    return "\n".join(lines).rstrip() + "\n"

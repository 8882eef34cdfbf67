"""The one thread that runs the model, micro-batching, and the thread that searches.

Every forward pass goes through the model thread: one at a time keeps the cores from
being fought over. Questions that arrive while it is busy are taken together: encoded in
one pass at full precision, one pass each with int8 weights (whose vectors would otherwise
depend on their companions), and on one core, leaving the other to the search thread and
HTTP. Their searches (FAISS, BM25, fusion, highlight) run on the search thread while the
model thread encodes the next ones, so under load the two overlap. Document writes run on
the model thread, in the order they arrived.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from index import SearchFilters
from qa.answers import Answer
from qa.service import QAService

T = TypeVar("T")

# Most questions encoded in one forward pass.
MAX_BATCH = 32


@dataclass(frozen=True)
class _Question:
    service: QAService
    question: str
    k: int
    filters: SearchFilters | None
    result: Future[Answer]


@dataclass(frozen=True)
class _Call:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    result: Future[Any]


class ModelWorker:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Question | _Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="model", daemon=True)
        self._searches = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        # Questions asked and not yet answered; changed on the event loop's thread only,
        # read by the model thread to tell a lone question from one among others.
        self._in_flight = 0
        self._thread.start()

    async def ask(
        self, service: QAService, question: str, k: int, filters: SearchFilters | None
    ) -> Answer:
        result: Future[Answer] = Future()
        self._in_flight += 1
        try:
            self._queue.put(_Question(service, question, k, filters, result))
            return await asyncio.wrap_future(result)
        finally:
            self._in_flight -= 1

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        result: Future[T] = Future()
        self._queue.put(_Call(function, args, result))
        return await asyncio.wrap_future(result)

    def shutdown(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._searches.shutdown(wait=True)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            work = [first]
            # Whatever else is already waiting joins this round.
            while len(work) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this round, then stop
                    break
                work.append(item)
            questions = [item for item in work if isinstance(item, _Question)]
            for item in work:
                if isinstance(item, _Call):
                    _settle(item.result, item.function, *item.args)
            if questions:
                self._answer(questions)

    def _answer(self, questions: list[_Question]) -> None:
        started = time.perf_counter()
        try:
            # Both cores for a lone question; one when others wait to be encoded or are
            # being searched, whose threads the second core is needed for.
            busy = self._in_flight > len(questions) or not self._queue.empty()
            vectors = questions[0].service.encoder.encode_questions(
                [q.question for q in questions], busy=busy
            )
        except Exception as error:
            for question in questions:
                _settle(question.result, _raise, error)
            return
        for question, vector in zip(questions, vectors, strict=True):

            def answer(question: _Question = question, vector: Any = vector) -> Answer:
                answer = question.service.ask(
                    question.question, question.k, question.filters, query_vector=vector
                )
                # From the start of the shared forward pass to the answer.
                return replace(answer, took_ms=(time.perf_counter() - started) * 1000)

            self._searches.submit(_settle, question.result, answer)


def _raise(error: Exception) -> Any:
    raise error


def _settle(result: Future[T], function: Callable[..., T], *args: Any) -> None:
    """Run function into result, unless the waiting request was cancelled meanwhile (a
    client that went away): setting a cancelled future would kill this thread."""
    if not result.set_running_or_notify_cancel():
        return
    try:
        result.set_result(function(*args))
    except Exception as error:
        result.set_exception(error)

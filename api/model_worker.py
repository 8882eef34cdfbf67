"""The threads behind the HTTP routes: one encodes questions, one searches, one writes.

Questions' forward passes go through the model thread: one at a time keeps the cores from
being fought over. Questions that arrive while it is busy are handed to the service
together (``QAService.encode``), on one core, leaving the other to the search thread and
HTTP. Their answers (``QAService.answer``: search, fusion, highlight) run on the search
thread while the model thread encodes the next ones, so under load the two overlap.

Document writes (embedding an article's passages and storing them) run on a writer
thread of their own, in the order they arrived, so that no question waits behind one; at
most ``MAX_WAITING_WRITES`` wait their turn, and more are refused until they drain.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from qa.answers import Answer
from qa.questions import Question
from qa.service import QAService

T = TypeVar("T")

# Most questions encoded in one forward pass.
MAX_BATCH = 32
# Writes accepted and not yet stored, beyond which a write is refused (503, Retry-After).
MAX_WAITING_WRITES = 8


class WritesBackedUp(RuntimeError):
    """Too many writes are waiting; the client should retry later."""


@dataclass(frozen=True)
class _Question:
    service: QAService
    question: Question
    result: Future[Answer]


class ModelWorker:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Question | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="model", daemon=True)
        self._searches = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        # Writes accepted and not finished; changed on the event loop's thread only.
        self.writes_waiting = 0
        # Questions asked and not yet answered; changed on the event loop's thread only,
        # read by the model thread to tell a lone question from one among others.
        self._in_flight = 0
        self._thread.start()

    async def ask(self, service: QAService, question: Question) -> Answer:
        result: Future[Answer] = Future()
        self._in_flight += 1
        try:
            self._queue.put(_Question(service, question, result))
            return await asyncio.wrap_future(result)
        finally:
            self._in_flight -= 1

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the writer thread, after the writes before it; questions
        go on meanwhile. WritesBackedUp when MAX_WAITING_WRITES already wait."""
        if self.writes_backed_up:
            raise WritesBackedUp(f"{self.writes_waiting} writes are waiting to be stored")
        self.writes_waiting += 1
        try:
            return await asyncio.wrap_future(self._writer.submit(function, *args))
        finally:
            self.writes_waiting -= 1

    @property
    def writes_backed_up(self) -> bool:
        """Whether a write now would be refused."""
        return self.writes_waiting >= MAX_WAITING_WRITES

    def shutdown(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._searches.shutdown(wait=True)
        self._writer.shutdown(wait=True)

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
            self._answer(work)

    def _answer(self, questions: list[_Question]) -> None:
        # Questions go to the service of the first: one service a server.
        service = questions[0].service
        try:
            # Both cores for a lone question; one when others wait to be encoded or are
            # being searched, whose threads the second core is needed for.
            busy = self._in_flight > len(questions) or not self._queue.empty()
            encoded = service.encode([item.question for item in questions], busy=busy)
        except Exception as error:
            for item in questions:
                _settle(item.result, _raise, error)
            return
        for item, question in zip(questions, encoded, strict=True):
            self._searches.submit(_settle, item.result, service.answer, question)


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

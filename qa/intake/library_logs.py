"""The page-reading libraries' own log lines, held while they read one page: a client's
junk HTML is not the service's fault, so it becomes at most one WARNING of the service's
own (qa.intake.web_pages), never trafilatura's ERROR lines in an operator's log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# trafilatura and what it reads with: main text, dates, links, boilerplate.
PAGE_LIBRARIES = ("trafilatura", "htmldate", "courlan", "justext")

_held: ContextVar[list[logging.LogRecord] | None] = ContextVar("held_library_logs", default=None)


class _Holder(logging.Handler):
    """Keeps a record while a page is read on this thread (or task); passes it on to the
    root's handlers otherwise, as if it had not been caught."""

    def emit(self, record: logging.LogRecord) -> None:
        held = _held.get()
        if held is not None:
            held.append(record)
        else:
            logging.getLogger().handle(record)


_HOLDER = _Holder()


def _install() -> None:
    for name in PAGE_LIBRARIES:
        library = logging.getLogger(name)
        if _HOLDER not in library.handlers:
            library.addHandler(_HOLDER)
            library.propagate = False


@contextmanager
def held_library_logs() -> Iterator[list[logging.LogRecord]]:
    """The records of warnings and errors the page libraries log inside the block."""
    _install()
    held: list[logging.LogRecord] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def summary(records: list[logging.LogRecord]) -> str:
    """The first warning or error of the records, and how many followed it; "" if none."""
    worth = [record for record in records if record.levelno >= logging.WARNING]
    if not worth:
        return ""
    first = worth[0]
    more = f" and {len(worth) - 1} more" if len(worth) > 1 else ""
    return f"{first.name}: {first.getMessage()}{more}"

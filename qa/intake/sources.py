"""What ``qa ingest`` and ``qa watch`` read: files, directories, and http(s) URLs of article
pages or feeds. Each is turned into documents, or into a line saying why not.

A feed's entries are known by their guid or their link: an entry already in the index (from
this feed, or its page ingested as a file or a URL) is not fetched or read again, so a feed
ingested twice adds only what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.documents import Document
from qa.intake.feeds import FEED_SUFFIXES, FeedEntry, FeedError, looks_like_feed, read_feed
from qa.intake.fetch import FetchError, fetch, is_url
from qa.intake.fetch_policy import FetchLimits
from qa.intake.loaders import find_files, load_file
from qa.intake.web_pages import PageError, doc_id_for_url, document_from_html


@dataclass
class SourceResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Feed entries skipped because the index holds them already.
    known_entries: int = 0


def load_sources(
    sources: Sequence[str],
    limits: FetchLimits,
    is_known: Callable[[str], bool] = lambda doc_id: False,
) -> SourceResult:
    result = SourceResult()
    paths = [Path(source) for source in sources if not is_url(source)]
    for path in find_files(paths, extra_suffixes=FEED_SUFFIXES):
        if path.suffix.lower() in FEED_SUFFIXES:
            _add_feed(result, str(path), path.read_bytes(), "", limits, is_known)
        else:
            loaded = load_file(path)
            result.documents += loaded.documents
            result.errors += loaded.errors
    for url in (source for source in sources if is_url(source)):
        _add_url(result, url, limits, is_known)
    return result


def _add_url(
    result: SourceResult, url: str, limits: FetchLimits, is_known: Callable[[str], bool]
) -> None:
    try:
        fetched = fetch(url, limits)
    except FetchError as error:
        result.errors.append(str(error))
        return
    if fetched.is_feed_type or looks_like_feed(fetched.content):
        _add_feed(result, url, fetched.content, fetched.url, limits, is_known)
        return
    try:
        result.documents.append(document_from_html(fetched.content, url=fetched.url))
    except PageError as error:
        result.errors.append(f"{url}: {error}")


def _add_feed(
    result: SourceResult,
    where: str,
    content: bytes,
    base_url: str,
    limits: FetchLimits,
    is_known: Callable[[str], bool],
) -> None:
    try:
        entries = read_feed(content, base_url)
    except FeedError as error:
        result.errors.append(f"{where}: {error}")
        return
    for entry in entries:
        if is_known(entry.doc_id) or (is_url(entry.link) and is_known(doc_id_for_url(entry.link))):
            result.known_entries += 1
            continue
        try:
            result.documents.append(_entry_document(entry, limits))
        except (FetchError, PageError) as error:
            result.errors.append(f"{where}: entry {entry.key}: {error}")


def _entry_document(entry: FeedEntry, limits: FetchLimits) -> Document:
    """From the entry's full content when the feed carries it, else from its link."""
    fallbacks = {
        "doc_id": entry.doc_id,
        "title": entry.title,
        "source": entry.feed_title,
        "published": entry.published,
    }
    if entry.content_html:
        return document_from_html(entry.content_html, url=entry.link, **fallbacks)
    if not is_url(entry.link):
        raise PageError("the entry has neither its full content nor an http(s) link")
    fetched = fetch(entry.link, limits)
    return document_from_html(fetched.content, url=fetched.url, **fallbacks)

"""A document handed in as fields: with its text, with a page's HTML, or with the URL of a
page to fetch. The one way ``POST /documents`` and the files ``qa ingest`` reads (JSON
records, HTML pages, fetched URLs) become documents.

The fields given win over what a page says of itself: a client that names a title or a
doc_id keeps it, and what it leaves out comes from the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from qa.documents import Document, DocumentError, document_from_fields
from qa.intake.fetch import FetchError, fetch
from qa.intake.fetch_policy import FetchPolicy
from qa.intake.web_pages import PageError, page_fields

_TEXT_FIELDS = ("text", "body")


class SubmissionError(ValueError):
    """What was handed in cannot become a document; the message names the field and why."""


class FetchRefused(SubmissionError):
    """The URL is on a host the caller may not have fetched."""


class DocumentTooLong(SubmissionError):
    """The document's text is over the caller's limit."""


def document_from_submission(
    fields: Mapping[str, Any],
    *,
    page_url: str = "",
    policy: FetchPolicy | None = None,
    max_chars: int | None = None,
) -> Document:
    """The document the fields describe. ``html`` is a page's HTML (``page_url``, or the
    ``url`` field, where it was found); ``fetch`` a page's URL, fetched under ``policy``
    (None: nothing is fetched). Text given wins over both."""
    given = dict(fields)
    has_text = any(name in given for name in _TEXT_FIELDS)
    target = given.pop("fetch", None)
    if target is not None and not has_text and "html" not in given:
        given["html"], page_url = _fetch_page(target, policy)
    html = given.pop("html", None)
    try:
        if html is not None and not has_text:
            found = page_fields(html, url=page_url or str(given.get("url") or ""))
            given = {**{name: value for name, value in found.items() if value}, **given}
        document = document_from_fields(given)
    except PageError as error:
        raise SubmissionError(f"html: {error}") from None
    except DocumentError as error:
        raise SubmissionError(str(error)) from None
    if max_chars is not None and len(document.text) > max_chars:
        raise DocumentTooLong(f"text: over {max_chars} characters")
    return document


def _fetch_page(url: object, policy: FetchPolicy | None) -> tuple[bytes, str]:
    """The page at url and where it ended up after redirects, if the policy allows it."""
    if not isinstance(url, str) or not url:
        raise SubmissionError("fetch: must be the http(s) URL of a page")
    if policy is None:
        raise FetchRefused(
            "fetch: nothing is fetched for a document given here; give its text or html, "
            "or pass the URL to `qa ingest`"
        )
    try:
        allowed = policy.allows(url)
    except ValueError as error:  # "Invalid IPv6 URL", a port that is not a number
        raise SubmissionError(f"fetch: not a URL this server can read: {error}") from None
    if not allowed:
        raise FetchRefused(
            f"fetch: this server does not fetch from {_host_of(url)!r} (QA_FETCH_HOSTS names "
            "the hosts it may fetch from); send the page's html or text instead"
        )
    try:
        fetched = fetch(url, policy.limits)
    except FetchError as error:
        raise SubmissionError(f"fetch: {error}") from None
    if fetched.is_feed_type:
        raise SubmissionError(f"fetch: {url} is a feed, not an article page")
    return fetched.content, fetched.url


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or url

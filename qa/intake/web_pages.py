"""News pages to documents: the article's main text and the page's own metadata.

trafilatura finds the main text, leaving out navigation, ads, captions, comments, cookie
banners and "read more" lists. It keeps paragraphs (one a line) and reads title, outlet,
author, date and canonical link from the page's ``<meta>`` tags and JSON-LD (the date with
htmldate). A page with no article in it is refused with PageError.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from qa.documents import Document, DocumentError, document_from_fields, normalise_published
from qa.intake.library_logs import held_library_logs, summary

log = logging.getLogger(__name__)

# Less main text than this is not an article (a cookie wall, an index page, a paywall stub).
MIN_ARTICLE_CHARS = 200


class PageError(ValueError):
    """The page holds no article to ingest."""


def doc_id_for_url(url: str) -> str:
    """A page's id from its canonical link: read again, by whatever way, it replaces itself."""
    return f"url-{hashlib.sha256(canonical_link(url).encode()).hexdigest()[:16]}"


def canonical_link(url: str) -> str:
    """The link as one page's identity: scheme and host in lower case, no fragment, no
    default port, so that the same page linked two ways is one document."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if port is not None and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def document_from_html(html: str | bytes, url: str = "", **fallbacks: Any) -> Document:
    """The article of a page (bytes are decoded by the page's own charset). ``url`` is
    where it was found; ``fallbacks`` (title, source, published, doc_id) fill what the page
    itself does not say, as a feed entry knows. Its id is its canonical link (the page's
    own, else ``url``) when it has one, whether it came as a file, a URL or a feed entry;
    ``fallbacks["doc_id"]`` (a feed entry's guid) only when it has none."""
    try:
        return document_from_fields(page_fields(html, url, **fallbacks))
    except DocumentError as error:
        raise PageError(str(error)) from None


def page_fields(html: str | bytes, url: str = "", **fallbacks: Any) -> dict[str, Any]:
    """A page's article and metadata as a document's fields (empty where the page says
    nothing), as ``document_from_html`` reads them."""
    import trafilatura

    with held_library_logs() as library_logs:
        extracted = trafilatura.bare_extraction(
            _without_prompts(html),
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_tables=True,
            favor_precision=True,
        )
    said = summary(library_logs)
    if said:
        log.warning("reading the page %s: %s", url or "given as HTML", said)
    if extracted is None:
        page: dict[str, Any] = {}
    else:
        page = extracted if isinstance(extracted, dict) else extracted.as_dict()
    text = _without_title_line(str(page.get("text") or ""), str(page.get("title") or ""))
    if len(text.strip()) < MIN_ARTICLE_CHARS:
        raise PageError(
            f"no article found (main text of {len(text.strip())} characters, "
            f"fewer than {MIN_ARTICLE_CHARS})"
        )
    canonical = str(page.get("url") or url or "")
    linked = canonical.startswith(("http://", "https://"))
    fields: dict[str, Any] = {
        "doc_id": doc_id_for_url(canonical) if linked else fallbacks.get("doc_id", ""),
        "title": page.get("title") or fallbacks.get("title") or "",
        "text": text,
        "source": _outlet(page, url) or fallbacks.get("source") or _host_guess(page, url),
        "url": canonical if linked else "",
        "published": _valid_date(page.get("date")) or fallbacks.get("published") or "",
    }
    if page.get("author"):
        fields["author"] = page["author"]
    return fields


# Class or id words of the prompts a page puts inside an article's body: a paywall or
# sign-up teaser is text in paragraphs, which main-text extraction would keep.
_PROMPT_WORDS = {"paywall", "regwall", "subscribe", "piano"}
# Longer than this, an element so named is the gated article itself, not its prompt.
_PROMPT_MAX_CHARS = 1000


def _without_prompts(html: str | bytes) -> Any:
    """The page parsed once (by trafilatura's own loader, which guesses its encoding), its
    paywall and subscription prompts removed; as it was when it cannot be parsed."""
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        return html
    prompts = [
        element
        for element in tree.iter()
        if isinstance(element.tag, str)
        and _PROMPT_WORDS & _words(f"{element.get('class', '')} {element.get('id', '')}")
        and len(element.text_content()) <= _PROMPT_MAX_CHARS
    ]
    for element in prompts:
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def _words(names: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", names.lower()))


def _without_title_line(text: str, title: str) -> str:
    """The text without its first line when that is the headline again."""
    first, _, rest = text.partition("\n")
    if title and _folded(first) == _folded(title):
        return rest.strip()
    return text.strip()


def _folded(line: str) -> str:
    return " ".join(line.casefold().split())


def _outlet(page: dict[str, Any], url: str) -> str:
    """The outlet the page names itself; trafilatura's guess from the link's host is not."""
    sitename = str(page.get("sitename") or "")
    return "" if sitename == _host_guess(page, url) else sitename


def _host_guess(page: dict[str, Any], url: str) -> str:
    sitename = str(page.get("sitename") or "")
    hosts = {urlsplit(url).netloc, urlsplit(url).hostname or "", str(page.get("hostname") or "")}
    return sitename if sitename and sitename in hosts else ""


def _valid_date(value: object) -> str:
    """The page's date when it is an ISO date; a date no one can read is left out."""
    try:
        return normalise_published(value)
    except DocumentError:
        return ""

"""RSS (0.9x-2.0) and Atom feeds, read with feedparser: their entries, each known by its
guid (or its link), with the full content when the feed carries it."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

# An entry's content shorter than this is a teaser: the article is fetched from its link.
FULL_CONTENT_CHARS = 600

FEED_SUFFIXES = {".rss", ".atom", ".xml"}


class FeedError(ValueError):
    """Not a feed, or a feed with nothing in it."""


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the guid, else the link
    link: str
    title: str
    published: str
    # The entry's own HTML when it carries the whole article, else "".
    content_html: str
    feed_title: str

    @property
    def doc_id(self) -> str:
        """Stable for the entry, however often the feed is read."""
        return f"entry-{hashlib.sha256(self.key.encode()).hexdigest()[:16]}"


def looks_like_feed(content: bytes) -> bool:
    head = content[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def read_feed(content: bytes, base_url: str = "") -> list[FeedEntry]:
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise FeedError(f"not an RSS or Atom feed ({reason})")
    feed_title = str(parsed.feed.get("title", ""))
    entries = []
    for entry in parsed.entries:
        link = str(entry.get("link", ""))
        key = str(entry.get("id") or link)
        if not key:
            continue  # nothing to know it by: it could not be told apart next time
        entries.append(
            FeedEntry(
                key=key,
                link=link,
                title=str(entry.get("title", "")),
                published=_published(entry),
                content_html=_full_content(entry),
                feed_title=feed_title,
            )
        )
    return entries


def _published(entry: Any) -> str:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return ""
    return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()


def _full_content(entry: Any) -> str:
    """content:encoded or Atom content when it is more than a teaser."""
    for content in entry.get("content", []):
        value = str(content.get("value", ""))
        if len(_visible_text(value)) >= FULL_CONTENT_CHARS:
            return value
    return ""


def _visible_text(html: str) -> str:
    import lxml.html

    try:
        return str(lxml.html.fromstring(html).text_content()) if html.strip() else ""
    except (ValueError, TypeError):
        return html

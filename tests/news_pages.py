"""News pages and feeds the tests build around real article text: the shapes found on the
web (navigation, a cookie banner, ads, share buttons, an unrelated photo, "read more",
comments, a paywall teaser, Open Graph tags and JSON-LD), each piece of boilerplate with a
phrase the tests look for in what was kept."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

# A phrase of each kind of boilerplate: none may end up in a stored article.
BOILERPLATE = {
    "navigation": "Subscribe to our morning briefing",
    "cookies": "We use cookies to personalise content",
    "advert": "Save 50 percent on the SuperPhone X today",
    "share": "Share this story on Facebook",
    "caption": "A cat sleeps on a sunny windowsill",
    "read more": "Ten recipes for summer salads",
    "comments": "First! Totally agree with every word of this",
    "paywall": "Subscribe now to keep reading this story",
    "footer": "All rights reserved by the publisher",
}


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: list[str]
    outlet: str
    author: str
    published: str  # ISO date
    url: str


def news_page(article: Article, *, paywall_after: int | None = None) -> str:
    """A whole page. With ``paywall_after``, only that many paragraphs are shown, then a
    paywall teaser: the page then holds less than the article."""
    shown = article.paragraphs if paywall_after is None else article.paragraphs[:paywall_after]
    body = []
    for number, paragraph in enumerate(shown):
        body.append(f"<p>{html.escape(paragraph)}</p>")
        if number == 1:
            body.append(
                f'<div class="ad-slot"><span>Advertisement</span> {BOILERPLATE["advert"]}</div>'
            )
        if number == 2:
            body.append(
                f'<figure class="photo"><img src="/cat.jpg" alt="">'
                f"<figcaption>{BOILERPLATE['caption']}</figcaption></figure>"
            )
    if paywall_after is not None:
        body.append(f'<div class="paywall"><p>{BOILERPLATE["paywall"]}</p></div>')
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": f"{article.published}T09:30:00Z",
        "author": {"@type": "Person", "name": article.author},
        "publisher": {"@type": "Organization", "name": article.outlet},
        "mainEntityOfPage": article.url,
    }
    title = html.escape(article.title)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {html.escape(article.outlet)}</title>
<meta property="og:site_name" content="{html.escape(article.outlet)}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta name="author" content="{html.escape(article.author)}">
<link rel="canonical" href="{html.escape(article.url)}">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>
<div class="cookie-banner">{BOILERPLATE["cookies"]}. <button>Accept all</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/newsletter">{BOILERPLATE["navigation"]}</a></li></ul></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {html.escape(article.author)}, {article.published}</p>
<div class="share"><a href="#">{BOILERPLATE["share"]}</a></div>
<div class="article-body">
{chr(10).join(body)}
</div>
</article>
<aside class="read-more"><h2>Read more</h2><ul>
<li><a href="/food/salads">{BOILERPLATE["read more"]}</a></li>
<li><a href="/sport">Local team wins the cup again</a></li></ul></aside>
<section id="comments"><h2>Comments (2)</h2>
<div class="comment"><p>{BOILERPLATE["comments"]}</p></div>
<div class="comment"><p>Who writes these headlines anyway?</p></div></section>
</main>
<footer><p>© 2025 {html.escape(article.outlet)}. {BOILERPLATE["footer"]}.</p></footer>
</body></html>"""


def rss_feed(title: str, entries: list[tuple[Article, str | None]]) -> str:
    """RSS 2.0; each entry with its full content (content:encoded) or only a teaser."""
    items = []
    for article, full_html in entries:
        date = datetime.fromisoformat(article.published).replace(tzinfo=UTC)
        content = f"<content:encoded><![CDATA[{full_html}]]></content:encoded>" if full_html else ""
        items.append(
            f"<item><title>{html.escape(article.title)}</title>"
            f"<link>{html.escape(article.url)}</link>"
            f'<guid isPermaLink="false">{html.escape(article.url)}#guid</guid>'
            f"<pubDate>{format_datetime(date)}</pubDate>"
            f"<description>{html.escape(article.paragraphs[0][:120])}</description>"
            f"{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{html.escape(title)}</title><link>https://example.org/</link>"
        f"<description>News</description>{''.join(items)}</channel></rss>"
    )


def atom_feed(title: str, entries: list[Article]) -> str:
    """Atom 1.0 with summaries only: each article is fetched from its link."""
    items = "".join(
        f"<entry><title>{html.escape(article.title)}</title>"
        f'<link href="{html.escape(article.url)}"/>'
        f"<id>tag:example.org,2025:{abs(hash(article.url))}</id>"
        f"<updated>{article.published}T09:30:00Z</updated>"
        f"<summary>{html.escape(article.paragraphs[0][:120])}</summary></entry>"
        for article in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(title)}</title><id>tag:example.org,2025:feed</id>"
        f"<updated>2025-12-18T00:00:00Z</updated>{items}</feed>"
    )

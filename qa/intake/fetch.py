"""Fetching article pages and feeds: polite and bounded.

A user agent that names the project; a timeout for every wait and one for the whole
fetch; a size limit read as the bytes arrive (not trusted from the headers); redirects
followed one at a time, at most ``max_redirects``, each one's address checked again; only
HTML and feeds accepted. Loopback, private, link-local and other non-public addresses are
refused unless ``allow_private`` is set (the tests, which serve pages on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from qa.intake.fetch_policy import FetchLimits

USER_AGENT = "passage-qa/0.1 (news question answering; fetches articles and feeds to quote)"
# Media types of pages and feeds; anything else (a PDF, an image) is refused.
ACCEPTED_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
}
CHUNK_BYTES = 64 << 10


class FetchError(Exception):
    """A URL that could not or may not be fetched; the message names it and why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the content came from, after redirects
    content: bytes
    media_type: str

    @property
    def is_feed_type(self) -> bool:
        return self.media_type not in ("text/html", "application/xhtml+xml")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def check_address(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https URLs are fetched")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError) as error:
        raise FetchError(f"{url}: cannot resolve {parts.hostname} ({error})") from None
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise FetchError(
                f"{url}: {parts.hostname} is a non-public address ({ip}); fetching such "
                "addresses is off (QA_FETCH_ALLOW_PRIVATE)"
            )


def fetch(url: str, limits: FetchLimits) -> Fetched:
    """The page or feed at ``url``; FetchError saying why not."""
    deadline = time.monotonic() + 3 * limits.timeout_seconds
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
        "application/xml;q=0.9,*/*;q=0.1",
    }
    visited: list[str] = []
    with httpx.Client(
        headers=headers, timeout=limits.timeout_seconds, follow_redirects=False
    ) as client:
        while True:
            check_address(url, limits.allow_private)
            visited.append(url)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = _next_hop(url, response, visited, limits)
                        continue
                    return _read(url, response, limits, deadline)
            except httpx.TimeoutException:
                raise FetchError(f"{url}: no answer within {limits.timeout_seconds:g} s") from None
            except httpx.HTTPError as error:
                raise FetchError(f"{url}: {error}") from None


def _next_hop(url: str, response: httpx.Response, visited: list[str], limits: FetchLimits) -> str:
    location = response.headers.get("location", "")
    if not location:
        raise FetchError(f"{url}: a redirect ({response.status_code}) without a location")
    target = urljoin(url, location)
    if target in visited:
        raise FetchError(f"{visited[0]}: a redirect loop ({target} again)")
    if len(visited) > limits.max_redirects:
        raise FetchError(f"{visited[0]}: more than {limits.max_redirects} redirects")
    return target


def _read(url: str, response: httpx.Response, limits: FetchLimits, deadline: float) -> Fetched:
    if response.status_code >= 400:
        raise FetchError(f"{url}: the server answered {response.status_code}")
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise FetchError(
            f"{url}: {media_type or 'content of no declared type'} is not an article page or a feed"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"{url}: {int(declared):,} bytes, over the limit of {limits.max_bytes:,}")
    received = bytearray()
    for chunk in response.iter_bytes(CHUNK_BYTES):
        received += chunk
        if len(received) > limits.max_bytes:
            raise FetchError(f"{url}: over the limit of {limits.max_bytes:,} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: still arriving after {3 * limits.timeout_seconds:g} s")
    return Fetched(str(response.url), bytes(received), media_type)

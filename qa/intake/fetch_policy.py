"""How far a fetch may go and which hosts a server fetches from for a client: plain data,
light to import, so reading the settings loads no HTTP client."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class FetchLimits:
    timeout_seconds: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True)
class FetchPolicy:
    """What a caller may have fetched: ``hosts`` None for any host (a command its operator
    runs), else only those (a server fetching for a client, which could otherwise point it
    at anything it reaches)."""

    limits: FetchLimits
    hosts: frozenset[str] | None = None

    @classmethod
    def only(cls, limits: FetchLimits, hosts: Collection[str]) -> FetchPolicy:
        return cls(limits, frozenset(host.lower() for host in hosts))

    def allows(self, url: str) -> bool:
        """Whether the URL's host may be fetched; ValueError for what is no URL at all
        ("Invalid IPv6 URL", a port that is not a number)."""
        host = (urlsplit(url).hostname or "").lower()
        return self.hosts is None or host in self.hosts

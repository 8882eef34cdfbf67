"""When a question is asked about: the moment it is asked as of, the period it names,
and how much a candidate's age counts.

Dates are compared by day: an article counts as published on the date it gives (as
written), and a question asked as of a day sees that day's articles. A date-time ``as_of``
also leaves out the articles of its own day stamped later than it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from index import SearchFilters
from qa.time_phrases import Period


class AsOfError(ValueError):
    """``as_of`` is not an ISO date or date-time."""


def parse_as_of(value: str | dt.date | dt.datetime | None) -> dt.datetime:
    """An aware date-time: a date means the end of that day in UTC, a naive date-time is
    UTC, and None is now; AsOfError for anything else (an empty text included)."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = dt.date.fromisoformat(text)
            else:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise AsOfError(
                f"as_of must be an ISO date or date-time such as 2025-12-17, not {value!r}"
            ) from None
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time.max, dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@lru_cache(maxsize=65536)
def published_day(published: str) -> dt.date | None:
    """The day of a stored publication date; None when undated (or unreadable)."""
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def published_after(published: str, as_of: dt.datetime) -> bool:
    """Whether an article was published after the moment: by day, and on as_of's own day
    by time when both give one."""
    day = published_day(published)
    if day is None:
        return False
    if day != as_of.date():
        return day > as_of.date()
    if len(published) <= 10 or as_of.time() == dt.time.max:
        return False
    try:
        moment = dt.datetime.fromisoformat(published)
    except ValueError:
        return False
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)) > as_of


@dataclass(frozen=True)
class Recency:
    """A bonus for recent articles in fusion: ``weight`` times one half for every
    ``half_life_days`` of age before ``today``. An undated article counts as one half-life
    old, so it is neither preferred nor pushed back."""

    today: dt.date
    half_life_days: float
    weight: float

    def bonus(self, published: str) -> float:
        day = published_day(published)
        if day is None:
            return self.weight * 0.5
        age = max((self.today - day).days, 0)
        return self.weight * 0.5 ** (age / self.half_life_days)


def up_to(filters: SearchFilters | None, as_of: dt.datetime) -> SearchFilters:
    """The filters, also leaving out articles dated after as_of's day."""
    return replace(filters or SearchFilters(), published_by=as_of.date().isoformat())


def within(filters: SearchFilters | None, period: Period) -> SearchFilters:
    """The filters narrowed to articles dated in the period."""
    base = filters or SearchFilters()
    start, end = period.start.isoformat(), period.end.isoformat()
    return replace(
        base,
        published_from=max(base.published_from, start),
        published_to=min(base.published_to, end) if base.published_to else end,
    )

"""Time expressions in text ("this week", "on Thursday", "since January", "Dec. 17, 2025")
resolved against a day into periods, first and last day inclusive.

A question's period is read against the moment it is asked (``question_period``); a
quoted sentence's relative dates ("Thursday", "yesterday") against its article's date
(``dates_meant``). The grammar is a table of patterns: dateparser reads one date string
in about a millisecond and finds none inside a sentence, where a question has to be read
in well under one. Words that only look like time need context to count: a month or a
year alone is a period only after a preposition ("in May", not "Theresa May"; "in 2019",
not "the 2019 report"), and decades ("the 1990s") are never one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, replace

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NUMBER_WORDS = {
    "a": 1, "an": 1, "couple of": 2, "few": 3, "several": 3, "one": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both inclusive, and the words they were read from
    (``span``: their offsets in the text)."""

    start: dt.date
    end: dt.date
    phrase: str
    span: tuple[int, int]

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


# -- the pieces of a pattern --------------------------------------------------------

_MONTH_FULL = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
)
# Abbreviations only where a day or a year follows: "Mar" alone is not read.
_MONTH_ANY = rf"(?:{_MONTH_FULL}|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"
_MONTH = rf"(?:{_MONTH_FULL})\b"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d(?![\d'’]|s\b)"
_NUMBER_WORD = "|".join(word.replace(" ", r"\s+") for word in NUMBER_WORDS)
_NUMBER = rf"(?:\d{{1,2}}|{_NUMBER_WORD})"
_WEEKDAY = rf"(?:{'|'.join(WEEKDAYS)})"
_UNIT = r"(?:day|week|month|year)s?"
# A number that counts what follows is no year: "in 2000 square miles", "2019 troops".
_NOT_A_COUNT = (
    r"(?!\s+(?:square|sq|km|per|(?!(?:was|is|has|does|as|his|its|this|thus|plus|less|"
    r"unless|across|versus)\b)[a-z]+s)\b)"
)
# A day with its month, in either order, and perhaps its year: "Dec. 17, 2025", "17 December".
_DATE = (
    rf"(?:(?P<m1>{_MONTH_ANY})\s+(?P<d1>{_DAY})\b(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?:the\s+)?(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MONTH_ANY})(?:,?\s+(?P<y2>{_YEAR}))?"
    rf"|(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d))"
)
# A month with its year, or a year: "March 2020", "March of 2020", "2019".
_MONTH_YEAR = rf"(?:(?P<m3>{_MONTH_ANY})\s+(?:of\s+)?(?P<y3>{_YEAR})|(?P<y4>{_YEAR}){_NOT_A_COUNT})"
_IN = r"(?:(?:in|during|throughout|over|from|for|of|by|since|early|late|earlier\s+in)\s+|mid-?)"
# Words before a weekday that make it the next one: "will meet on Thursday".
_FUTURE = re.compile(
    r"\b(?:will|would|shall|is\s+due|are\s+due|scheduled|expected|planned|set\s+to)\b"
    r"(?:\W+\w+){0,4}\W*$",
)


def _plain(pattern: str) -> str:
    """A pattern without its group names, to be used twice in one rule."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[" ".join(word.lower().split())]


def _month(word: str) -> int:
    return MONTHS[word.lower()[:3]]


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


# -- calendar arithmetic ------------------------------------------------------------


def _week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _month_of(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_before(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


def _latest_month(month: int, today: dt.date, *, before_this_one: bool = False) -> int:
    """The year of the latest such month that began on or before today (or, with
    ``before_this_one``, before this month)."""
    if month < today.month or (month == today.month and not before_this_one):
        return today.year
    return today.year - 1


def _latest_weekday(weekday: int, today: dt.date, *, strictly_before: bool = False) -> dt.date:
    back = (today.weekday() - weekday) % 7
    if back == 0 and strictly_before:
        back = 7
    return today - dt.timedelta(days=back)


def _next_weekday(weekday: int, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _a_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_in(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The day a ``_DATE`` match names; without a year, the latest one on or before today."""
    if match["iso"]:
        year, month, day = (int(part) for part in match["iso"].split("-"))
        found = _a_date(year, month, day)
        return (found, found) if found else None
    month = _month(match["m1"] or match["m2"])
    day = _day_number(match["d1"] or match["d2"])
    year_text = match["y1"] or match["y2"]
    if year_text:
        found = _a_date(int(year_text), month, day)
    else:
        found = _a_date(today.year, month, day)
        if found is not None and found > today:
            found = _a_date(today.year - 1, month, day)
    return (found, found) if found else None


def _month_year_in(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    if match["y4"]:
        year = int(match["y4"])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return _month_of(int(match["y3"]), _month(match["m3"]))


# What "between", "from" and "since" may name.
_ENDS = f"(?:{_plain(_DATE)}|{_plain(_MONTH_YEAR)}|{_MONTH})"

# -- the rules ------------------------------------------------------------------------

Resolver = Callable[[re.Match[str], dt.date], "tuple[dt.date, dt.date] | None"]


def _relative_day(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    word = match["word"].lower()
    if word.startswith("the day before"):
        day = today - dt.timedelta(days=2)
    elif word.startswith("yesterday") or word == "last night":
        day = today - dt.timedelta(days=1)
    elif word.startswith("tomorrow"):
        day = today + dt.timedelta(days=1)
    else:
        day = today
    return day, day


def _this_last_next(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    which, unit = match["which"].lower().split()[-1], match["unit"].lower()
    step = {"this": 0, "last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}[which]
    if unit == "week":
        monday, sunday = _week_of(today + dt.timedelta(weeks=step))
        return monday, sunday
    if unit == "weekend":
        monday, _ = _week_of(today + dt.timedelta(weeks=step))
        return monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)
    if unit == "month":
        return _month_of(*_months_before(today, -step))
    year = today.year + step
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _rolling(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    """ "the past two weeks": the days up to today, today included."""
    count = _number(match["count"]) if match["count"] else 1
    unit = match["unit"].lower().rstrip("s")
    if unit == "month":
        year, month = _months_before(today, count)
        start = _a_date(year, month, today.day) or dt.date(year, month, 28)
        return start + dt.timedelta(days=1), today
    days = {"day": 1, "week": 7, "year": 365}[unit] * count
    return today - dt.timedelta(days=days - 1), today


def _ago(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    """ "three days ago": that day; "two weeks ago": that calendar week (or month, year)."""
    count = _number(match["count"])
    unit = match["unit"].lower().rstrip("s")
    if unit == "day":
        day = today - dt.timedelta(days=count)
        return day, day
    if unit == "week":
        return _week_of(today - dt.timedelta(weeks=count))
    if unit == "month":
        return _month_of(*_months_before(today, count))
    return dt.date(today.year - count, 1, 1), dt.date(today.year - count, 12, 31)


def _weekday(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    weekday = WEEKDAYS.index(match["weekday"].lower())
    which = (match["which"] or "").lower()
    before = match.string[max(0, match.start() - 60) : match.start()].lower()
    if which in ("next", "coming") or (not which and _FUTURE.search(before)):
        day = _next_weekday(weekday, today)
    else:
        day = _latest_weekday(weekday, today, strictly_before=which == "last")
    return day, day


def _since(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """ "since January": from the start of what it names to today."""
    inner = _resolve_inner(match["what"], today)
    return (inner[0], today) if inner else None


def _between(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """ "between March and May 2020": the year of the second end is also the first's."""
    second = match["second"]
    year = re.search(rf"{_YEAR}", second)
    first = match["first"]
    if year and not re.search(rf"{_YEAR}", first):
        first = f"{first} {year.group(0)}"
    first_period, second_period = _resolve_inner(first, today), _resolve_inner(second, today)
    if not first_period or not second_period:
        return None
    start, end = first_period[0], second_period[1]
    if end < start and not year:
        # "between November and February": the first end is in the year before.
        shifted = _resolve_inner(f"{first} {second_period[1].year - 1}", today)
        start = shifted[0] if shifted else start
    return (start, end) if start <= end else None


def _named_month(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    month = _month(match["month"])
    which = (match["which"] or "").lower()
    if which == "this":
        year = today.year
    elif which == "next":
        year = today.year if month > today.month else today.year + 1
    else:
        year = _latest_month(month, today, before_this_one=which == "last")
    return _month_of(year, month)


# Each rule: a pattern (read case-insensitively) and how it resolves. At one place the
# longest match wins, so "between March and May 2020" is read whole, not as "May 2020".
_RULES: list[tuple[re.Pattern[str], Resolver]] = [
    (
        re.compile(
            rf"\b(?:between|from)\s+(?P<first>{_ENDS})\s+"
            rf"(?:and|to|until|till|through)\s+(?P<second>{_ENDS})",
        ),
        _between,
    ),
    (
        re.compile(
            rf"\bsince\s+(?P<what>{_ENDS}|{_WEEKDAY}|"
            rf"(?:last|this)\s+(?:week|month|year)|yesterday)\b",
        ),
        _since,
    ),
    (re.compile(rf"\b(?:on\s+)?(?:{_WEEKDAY},?\s+)?{_DATE}\b"), _date_in),
    (re.compile(rf"\b{_IN}(?:the\s+)?{_MONTH_YEAR}"), _month_year_in),
    (
        re.compile(rf"\b(?P<m3>{_MONTH_ANY})\s+(?:of\s+)?(?P<y3>{_YEAR})(?P<y4>)"),
        _month_year_in,
    ),
    (
        re.compile(
            rf"\b(?:{_IN}|(?P<which>last|this|next)\s+)(?:the\s+month\s+of\s+)?"
            rf"(?P<month>{_MONTH})",
        ),
        _named_month,
    ),
    (
        re.compile(
            r"\b(?P<word>today|tonight|this\s+(?:morning|afternoon|evening)|"
            r"the\s+day\s+before\s+yesterday|yesterday(?:\s+(?:morning|afternoon|evening))?|"
            r"last\s+night|tomorrow)\b",
        ),
        _relative_day,
    ),
    (
        re.compile(
            r"\b(?:so\s+far\s+|earlier\s+|later\s+)?"
            r"(?P<which>this|last|next|previous|coming|the\s+previous|the\s+coming)\s+"
            r"(?P<unit>week|weekend|month|year)\b",
        ),
        _this_last_next,
    ),
    (
        re.compile(
            rf"\b(?:(?:in|over|during|for|within)\s+)?the\s+(?:past|last|previous)\s+"
            rf"(?:(?P<count>{_NUMBER})\s+)?(?P<unit>{_UNIT})\b",
        ),
        _rolling,
    ),
    (re.compile(rf"\b(?P<count>{_NUMBER})\s+(?P<unit>{_UNIT})\s+ago\b"), _ago),
    (
        re.compile(
            rf"\b(?:(?:on|by)\s+|(?P<which>last|this|next|coming)\s+)?"
            rf"(?P<weekday>{_WEEKDAY})\b",
        ),
        _weekday,
    ),
]


# The rules read lower-cased text, twice as fast as case-blind patterns; these are for the
# rare text whose lower case is not as long (its offsets would move).
_ANY_CASE_RULES = [(re.compile(pattern.pattern, re.I), resolve) for pattern, resolve in _RULES]


def _resolve_inner(text: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period of a whole phrase within ``since`` or ``between``."""
    text = text.strip().lower()
    for pattern, resolve in _RULES[2:]:
        match = pattern.fullmatch(text) or pattern.fullmatch(f"in {text}")
        if match:
            return resolve(match, today)
    month = re.fullmatch(_MONTH, text)
    if month:
        return _month_of(_latest_month(_month(text), today), _month(text))
    return None


# The words one of each rule's matches holds, in the order of _RULES: a rule runs only on
# a text holding one ("#year": a year, "#iso": an ISO date). Running every rule on every
# sentence cost a third of a millisecond a sentence.
_MONTH_WORDS = frozenset(_MONTH_FULL.split("|")) | frozenset(MONTHS) | {"sept"}
_TRIGGERS: list[frozenset[str]] = [
    frozenset({"between", "from"}),
    frozenset({"since"}),
    _MONTH_WORDS | {"#iso"},
    frozenset({"#year"}),
    frozenset({"#year"}),
    frozenset(_MONTH_FULL.split("|")),
    frozenset({"today", "tonight", "morning", "afternoon", "evening", "yesterday", "night",
               "tomorrow"}),
    frozenset({"week", "weekend", "month", "year"}),
    frozenset({"past", "last", "previous"}),
    frozenset({"ago"}),
    frozenset(WEEKDAYS),
]  # fmt: skip


# Punctuation, as white space: a text's words are then split from it at C speed.
_NOT_IN_WORDS = str.maketrans({char: " " for char in string.punctuation + "‘’“”–—…"})
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_A_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _words_of(lowered: str) -> set[str]:
    words = set(lowered.translate(_NOT_IN_WORDS).split())
    if _A_YEAR.search(lowered):
        words.add("#year")
        if _ISO_DATE.search(lowered):
            words.add("#iso")
    return words


def find_periods(text: str, today: dt.date) -> list[Period]:
    """Every time expression in the text that does not overlap a longer one, in order."""
    lowered = text.lower()
    return _find_periods(text, lowered, _words_of(lowered), today)


def _find_periods(text: str, lowered: str, words: set[str], today: dt.date) -> list[Period]:
    rules, read = (_RULES, lowered) if len(lowered) == len(text) else (_ANY_CASE_RULES, text)
    found: list[tuple[int, int, tuple[dt.date, dt.date]]] = []
    for (pattern, resolve), triggers in zip(rules, _TRIGGERS, strict=True):
        if triggers.isdisjoint(words):
            continue
        for match in pattern.finditer(read):
            try:
                resolved = resolve(match, today)
            except (OverflowError, ValueError):
                continue  # a day before year 1 or after 9999
            if resolved is not None:
                found.append((match.start(), match.end(), resolved))
    kept: list[tuple[int, int, tuple[dt.date, dt.date]]] = []
    for start, end, resolved in sorted(found, key=lambda item: (item[0] - item[1], item[0])):
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
            kept.append((start, end, resolved))
    return [
        Period(days[0], days[1], _phrase(text, start, end), (start, end))
        for start, end, days in sorted(kept)
    ]


def _phrase(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split())


def question_period(question: str, as_of: dt.date) -> Period | None:
    """The period a question names, read against the day it is asked as of: its first
    time expression, ending on that day at the latest when it began by then ("this week"
    is Monday to today); None when it names none."""
    periods = find_periods(question, as_of)
    if not periods:
        return None
    period = periods[0]
    if period.start <= as_of < period.end:
        return replace(period, end=as_of)
    return period


# Relative words a quote's reader cannot place without the article's date (read in lower
# case), and the words one of them holds.
_RELATIVE_WORDS_LIST = [
    *WEEKDAYS, "today", "tonight", "yesterday", "tomorrow", "night", "morning", "afternoon",
    "evening", "ago", "week", "weekend", "month",
]  # fmt: skip
_RELATIVE_WORDS = frozenset(_RELATIVE_WORDS_LIST)
_A_MONTH = re.compile(rf"\b{_MONTH_ANY}")
_RELATIVE = re.compile(
    rf"\b(?:{_WEEKDAY}|today|tonight|yesterday|tomorrow|last\s+night|this\s+(?:morning|"
    r"afternoon|evening)|ago|(?:this|last|next|previous|coming)\s+(?:week|weekend|month))\b",
)


def dates_meant(sentence: str, published: dt.date) -> list[Period]:
    """The relative dates of a sentence ("on Thursday", "yesterday", "last week"),
    resolved against the day its article was published; explicit dates are left out."""
    lowered = sentence.lower()
    words = _words_of(lowered)
    if _RELATIVE_WORDS.isdisjoint(words):
        return []
    return [
        period
        for period in _find_periods(sentence, lowered, words, published)
        if _RELATIVE.search(lowered, period.span[0], period.span[1])
        # "Monday, October 6" says its date already.
        and not _A_MONTH.search(lowered, period.span[0], period.span[1])
    ]


def without_span(text: str, span: tuple[int, int]) -> str:
    """The text with a phrase taken out, e.g. a question's period before BM25 reads it."""
    return " ".join(f"{text[: span[0]]} {text[span[1] :]}".split())

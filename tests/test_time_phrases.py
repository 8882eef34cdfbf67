"""What the service reads as a period in a question, and as a date in a quote."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.time_phrases import dates_meant, question_period, without_span

# Friday 19 December 2025: its week is Monday 15 to Sunday 21.
AS_OF = dt.date(2025, 12, 19)
# Tuesday 14 January 2025, for periods that cross a year.
EARLY_IN_A_YEAR = dt.date(2025, 1, 14)

D = dt.date

# (question, as of, first day, last day, the words read)
PERIODS = [
    ("what happened today?", AS_OF, D(2025, 12, 19), D(2025, 12, 19), "today"),
    ("what is on tonight", AS_OF, D(2025, 12, 19), D(2025, 12, 19), "tonight"),
    ("what did he say this morning", AS_OF, D(2025, 12, 19), D(2025, 12, 19), "this morning"),
    ("who resigned yesterday?", AS_OF, D(2025, 12, 18), D(2025, 12, 18), "yesterday"),
    ("what happened last night", AS_OF, D(2025, 12, 18), D(2025, 12, 18), "last night"),
    (
        "the vote the day before yesterday",
        AS_OF,
        D(2025, 12, 17),
        D(2025, 12, 17),
        "the day before yesterday",
    ),
    ("what is planned tomorrow", AS_OF, D(2025, 12, 20), D(2025, 12, 20), "tomorrow"),
    ("what did Putin say this week?", AS_OF, D(2025, 12, 15), D(2025, 12, 19), "this week"),
    (
        "what happened earlier this week",
        AS_OF,
        D(2025, 12, 15),
        D(2025, 12, 19),
        "earlier this week",
    ),
    ("what was agreed last week", AS_OF, D(2025, 12, 8), D(2025, 12, 14), "last week"),
    ("talks the previous week", AS_OF, D(2025, 12, 8), D(2025, 12, 14), "the previous week"),
    ("what is due next week", AS_OF, D(2025, 12, 22), D(2025, 12, 28), "next week"),
    ("protests last weekend", AS_OF, D(2025, 12, 13), D(2025, 12, 14), "last weekend"),
    ("news this month", AS_OF, D(2025, 12, 1), D(2025, 12, 19), "this month"),
    ("what changed last month", AS_OF, D(2025, 11, 1), D(2025, 11, 30), "last month"),
    ("what changed last month", EARLY_IN_A_YEAR, D(2024, 12, 1), D(2024, 12, 31), "last month"),
    ("the strikes this year", AS_OF, D(2025, 1, 1), D(2025, 12, 19), "this year"),
    ("the budget so far this year", AS_OF, D(2025, 1, 1), D(2025, 12, 19), "so far this year"),
    ("the election last year", AS_OF, D(2024, 1, 1), D(2024, 12, 31), "last year"),
    ("what was agreed in March?", AS_OF, D(2025, 3, 1), D(2025, 3, 31), "in March"),
    ("what was agreed in march", AS_OF, D(2025, 3, 1), D(2025, 3, 31), "in march"),
    ("what was agreed in March?", EARLY_IN_A_YEAR, D(2024, 3, 1), D(2024, 3, 31), "in March"),
    ("the deal in December", AS_OF, D(2025, 12, 1), D(2025, 12, 19), "in December"),
    ("the deal in December", EARLY_IN_A_YEAR, D(2024, 12, 1), D(2024, 12, 31), "in December"),
    ("what happened during July", AS_OF, D(2025, 7, 1), D(2025, 7, 31), "during July"),
    ("the floods of late August", AS_OF, D(2025, 8, 1), D(2025, 8, 31), "late August"),
    ("the talks in mid-March", AS_OF, D(2025, 3, 1), D(2025, 3, 31), "mid-March"),
    ("the vote in early May", AS_OF, D(2025, 5, 1), D(2025, 5, 31), "early May"),
    ("what happened last March", AS_OF, D(2025, 3, 1), D(2025, 3, 31), "last March"),
    ("what happened last December", AS_OF, D(2024, 12, 1), D(2024, 12, 31), "last December"),
    ("the crisis in 2019", AS_OF, D(2019, 1, 1), D(2019, 12, 31), "in 2019"),
    ("what happened during 2008", AS_OF, D(2008, 1, 1), D(2008, 12, 31), "during 2008"),
    ("the bill in 2025", AS_OF, D(2025, 1, 1), D(2025, 12, 19), "in 2025"),
    ("the lockdown of March 2020", AS_OF, D(2020, 3, 1), D(2020, 3, 31), "of March 2020"),
    ("the lockdown in March of 2020", AS_OF, D(2020, 3, 1), D(2020, 3, 31), "in March of 2020"),
    ("March 2020 lockdown rules", AS_OF, D(2020, 3, 1), D(2020, 3, 31), "March 2020"),
    ("the crash in Sept 2008", AS_OF, D(2008, 9, 1), D(2008, 9, 30), "in Sept 2008"),
    ("what did she say on Thursday?", AS_OF, D(2025, 12, 18), D(2025, 12, 18), "on Thursday"),
    ("what did she say on Friday?", AS_OF, D(2025, 12, 19), D(2025, 12, 19), "on Friday"),
    ("what did she say on Saturday?", AS_OF, D(2025, 12, 13), D(2025, 12, 13), "on Saturday"),
    ("what did she say Monday", AS_OF, D(2025, 12, 15), D(2025, 12, 15), "Monday"),
    ("what did she say last Friday", AS_OF, D(2025, 12, 12), D(2025, 12, 12), "last Friday"),
    ("who will speak next Tuesday", AS_OF, D(2025, 12, 23), D(2025, 12, 23), "next Tuesday"),
    ("what happened three days ago", AS_OF, D(2025, 12, 16), D(2025, 12, 16), "three days ago"),
    ("what happened 10 days ago", AS_OF, D(2025, 12, 9), D(2025, 12, 9), "10 days ago"),
    ("what happened two weeks ago", AS_OF, D(2025, 12, 1), D(2025, 12, 7), "two weeks ago"),
    ("what happened a week ago", AS_OF, D(2025, 12, 8), D(2025, 12, 14), "a week ago"),
    ("what happened a month ago", AS_OF, D(2025, 11, 1), D(2025, 11, 30), "a month ago"),
    ("what happened two years ago", AS_OF, D(2023, 1, 1), D(2023, 12, 31), "two years ago"),
    (
        "what happened in the past two weeks",
        AS_OF,
        D(2025, 12, 6),
        D(2025, 12, 19),
        "in the past two weeks",
    ),
    (
        "arrests over the last three days",
        AS_OF,
        D(2025, 12, 17),
        D(2025, 12, 19),
        "over the last three days",
    ),
    (
        "arrests in the past few days",
        AS_OF,
        D(2025, 12, 17),
        D(2025, 12, 19),
        "in the past few days",
    ),
    ("prices in the past week", AS_OF, D(2025, 12, 13), D(2025, 12, 19), "in the past week"),
    ("prices in the last month", AS_OF, D(2025, 11, 20), D(2025, 12, 19), "in the last month"),
    ("what has changed since January", AS_OF, D(2025, 1, 1), D(2025, 12, 19), "since January"),
    ("what has changed since 2020", AS_OF, D(2020, 1, 1), D(2025, 12, 19), "since 2020"),
    ("what has changed since last week", AS_OF, D(2025, 12, 8), D(2025, 12, 19), "since last week"),
    ("what has changed since Monday", AS_OF, D(2025, 12, 15), D(2025, 12, 19), "since Monday"),
    (
        "what has changed since 3 December",
        AS_OF,
        D(2025, 12, 3),
        D(2025, 12, 19),
        "since 3 December",
    ),
    (
        "talks between March and May 2020",
        AS_OF,
        D(2020, 3, 1),
        D(2020, 5, 31),
        "between March and May 2020",
    ),
    ("talks between March and May", AS_OF, D(2025, 3, 1), D(2025, 5, 31), "between March and May"),
    (
        "talks between November and February",
        AS_OF,
        D(2024, 11, 1),
        D(2025, 2, 28),
        "between November and February",
    ),
    ("talks from 2019 to 2021", AS_OF, D(2019, 1, 1), D(2021, 12, 31), "from 2019 to 2021"),
    ("the summit on 17 December", AS_OF, D(2025, 12, 17), D(2025, 12, 17), "on 17 December"),
    ("the summit on 24 December", AS_OF, D(2024, 12, 24), D(2024, 12, 24), "on 24 December"),
    ("the summit on December 17", AS_OF, D(2025, 12, 17), D(2025, 12, 17), "on December 17"),
    ("what was said on Dec. 17, 2025", AS_OF, D(2025, 12, 17), D(2025, 12, 17), "on Dec. 17, 2025"),
    (
        "what was said on the 17th of December",
        AS_OF,
        D(2025, 12, 17),
        D(2025, 12, 17),
        "on the 17th of December",
    ),
    ("what was said on 4 July 2019", AS_OF, D(2019, 7, 4), D(2019, 7, 4), "on 4 July 2019"),
    ("what was said on Nov 3rd", AS_OF, D(2025, 11, 3), D(2025, 11, 3), "on Nov 3rd"),
    (
        "what was said on Tuesday, Dec. 16",
        AS_OF,
        D(2025, 12, 16),
        D(2025, 12, 16),
        "on Tuesday, Dec. 16",
    ),
    ("the report of 2025-12-01", AS_OF, D(2025, 12, 1), D(2025, 12, 1), "2025-12-01"),
]

# Words that only look like time.
NO_PERIOD = [
    "What did Theresa May say about Brexit?",
    "Why did thousands march on Washington?",
    "March on Washington: who organised it?",
    "What may happen to the ceasefire?",
    "Who fought in the 1990s war in the Balkans?",
    "What did the 2019 report find?",
    "How many people live in 2000 square miles?",
    "latest on the peace talks",
    "what does Russia demand on NATO?",
    "Who is Robinson Crusoe's companion?",
    "How many seasons has the show run?",
]


@pytest.mark.parametrize(("question", "as_of", "start", "end", "phrase"), PERIODS)
def test_a_question_names_a_period(question, as_of, start, end, phrase) -> None:
    period = question_period(question, as_of)
    assert period is not None, question
    assert (period.start, period.end, period.phrase) == (start, end, phrase)
    assert question[period.span[0] : period.span[1]] == phrase


def test_the_table_is_long_enough() -> None:
    assert len(PERIODS) + len(NO_PERIOD) >= 60


@pytest.mark.parametrize("question", NO_PERIOD)
def test_words_that_only_look_like_time_are_no_period(question: str) -> None:
    assert question_period(question, AS_OF) is None


def test_the_period_is_taken_out_of_the_words() -> None:
    question = "what did Putin say this week about NATO?"
    period = question_period(question, AS_OF)
    assert period is not None
    assert without_span(question, period.span) == "what did Putin say about NATO?"


def test_relative_dates_in_a_quote_resolve_against_the_article() -> None:
    # Published on Saturday 20 December 2025.
    sentence = (
        "The minister said on Thursday that talks will resume on Monday, after "
        "yesterday's vote and the walkout last week."
    )
    meant = {
        sentence[p.span[0] : p.span[1]]: (p.start, p.end)
        for p in dates_meant(sentence, D(2025, 12, 20))
    }
    assert meant == {
        "on Thursday": (D(2025, 12, 18), D(2025, 12, 18)),
        "on Monday": (D(2025, 12, 22), D(2025, 12, 22)),
        "yesterday": (D(2025, 12, 19), D(2025, 12, 19)),
        "last week": (D(2025, 12, 8), D(2025, 12, 14)),
    }


def test_explicit_dates_in_a_quote_need_no_resolving() -> None:
    assert dates_meant("The law took effect on 1 March 2024 and in May.", D(2025, 1, 1)) == []
    assert dates_meant("They strike from Monday, October 6.", D(2025, 10, 1)) == []


@pytest.mark.parametrize("as_of", [D(1, 1, 1), D(9999, 12, 31)])
def test_periods_beyond_the_calendar_are_no_period(as_of: dt.date) -> None:
    for question in ("what happened yesterday?", "what is due next week?", "news last year"):
        period = question_period(question, as_of)
        assert period is None or dt.date.min <= period.start <= period.end <= dt.date.max

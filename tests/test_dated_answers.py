"""Answers in time, over a story told in dated articles (the Calder strike set): as of a
moment, the period a question names, recency, timelines and the dates quotes mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Document, LocalIndex
from qa.dated_retrieval import retrieve_dated
from qa.questions import make_question
from qa.service import QAService
from qa.settings import Settings

STORY = Path(__file__).resolve().parent.parent / "eval" / "sets" / "calder-strike" / "articles"
SHIPS = "How many ships are waiting outside the Port of Calder?"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, encoder) -> QAService:
    settings = Settings(index_dir=tmp_path_factory.mktemp("story") / "index", api_token=None)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    service.add_files([STORY])
    return service


@pytest.mark.parametrize("as_of", ["2025-10-07", "2025-10-20", "2025-11-10", "2025-12-20"])
def test_nothing_published_after_as_of_is_answered(story: QAService, as_of: str) -> None:
    answer = story.ask(SHIPS, 10, as_of=as_of)
    assert answer.passages
    assert all(hit.citation.published <= as_of for hit in answer.passages)
    assert answer.as_of.startswith(as_of)


def test_a_date_time_as_of_leaves_out_its_own_day_stamped_later(tmp_path: Path, encoder) -> None:
    settings = Settings(index_dir=tmp_path / "index", api_token=None)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    morning = "The ferry timetable changes at noon, the harbour office said in the morning."
    evening = "The ferry timetable change was cancelled, the harbour office said in the evening."
    service.add_documents(
        [
            Document("morning", "Ferries", morning, published="2025-12-17T08:00:00+00:00"),
            Document("evening", "Ferries", evening, published="2025-12-17T19:00:00+00:00"),
        ]
    )
    at_noon = service.ask("what did the harbour office say about the ferry timetable?", 5,
                          as_of="2025-12-17T12:00:00Z")  # fmt: skip
    assert [hit.citation.doc_id for hit in at_noon.passages] == ["morning"]
    that_day = service.ask("what did the harbour office say about the ferry timetable?", 5,
                           as_of="2025-12-17")  # fmt: skip
    assert {hit.citation.doc_id for hit in that_day.passages} == {"morning", "evening"}


@pytest.mark.parametrize(
    ("as_of", "answer_words"),
    [
        ("2025-10-08", "Nine cargo ships"),
        ("2025-10-12", "Seventeen ships"),
        ("2025-11-11", "A record 41 ships"),
        ("2025-11-25", "Twenty-two ships"),
    ],
)
def test_the_right_answer_changes_with_the_date(
    story: QAService, as_of: str, answer_words: str
) -> None:
    answer = story.ask(SHIPS, 3, as_of=as_of)
    assert answer_words in answer.passages[0].text


def test_the_period_a_question_names_ranks_first(story: QAService) -> None:
    answer = story.ask("What did the court decide on Wednesday?", 3, as_of="2025-11-07")
    assert answer.period is not None
    assert (answer.period.start, answer.period.end, answer.period.phrase) == (
        "2025-11-05",
        "2025-11-05",
        "on Wednesday",
    )
    first, *rest = answer.passages
    assert first.citation.published == "2025-11-05" and first.in_period is True
    assert "agency workers" in first.text
    # One article was published that day: the others follow, marked as outside it.
    assert rest and all(hit.in_period is False for hit in rest)


def test_a_period_with_enough_articles_holds_the_whole_answer(story: QAService) -> None:
    answer = story.ask("What happened at the port this week?", 3, as_of="2025-10-17")
    assert answer.period is not None and answer.period.start == "2025-10-13"
    assert answer.period.end == "2025-10-17"
    assert len(answer.passages) == 3
    assert all(
        hit.in_period and "2025-10-13" <= hit.citation.published <= "2025-10-17"
        for hit in answer.passages
    )


def test_the_period_can_be_left_out(story: QAService) -> None:
    answer = story.ask(
        "What did the court decide on Wednesday?", 3, as_of="2025-11-07", read_period=False
    )
    assert answer.period is None
    assert all(hit.in_period is None for hit in answer.passages)


def test_the_period_words_are_not_read_by_bm25(story: QAService) -> None:
    question = make_question(
        "Why did the mediator quit last week?", 3, story.settings, as_of="2025-10-29"
    )
    encoded = story.encode([question])[0]
    dated = retrieve_dated(story.retriever, story.index, question, encoded.vector, 3, story.recency)
    assert dated.period is not None and dated.period.phrase == "last week"
    assert dated.words == "Why did the mediator quit ?"


def test_recency_prefers_the_latest_and_can_be_turned_off(story: QAService) -> None:
    recent = story.ask(SHIPS, 5, as_of="2025-12-09")
    timeless = story.ask(SHIPS, 5, as_of="2025-12-09", recency=False)
    assert recent.passages[0].citation.published >= "2025-12-01"
    newest = [hit.citation.published for hit in recent.passages]
    unordered = [hit.citation.published for hit in timeless.passages]
    assert newest != unordered
    assert max(newest) >= max(unordered)


def test_undated_articles_are_neither_dropped_nor_preferred(tmp_path: Path, encoder) -> None:
    settings = Settings(index_dir=tmp_path / "index", api_token=None)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    service.add_documents(
        [
            Document("dated", "Harbour", "The harbour crane was repaired by the port engineers.",
                     published="2025-12-01"),
            Document("undated", "Crane", "Night shifts of welders mended the old crane at the "
                     "harbour over a week."),
        ]
    )  # fmt: skip
    # Before the dated article: only the undated one can answer.
    early = service.ask("who repaired the harbour crane?", 5, as_of="2025-11-01")
    assert [hit.citation.doc_id for hit in early.passages] == ["undated"]
    later = service.ask("who repaired the harbour crane?", 5, as_of="2025-12-02")
    assert {hit.citation.doc_id for hit in later.passages} == {"dated", "undated"}


def test_a_timeline_gives_the_best_passages_oldest_first(story: QAService) -> None:
    question = "How did the pay offer change?"
    best = story.ask(question, 5, as_of="2025-12-20")
    timeline = story.ask(question, 5, as_of="2025-12-20", order="date")
    assert timeline.order == "date"
    assert {hit.citation.passage_id for hit in timeline.passages} == {
        hit.citation.passage_id for hit in best.passages
    }
    dates = [hit.citation.published for hit in timeline.passages]
    assert dates == sorted(dates)
    assert [hit.rank for hit in timeline.passages] == list(range(1, 6))


def test_a_quote_says_which_day_its_weekday_means(story: QAService) -> None:
    answer = story.ask("Why did Harald Lind resign as mediator?", 1, as_of="2025-12-20")
    hit = answer.passages[0]
    assert hit.citation.published == "2025-10-24"
    meant = {hit.text[d.start : d.end]: (d.first, d.last) for d in hit.dates}
    assert meant == {"on Friday": ("2025-10-24", "2025-10-24")}


def test_an_undated_index_answers_as_before(tmp_path: Path, encoder) -> None:
    settings = Settings(index_dir=tmp_path / "index", api_token=None)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    service.add_documents(
        [Document("treaty", "Treaty", "The treaty of the river towns was signed in 1995.")]
    )
    answer = service.ask("What was signed in 1995?", 1)
    assert answer.period is not None and answer.period.phrase == "in 1995"
    assert answer.passages[0].in_period is None
    question = make_question("What was signed in 1995?", 1, settings)
    encoded = service.encode([question])[0]
    dated = retrieve_dated(
        service.retriever, service.index, question, encoded.vector, 1, service.recency
    )
    # No dated article to rank: "1995" stays a word.
    assert dated.period is None and dated.words == question.text


def test_a_copy_published_after_as_of_is_not_cited_either(tmp_path: Path, encoder) -> None:
    settings = Settings(index_dir=tmp_path / "index", api_token=None)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    story = (
        "The harbour board voted on Tuesday to close the old ferry pier for repairs. "
        "The work will take four months and cost 2 million euros, the board said. "
        "Ferries will use the north quay meanwhile, and timetables will not change."
    )
    service.add_documents(
        [
            Document("first", "Pier to close", story, source="Courier", published="2025-12-02"),
            Document("later", "Pier to close", story + " Updated.", source="Post",
                     published="2025-12-10"),
        ]
    )  # fmt: skip
    early = service.ask("Why will the old ferry pier close?", 3, as_of="2025-12-05")
    cited = {hit.citation.doc_id for hit in early.passages}
    cited |= {copy.doc_id for hit in early.passages for copy in hit.also_in}
    assert cited == {"first"}
    later = service.ask("Why will the old ferry pier close?", 3, as_of="2025-12-11")
    cited = {hit.citation.doc_id for hit in later.passages}
    assert cited | {copy.doc_id for hit in later.passages for copy in hit.also_in} == {
        "first",
        "later",
    }

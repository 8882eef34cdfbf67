"""Abstaining on questions the articles do not answer, with the real model and index."""

from __future__ import annotations

import pytest

from index import LocalIndex, PassageRow
from qa.abstention import coverage, unknown_names
from qa.documents import Document
from qa.service import QAService
from qa.settings import Settings
from qa.words import terms_of_passage

ARTICLE = (
    "The town council of Port Elsby voted on Wednesday to build a tidal barrier.\n"
    "Mayor Ingrid Solberg said the barrier will cost an estimated 84 million euros.\n"
    "The regional government has promised to pay 60 percent of the cost.\n"
    "Construction is due to begin in September and to take four years."
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, encoder) -> QAService:
    settings = Settings(index_dir=tmp_path_factory.mktemp("abstain") / "index")
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    service.add_documents([Document("barrier", "Port Elsby approves tidal barrier", ARTICLE)])
    return service


def test_names_no_passage_holds_are_found(service: QAService) -> None:
    question = "What did Mayor Solberg and Minister Lindqvist say about Port Elsby?"
    assert unknown_names(question, service.index) == ["Minister", "Lindqvist"]
    # The first word is capitalised as any question's is; stop words are not names.
    assert unknown_names("Lindqvist said what? What did I say?", service.index) == []


def test_another_spelling_in_the_passages_found_is_the_same_name(service: QAService) -> None:
    passages = ["Kiev and its Western allies met the Zelenskiy delegation in Geneva."]
    question = "Did Kyiv and the West meet Zelensky and Lindqvist?"
    assert unknown_names(question, service.index, passages) == ["Lindqvist"]


def terms(text: str) -> frozenset[str]:
    return terms_of_passage(PassageRow(1, "d", 0, 0, len(text), text))


def test_coverage_counts_content_words_lightly_stemmed() -> None:
    assert coverage("what will the barriers cost?", terms("The barrier will cost a lot.")) == 1.0
    assert coverage("who pays for the barrier?", terms("The barrier will cost a lot. Yes.")) == 0.5
    assert coverage("what is it?", terms("Anything.")) == 1.0
    # "How long" asks for a time: "long" is not a word the answer must hold.
    assert coverage("how long will the work take?", terms("The work will take 4 years.")) == 1.0


@pytest.mark.parametrize(
    "question",
    [
        "How much will the barrier cost?",
        "Who will pay most of the cost?",
        "When does construction start?",
        "How much does the barrier cost according to Mayor Solberg?",
    ],
)
def test_questions_the_article_answers_are_answerable(service: QAService, question: str) -> None:
    assert service.ask(question, 3).answerable


@pytest.mark.parametrize(
    "question",
    [
        "What is a good recipe for banana bread?",
        "Who won the football match on Saturday?",
        # About the same story, naming someone the article never mentions.
        "What did Minister Lindqvist say about the barrier's cost?",
    ],
)
def test_questions_it_does_not_answer_abstain(service: QAService, question: str) -> None:
    answer = service.ask(question, 3)
    assert not answer.answerable
    # The closest passages still come back for the reader to judge.
    assert answer.passages

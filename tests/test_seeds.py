"""The articles the product ships with, and the question set written about them."""

from __future__ import annotations

import json

from eval.matching import normalise
from eval.sets import load_set
from qa.intake.loaders import load_paths
from tests.conftest import ROOT, SEEDS

SEED_SET = ROOT / "eval" / "sets" / "seeds.jsonl"


def seed_documents():
    loaded = load_paths([SEEDS])
    assert loaded.errors == []
    return {document.doc_id: document for document in loaded.documents}


def test_each_seed_article_keeps_its_whole_text_with_only_what_it_supports() -> None:
    documents = seed_documents()
    assert sorted(documents) == ["220f4c6b62c5e573", "eb48da1b95ce89ee"]
    for path in sorted(SEEDS.glob("*.txt")):
        # The text after the front matter is the article as handed over, lead sentence
        # included: nothing of it becomes the title or is cut.
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        document = next(d for d in documents.values() if d.doc_id in path.name)
        assert document.text == body
        assert document.text.startswith("Russian President Vladimir Putin")
        # Neither text gives a date or the article's own link.
        assert document.published == "" and document.url == ""
        assert document.title and document.title.split()[0] in document.text
    assert documents["220f4c6b62c5e573"].source == "AP"
    assert documents["eb48da1b95ce89ee"].source == ""


def test_the_seed_set_is_large_enough_and_says_what_kind_each_unanswerable_is() -> None:
    question_set = load_set(SEED_SET)
    answerable = [q for q in question_set.questions if q.answerable]
    unanswerable = [q for q in question_set.questions if not q.answerable]
    assert len(answerable) >= 60
    assert sum(len(q.evidence) > 1 for q in answerable) >= 5
    categories = [q.category for q in unanswerable]
    assert len(unanswerable) >= 12
    assert categories.count("off-topic") >= 6 and categories.count("near-topic") >= 6
    assert len({q.id for q in question_set.questions}) == len(question_set.questions)
    assert len({q.question.casefold() for q in question_set.questions}) == len(
        question_set.questions
    )


def test_every_evidence_string_is_copied_from_a_seed_article() -> None:
    texts = [document.text for document in seed_documents().values()]
    for line in SEED_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for evidence in item["evidence"]:
            # Verbatim, curly quotes and all; normalised matching would forgive less care.
            assert any(evidence in text for text in texts), (item["id"], evidence)
            assert any(normalise(evidence) in normalise(text) for text in texts)

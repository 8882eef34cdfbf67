from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.matching import contains_evidence, normalise
from eval.metrics import Outcome, summarise
from eval.sets import SetError, answer_sentence, load_set, safe_doc_id


def test_normalisation_folds_typography_space_and_case() -> None:
    assert (
        normalise("  The “Kremlin’s”\n\tdemand — NATO\u00a0ﬁle ")
        == 'the "kremlin\'s" demand - nato file'
    )
    assert contains_evidence("He said: “No.”  Then left.", ['said: "no." then'])
    assert not contains_evidence("Something else.", ["no match", ""])


def test_squad_articles_become_documents_and_answers_their_sentences(tmp_path: Path) -> None:
    context_one = "Alpha is first. The answer is forty-two. Omega ends."
    context_two = "Second paragraph here. It mentions Paris."
    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Test_Article",
                "paragraphs": [
                    {
                        "context": context_one,
                        "qas": [
                            {
                                "id": "q1",
                                "question": "What is the answer?",
                                "answers": [
                                    {
                                        "answer_start": context_one.index("forty"),
                                        "text": "forty-two",
                                    }
                                ],
                            }
                        ],
                    },
                    {
                        "context": context_two,
                        "qas": [
                            {
                                "id": "q2",
                                "question": "Which city?",
                                "answers": [
                                    {"answer_start": context_two.index("Paris"), "text": "Paris"}
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    question_set = load_set(path)
    assert question_set.kind == "squad"
    (document,) = question_set.documents
    assert document.title == "Test Article" and document.text == context_one + "\n\n" + context_two
    assert [q.evidence for q in question_set.questions] == [
        ("The answer is forty-two.",),
        ("It mentions Paris.",),
    ]


def test_an_answer_across_two_sentences_takes_both() -> None:
    context = "One two. Three four. Five."
    assert (
        answer_sentence(context, context.index("two"), len("two. Three")) == "One two. Three four."
    )


def test_beir_folder_with_graded_document_relevance(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    corpus = [
        {"_id": "d1", "title": "Cells", "text": "Cells divide."},
        {"_id": "d 2/x", "title": "", "text": "Proteins fold.\nMore."},
        {"_id": "empty", "title": "Nothing", "text": ""},
    ]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus), "utf-8")
    queries = [{"_id": "q1", "text": "Do cells divide?"}, {"_id": "q9", "text": "unjudged"}]
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries), "utf-8")
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td 2/x\t1\nq1\tempty\t1\n", "utf-8"
    )
    question_set = load_set(tmp_path)
    assert question_set.kind == "beir"
    assert [d.doc_id for d in question_set.documents] == ["d1", safe_doc_id("d 2/x")]
    assert question_set.documents[1].title == "Proteins fold."
    (question,) = question_set.questions
    assert question.relevant_documents == {"d1": 2, safe_doc_id("d 2/x"): 1}


def test_project_jsonl_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "set.jsonl"
    good.write_text(
        json.dumps({"id": "a", "question": "Q?", "evidence": ["E"], "answerable": True})
        + "\n"
        + json.dumps({"id": "b", "question": "Off topic?", "evidence": [], "answerable": False}),
        "utf-8",
    )
    question_set = load_set(good)
    assert [q.answerable for q in question_set.questions] == [True, False]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a", "question": "Q?", "answerable": True}), "utf-8")
    with pytest.raises(SetError, match=r"bad\.jsonl:1: an answerable question needs evidence"):
        load_set(bad)
    with pytest.raises(SetError, match="no such file"):
        load_set(tmp_path / "missing.jsonl")


def test_metrics_from_known_rankings() -> None:
    outcomes = [
        Outcome("a", True, False, gains=[1, 0, 0], ideal_gains=[1], took_ms=10),
        Outcome("b", True, False, gains=[0, 0, 1], ideal_gains=[1], took_ms=20),
        Outcome("c", True, True, gains=[0, 0, 0], ideal_gains=[1], took_ms=30),
        Outcome(
            "d",
            True,
            False,
            gains=[0, 1, 1],
            ideal_gains=[1, 1],
            evidence_total=2,
            evidence_found=2,
            took_ms=40,
        ),
        Outcome("x", False, True, took_ms=50),
        Outcome("y", False, False, took_ms=60),
    ]
    metrics = summarise(outcomes)
    assert metrics.recall[1] == pytest.approx(1 / 4)
    assert metrics.recall[3] == pytest.approx(3 / 4)
    assert metrics.mrr_at_10 == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    ndcg_d = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert metrics.ndcg_at_10 == pytest.approx((1 + 1 / math.log2(4) + 0 + ndcg_d) / 4)
    assert metrics.evidence_share == pytest.approx(1.0)
    assert metrics.abstain_precision == pytest.approx(1 / 2)
    assert metrics.abstain_recall == pytest.approx(1 / 2)
    assert metrics.answerable_abstained == 1
    assert metrics.latency_p50_ms == 30 and metrics.latency_p95_ms == 60

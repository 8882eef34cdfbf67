"""Asking a question set of a service in each retrieval mode and scoring the answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tqdm import tqdm

from eval.matching import evidence_found, normalise
from eval.metrics import Metrics, Outcome, summarise
from eval.sets import Question, QuestionSet
from qa.answers import Answer
from qa.service import QAService
from qa.settings import Mode

# BEIR ranks documents: ask for more passages than the depth, since several passages of
# one document collapse into one ranked document.
_PASSAGES_PER_DOCUMENT_RANK = 3


@dataclass
class ModeResult:
    mode: Mode
    metrics: Metrics
    outcomes: list[Outcome]


def evaluate(
    service: QAService,
    question_set: QuestionSet,
    modes: Sequence[Mode],
    *,
    depth: int = 10,
    show_progress: bool = False,
) -> list[ModeResult]:
    results = []
    for mode in modes:
        outcomes = []
        for question in tqdm(
            question_set.questions, desc=f"asking ({mode})", unit="q", disable=not show_progress
        ):
            k = depth
            if question_set.kind == "beir":
                k = min(depth * _PASSAGES_PER_DOCUMENT_RANK, service.settings.max_k)
            answer = service.ask(question.question, k, mode=mode, as_of=question.as_of or None)
            outcomes.append(judge(question, answer, question_set.kind == "beir", depth))
        results.append(ModeResult(mode, summarise(outcomes, depth), outcomes))
    return results


def judge(question: Question, answer: Answer, by_document: bool, depth: int) -> Outcome:
    outcome = Outcome(
        question_id=question.id,
        answerable=question.answerable,
        abstained=not answer.answerable,
        category=question.category,
        took_ms=answer.took_ms,
    )
    if by_document:
        ranked: list[str] = []
        for hit in answer.passages:
            if hit.citation.doc_id not in ranked:
                ranked.append(hit.citation.doc_id)
        outcome.gains = [float(question.relevant_documents.get(d, 0)) for d in ranked[:depth]]
        outcome.ideal_gains = sorted(map(float, question.relevant_documents.values()), reverse=True)
        return outcome
    if not question.answerable:
        return outcome
    seen: set[int] = set()
    for hit in answer.passages[:depth]:
        found = evidence_found(hit.text, question.evidence) - seen
        outcome.gains.append(1.0 if found else 0.0)
        seen |= found
        if found and outcome.highlight_holds_evidence is None:
            sentence = normalise(hit.highlighted_sentence)
            outcome.highlight_holds_evidence = any(
                normalise(question.evidence[i]) in sentence for i in found
            )
    outcome.ideal_gains = [1.0] * len(question.evidence)
    outcome.evidence_total = len(question.evidence)
    outcome.evidence_found = len(seen)
    return outcome

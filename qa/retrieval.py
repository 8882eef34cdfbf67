"""Retrieval: dense (FAISS), lexical (BM25 over SQLite FTS5) and their fusion.

Hybrid retrieval gathers the best ``candidates`` passages of each method and scores every
candidate three ways: the cosine similarity of the passage, the score of its best sentence
and BM25 scaled by the best candidate's. The fused score is a weighted sum of the three.
A sentence first scores its cosine similarity (sentence vectors are stored at ingest); the
leading candidates are then re-ranked with the sentence scores that also choose the
highlight, which add word overlap (``qa.highlight``).

A weighted sum beat each method alone, z-scored sums and reciprocal-rank fusion on
SQuAD-public (rank fusion throws away how far apart the scores are); ``make eval`` gives
today's figures for each mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index import PassageIndex, PassageRow, SearchFilters, SearchResult
from qa.highlight import SentenceScores, score_sentences
from qa.settings import Mode
from qa.timing import Recency
from qa.words import lexical_terms


@dataclass(frozen=True)
class RetrievalSettings:
    """The retrieval part of ``qa.settings.Settings``, where each is described."""

    mode: Mode
    # Weights of the passage's and its best sentence's cosine similarity in hybrid
    # fusion; BM25 (scaled to the best candidate's) gets the rest.
    passage_weight: float
    sentence_weight: float
    candidates: int
    title_weight: float
    # None: no word is left out of BM25.
    lexical_term_cap: int | None


# Candidates re-ranked with full sentence scores (cosine plus word overlap, which needs
# each passage's text): deeper re-ranking ranked no better on SQuAD-public.
RERANK_DEPTH = 20
# Candidates whose sentence vectors are read from disk, ranked first by passage cosine and
# BM25: the fewest that keep the quality of reading all, since at a million passages
# these reads are most of a question's time.
SENTENCE_DEPTH = 40
# How deep dense or lexical search goes, in multiples of k, to replace overlapping passages.
MAX_OVERLAP_DEPTH = 8
# Whether anything answers is judged on this many leading passages, whatever k is asked.
CONFIDENCE_DEPTH = 5


@dataclass(frozen=True)
class Retrieved:
    results: list[SearchResult]
    # Each result's sentences, scored against the question: the best one is highlighted.
    sentences: list[SentenceScores]
    # How closely the best of the results' sentences matches the question (cosine
    # similarity; a passage's own where no sentence vectors are stored).
    confidence: float
    # Passages ranked after the results, when extra were asked: for folding copies to
    # draw on. Not cited, and their sentences scored only where it cost nothing more.
    spare: list[SparePassage] = field(default_factory=list)


@dataclass(frozen=True)
class SparePassage:
    passage: PassageRow
    score: float
    sentences: SentenceScores | None = None


def best_match(sentences: Sequence[SentenceScores], passage_cosines: Sequence[float]) -> float:
    """The best sentence cosine among the passages returned, a passage's own cosine
    standing in where it has no sentence vectors. A sentence that matches is the evidence
    a reader is shown; a long passage's own vector is diluted by everything else it says."""
    return max(
        (
            passage_cosine if scores.best_cosine is None else scores.best_cosine
            for scores, passage_cosine in zip(sentences, passage_cosines, strict=True)
        ),
        default=0.0,
    )


def spare_for_overlaps(k: int) -> int:
    """Candidates to rank for k passages that share no text: a passage overlaps at most its
    two neighbours, so twice as many leaves room to replace the overlapping ones."""
    return 2 * k


def share_text(first: PassageRow, second: PassageRow) -> bool:
    return first.doc_id == second.doc_id and first.start < second.end and second.start < first.end


def without_overlaps(best_first: Sequence[PassageRow], k: int) -> list[int]:
    """Positions of the first k passages that share no text with a better one of the same
    document, so that k passages are k different pieces of evidence."""
    kept: list[int] = []
    for position, passage in enumerate(best_first):
        if len(kept) == k:
            break
        if not any(share_text(best_first[other], passage) for other in kept):
            kept.append(position)
    return kept


class Retriever:
    def __init__(self, index: PassageIndex, settings: RetrievalSettings) -> None:
        self.index = index
        self.settings = settings

    def retrieve(
        self,
        question: str,
        vector: np.ndarray,
        k: int,
        filters: SearchFilters | None = None,
        mode: Mode | None = None,
        *,
        lexical_text: str | None = None,
        recency: Recency | None = None,
        extra: int = 0,
    ) -> Retrieved:
        """The best k passages for a question and its vector, their sentences scored.
        ``lexical_text``: the words BM25 reads, when not all of the question's (its period
        left out); ``recency``: a bonus for recent articles in hybrid fusion; ``extra``:
        up to that many more passages after the k, kept as ``spare`` (ranked as they are,
        and leaving the k as they would be alone), for folding copies to draw on."""
        mode = mode or self.settings.mode
        # The verdict on answerability looks at the same leading passages whatever k is.
        wanted = max(k, CONFIDENCE_DEPTH)
        if mode == "dense":
            rows = self._distinct_deep(
                lambda depth: self.index.search_dense(vector, depth, filters), wanted, extra
            )
            results = self.index.cite(rows[:wanted])
            cosines = [result.score for result in results]
            return self._with_sentences(question, vector, results, cosines, k, rows[k:][:extra])
        terms = lexical_terms(question if lexical_text is None else lexical_text)
        if mode == "lexical":
            rows = self._distinct_deep(
                lambda depth: self.index.search_lexical(
                    terms,
                    depth,
                    title_weight=self.settings.title_weight,
                    filters=filters,
                    term_cap=self.settings.lexical_term_cap,
                ),
                wanted,
                extra,
            )
            results = self.index.cite(rows[:wanted])
            stored = self.index.passage_vectors([result.passage.key for result in results])
            cosines = [
                float(stored[r.passage.key] @ vector) if r.passage.key in stored else 0.0
                for r in results
            ]
            return self._with_sentences(question, vector, results, cosines, k, rows[k:][:extra])
        return self._hybrid(question, vector, terms, k, filters, recency, extra)

    def _with_sentences(
        self,
        question: str,
        vector: np.ndarray,
        results: list[SearchResult],
        passage_cosines: list[float],
        k: int,
        spare: Sequence[tuple[PassageRow, float]] = (),
    ) -> Retrieved:
        sentences = score_sentences(question, vector, [result.passage for result in results])
        confidence = best_match(sentences[:CONFIDENCE_DEPTH], passage_cosines[:CONFIDENCE_DEPTH])
        return Retrieved(
            results[:k],
            sentences[:k],
            confidence,
            [SparePassage(passage, score) for passage, score in spare],
        )

    def _hybrid(
        self,
        question: str,
        vector: np.ndarray,
        terms: list[str],
        k: int,
        filters: SearchFilters | None,
        recency: Recency | None = None,
        extra: int = 0,
    ) -> Retrieved:
        wanted = max(k, CONFIDENCE_DEPTH)
        candidates_wanted = max(k, self.settings.candidates)
        # The dense search's cosines are the passages' own (exact, or re-ranked from the
        # stored vectors): only the candidates BM25 alone found need their vectors read.
        passage_cosine = dict(self.index.search_dense(vector, candidates_wanted, filters))
        bm25 = dict(
            self.index.search_lexical(
                terms,
                candidates_wanted,
                title_weight=self.settings.title_weight,
                filters=filters,
                term_cap=self.settings.lexical_term_cap,
            )
        )
        lexical_only = [key for key in bm25 if key not in passage_cosine]
        for key, passage_vector in self.index.passage_vectors(lexical_only).items():
            passage_cosine[key] = float(passage_vector @ vector)
        # Dense candidates that BM25 did not rank count as sharing no word with the
        # question: scoring them too changed no ranking and cost a second FTS5 query.
        top_bm25 = max(bm25.values(), default=0.0)
        lexical_weight = 1.0 - self.settings.passage_weight - self.settings.sentence_weight
        # The part of each candidate's score that is not its best sentence's.
        rest = {}
        for key in sorted(passage_cosine):
            lexical = bm25.get(key, 0.0) / top_bm25 if top_bm25 > 0 else 0.0
            rest[key] = self.settings.passage_weight * passage_cosine[key]
            rest[key] += lexical_weight * lexical
        if recency is not None:
            published = self.index.published_dates(list(rest))
            for key in rest:
                rest[key] += recency.bonus(published.get(key, ""))
        # Sentence vectors are read from disk only for the leading candidates, ranked with
        # the passage's cosine standing in for its best sentence's.
        weight = self.settings.sentence_weight
        sentence_depth = max(k, SENTENCE_DEPTH)
        first_stage = {key: rest[key] + weight * passage_cosine[key] for key in rest}
        leading = sorted(first_stage, key=first_stage.__getitem__, reverse=True)
        fused = {key: first_stage[key] for key in leading[:sentence_depth]}
        # Their passages, sentence vectors included; a passage deleted meanwhile drops out.
        passages = self.index.passages(list(fused))
        for key, passage in passages.items():
            if passage.sentence_vectors is not None and len(passage.sentence_vectors):
                sentence_vectors = np.asarray(passage.sentence_vectors, dtype=np.float32)
                fused[key] = rest[key] + weight * float(np.max(sentence_vectors @ vector))
        present = [key for key in fused if key in passages]
        leading = sorted(present, key=fused.__getitem__, reverse=True)
        reranked = [
            passages[key] for key in leading[: max(spare_for_overlaps(wanted), RERANK_DEPTH)]
        ]
        sentences = score_sentences(question, vector, reranked)
        scores = [
            rest[passage.key] + self.settings.sentence_weight * sentence_scores.best
            for passage, sentence_scores in zip(reranked, sentences, strict=True)
        ]
        best_first = sorted(range(len(reranked)), key=lambda i: scores[i], reverse=True)
        # The extra passages come from the same re-ranked candidates: asking for them
        # changes no depth above, so the first k stay those asked alone.
        kept = [
            best_first[i]
            for i in without_overlaps([reranked[i] for i in best_first], wanted + extra)
        ]
        confidence = best_match(
            [sentences[i] for i in kept[:CONFIDENCE_DEPTH]],
            [passage_cosine[reranked[i].key] for i in kept[:CONFIDENCE_DEPTH]],
        )
        order = kept[:k]
        # Documents are read for the passages shown only: at a million passages, most of
        # the re-ranked ones' documents are not in the page cache.
        results = self.index.cite([(reranked[i], scores[i]) for i in order])
        cited = {result.passage.key for result in results}
        order = [i for i in order if reranked[i].key in cited]
        spare = [SparePassage(reranked[i], scores[i], sentences[i]) for i in kept[k : k + extra]]
        return Retrieved(results, [sentences[i] for i in order], confidence, spare)

    def _distinct_deep(
        self, search: Callable[[int], list[tuple[int, float]]], k: int, extra: int = 0
    ) -> list[tuple[PassageRow, float]]:
        """k passages that share no text, searching deeper while overlapping ones (a long
        paragraph's chain of passages) leave fewer and the index has more; then up to
        ``extra`` more among those the search already read, for no further search."""
        depth = spare_for_overlaps(k)
        while True:
            scored = search(depth)
            rows = self._distinct(scored, k + extra)
            if len(rows) >= k or len(scored) < depth or depth >= MAX_OVERLAP_DEPTH * k:
                return rows
            depth *= 2

    def _distinct(self, scored: list[tuple[int, float]], k: int) -> list[tuple[PassageRow, float]]:
        """The first k of (key, score) pairs, best first, that share no text, as passages
        (uncited: documents are read for those shown only). A passage deleted meanwhile
        drops out."""
        passages = self.index.passages([key for key, _ in scored])
        rows = [(passages[key], score) for key, score in scored if key in passages]
        return [rows[i] for i in without_overlaps([passage for passage, _ in rows], k)]

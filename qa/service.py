"""The question-answering service: one encoder and one index, used by the CLI and the API."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from index import CorruptIndexError, Document, PassageIndex, PassageRow, SearchFilters, SearchResult
from qa.abstention import is_answerable
from qa.answers import (
    Answer,
    AnsweredPassage,
    Citation,
    DateMeant,
    Highlight,
    PeriodOut,
    passage_id,
)
from qa.copies import also_ran_in, copy_groups
from qa.dated_retrieval import DatedRetrieval, RecencySettings, retrieve_dated
from qa.encoding.encoder import Encoder, load_encoder
from qa.encoding.question_vectors import QuestionVectors
from qa.highlight import score_sentences
from qa.ingest import IngestSummary, Passager, WriteStatus, ingest_documents
from qa.intake.loaders import LoadResult, load_paths
from qa.intake.sources import SourceResult, load_sources
from qa.questions import EncodedQuestion, Order, Question, make_question
from qa.retrieval import RetrievalSettings, Retrieved, Retriever
from qa.settings import Mode, Settings
from qa.storage import open_index
from qa.time_phrases import Period, dates_meant
from qa.timing import published_after, published_day

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    document: Document
    passages: list[PassageRow]


@dataclass(frozen=True)
class DocumentListing:
    document: Document
    passages: int


class QAService:
    def __init__(self, settings: Settings, encoder: Encoder, index: PassageIndex) -> None:
        self.settings = settings
        self.encoder = encoder
        self._question_vectors = QuestionVectors(encoder, settings.question_cache)
        self.index = index
        self.passager = Passager(
            encoder,
            settings.passage_tokens,
            settings.overlap_tokens,
            settings.embed_title,
            sentences_in_context=settings.sentence_vectors == "context",
        )
        self.retriever = Retriever(
            index,
            RetrievalSettings(
                mode=settings.retrieval_mode,
                passage_weight=settings.passage_weight,
                sentence_weight=settings.sentence_weight,
                candidates=settings.hybrid_candidates,
                title_weight=settings.title_weight,
                lexical_term_cap=settings.lexical_term_cap or None,
            ),
        )
        self.recency = RecencySettings(settings.recency_half_life_days, settings.recency_weight)

    @classmethod
    def open(cls, settings: Settings) -> QAService:
        started = time.perf_counter()
        encoder = load_encoder(settings)
        index = open_index(settings, encoder.dimension)
        log.info(
            "loaded %s (%d documents, %d passages) in %.1f s",
            settings.index_location,
            index.count_documents(),
            index.count_passages(),
            time.perf_counter() - started,
        )
        return cls(settings, encoder, index)

    def close(self) -> None:
        """Write the FAISS file; until then a restart rebuilds it from the durable store."""
        self.index.close()

    # -- questions ---------------------------------------------------------------

    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode | None = None,
        *,
        fold: bool = True,
        as_of: str | dt.date | None = None,
        read_period: bool = True,
        recency: bool = True,
        order: Order = "relevance",
    ) -> Answer:
        """The best k passages for a question, as of a moment (default now);
        QuestionError when it is not acceptable."""
        checked = make_question(
            question,
            k,
            self.settings,
            filters,
            mode,
            fold=fold,
            as_of=as_of,
            read_period=read_period,
            recency=recency,
            order=order,
        )
        return self.answer(self.encode([checked])[0])

    def encode(self, questions: Sequence[Question], *, busy: bool = False) -> list[EncodedQuestion]:
        """Questions that arrived together, encoded in one go. ``busy``: more work waits,
        so the forward pass leaves a core free for it."""
        started = time.perf_counter()
        vectors = self._question_vectors.encode([q.text for q in questions], busy=busy)
        return [
            EncodedQuestion(question, vector, started)
            for question, vector in zip(questions, vectors, strict=True)
        ]

    def answer(self, encoded: EncodedQuestion) -> Answer:
        """The passages for an encoded question: search, fusion, highlight, abstention, and
        syndicated copies folded."""
        question = encoded.question
        # Folding copies leaves fewer cards than passages: up to k more are ranked at once,
        # after the k, and read only if copies fold.
        extra = min(question.k, max(0, self.settings.max_k - question.k)) if question.fold else 0
        dated = self._retrieve(encoded, question.k, extra)
        retrieved = dated.retrieved
        groups = self._groups(retrieved, question.fold)
        if len(groups) < len(retrieved.results) and retrieved.spare:
            retrieved = self._with_spare(retrieved, encoded)
            groups = self._groups(retrieved, question.fold)
        results = retrieved.results
        if not all(math.isfinite(result.score) for result in results):
            # Damaged vectors in memory: refuse rather than answer with meaningless scores.
            raise CorruptIndexError(
                "the vector index gave a score that is not a number; restart the server to "
                "rebuild it from the passage store"
            )
        shown_groups = groups[: question.k]
        elsewhere = (
            also_ran_in(
                self.index,
                [results[group[0]] for group in shown_groups],
                [{results[member].document.doc_id for member in group} for group in shown_groups],
            )
            if question.fold
            else [[] for _ in shown_groups]
        )
        # A near-copy published after the moment asked about is not cited either.
        elsewhere = [
            [copy for copy in more if not published_after(copy.document.published, question.moment)]
            for more in elsewhere
        ]
        passages = []
        for rank, (group, more) in enumerate(zip(shown_groups, elsewhere, strict=True), start=1):
            best, *copies = group
            scores = retrieved.sentences[best]
            passages.append(
                AnsweredPassage(
                    rank=rank,
                    score=round(results[best].score, 6),
                    text=results[best].passage.text,
                    highlight=Highlight(start=scores.best_span[0], end=scores.best_span[1]),
                    context=Highlight(start=scores.context_span[0], end=scores.context_span[1]),
                    citation=_citation(results[best]),
                    also_in=[_citation(results[copy]) for copy in copies]
                    + [_citation(copy) for copy in more],
                    in_period=_in_period(question.period, results[best].document.published),
                    dates=_dates_meant(
                        results[best].passage.text,
                        scores.best_span,
                        results[best].document.published,
                    ),
                )
            )
        # Judged on the passages shown, as before folding asked for more.
        shown = [group[0] for group in shown_groups]
        answerable = is_answerable(
            dated.words,
            replace(
                retrieved,
                results=[results[i] for i in shown],
                sentences=[retrieved.sentences[i] for i in shown],
            ),
            self.index,
            self.settings.answerable_threshold,
        )
        if question.order == "date":
            passages = _oldest_first(passages)
        period = question.period
        took_ms = round((time.perf_counter() - encoded.started) * 1000, 3)
        return Answer(
            question=question.text,
            answerable=answerable,
            as_of=question.moment.isoformat(),
            period=(
                PeriodOut(
                    start=period.start.isoformat(), end=period.end.isoformat(), phrase=period.phrase
                )
                if period
                else None
            ),
            order=question.order,
            passages=passages,
            took_ms=took_ms,
        )

    def _retrieve(self, encoded: EncodedQuestion, k: int, extra: int) -> DatedRetrieval:
        return retrieve_dated(
            self.retriever, self.index, encoded.question, encoded.vector, k, self.recency, extra
        )

    def _with_spare(self, retrieved: Retrieved, encoded: EncodedQuestion) -> Retrieved:
        """The results, then the spare passages cited and scored now: asked when copies
        folded among the results, so that k stories are left."""
        question = encoded.question
        spare = {item.passage.key: item for item in retrieved.spare}
        cited = [
            result
            for result in self.index.cite([(item.passage, item.score) for item in spare.values()])
            if not published_after(result.document.published, question.moment)
        ]
        unscored = [r.passage for r in cited if spare[r.passage.key].sentences is None]
        scored = iter(score_sentences(question.text, encoded.vector, unscored) if unscored else [])
        sentences = []
        for result in cited:
            known = spare[result.passage.key].sentences
            sentences.append(next(scored) if known is None else known)
        return replace(
            retrieved,
            results=retrieved.results + cited,
            sentences=retrieved.sentences + sentences,
            spare=[],
        )

    @staticmethod
    def _groups(retrieved: Retrieved, fold: bool) -> list[list[int]]:
        """Positions of the results by copy group; each its own group when not folding."""
        if not fold:
            return [[position] for position in range(len(retrieved.results))]
        return copy_groups([result.passage.text for result in retrieved.results])

    # -- documents ---------------------------------------------------------------

    def add_documents(
        self, documents: Iterable[Document], *, show_progress: bool = False
    ) -> IngestSummary:
        return ingest_documents(
            documents,
            index=self.index,
            passager=self.passager,
            batch_size=self.settings.batch_size,
            show_progress=show_progress,
        )

    def add_files(
        self, paths: Sequence[Path], *, show_progress: bool = False
    ) -> tuple[LoadResult, IngestSummary]:
        """The articles in these files and directories, stored; what could not be read is
        in the LoadResult's errors. The vector file is written before this returns."""
        loaded = load_paths(paths)
        summary = self.add_documents(loaded.documents, show_progress=show_progress)
        self.index.flush()
        return loaded, summary

    def add_sources(
        self, sources: Sequence[str], *, show_progress: bool = False
    ) -> tuple[SourceResult, IngestSummary]:
        """Files, directories and http(s) URLs of pages or feeds, stored; feed entries the
        index holds already are not fetched again."""
        loaded = load_sources(
            sources,
            self.settings.fetch_limits,
            is_known=lambda doc_id: self.index.content_hash(doc_id) is not None,
        )
        summary = self.add_documents(loaded.documents, show_progress=show_progress)
        self.index.flush()
        return loaded, summary

    def add_document(
        self, document: Document, *, share_cores: bool = False
    ) -> tuple[WriteStatus, int]:
        """Store one document; durable and searchable when this returns. ``share_cores``:
        embed it on one core, leaving the other to questions answered meanwhile."""
        with self.encoder.sharing_cores() if share_cores else nullcontext():
            summary = self.add_documents([document])
        stored = len(self.index.passages_of(document.doc_id))
        return summary.statuses[document.doc_id], stored

    def delete_document(self, doc_id: str) -> bool:
        return self.index.delete_document(doc_id)

    def get_document(self, doc_id: str) -> StoredDocument | None:
        row = self.index.get_document(doc_id)
        if row is None:
            return None
        return StoredDocument(row, self.index.passages_of(doc_id))

    def list_documents(self, limit: int, offset: int) -> list[DocumentListing]:
        return [
            DocumentListing(row, passages)
            for row, passages in self.index.list_documents(limit, offset)
        ]

    def count_documents(self) -> int:
        return self.index.count_documents()

    def count_passages(self) -> int:
        return self.index.count_passages()


def _in_period(period: Period | None, published: str) -> bool | None:
    day = published_day(published)
    return None if period is None or day is None else period.holds(day)


def _dates_meant(text: str, sentence: tuple[int, int], published: str) -> list[DateMeant]:
    """The relative dates of a dated article's highlighted sentence, as offsets into text."""
    day = published_day(published)
    if day is None:
        return []
    start, end = sentence
    return [
        DateMeant(
            start=start + period.span[0],
            end=start + period.span[1],
            first=period.start.isoformat(),
            last=period.end.isoformat(),
        )
        for period in dates_meant(text[start:end], day)
    ]


def _oldest_first(passages: list[AnsweredPassage]) -> list[AnsweredPassage]:
    """A timeline: the passages by their article's date, undated ones last, ranked anew."""
    ordered = sorted(
        passages,
        key=lambda passage: (not passage.citation.published, passage.citation.published[:10]),
    )
    return [passage.model_copy(update={"rank": rank}) for rank, passage in enumerate(ordered, 1)]


def _citation(result: SearchResult) -> Citation:
    return Citation(
        doc_id=result.document.doc_id,
        title=result.document.title,
        source=result.document.source,
        author=result.document.author,
        url=result.document.url,
        published=result.document.published,
        passage_id=passage_id(result.document.doc_id, result.passage.ordinal),
        start=result.passage.start,
        end=result.passage.end,
    )

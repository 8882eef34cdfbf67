from __future__ import annotations

from itertools import pairwise

import pytest

from index import LocalIndex, PassageRow
from qa.documents import Document
from qa.retrieval import without_overlaps
from qa.service import QAService
from qa.settings import MODES, Settings


def span(doc_id: str, start: int, end: int) -> PassageRow:
    return PassageRow(start, doc_id, 0, start, end, "x" * (end - start))


def test_an_overlapping_passage_gives_way_to_the_next_one() -> None:
    best_first = [span("a", 0, 100), span("a", 80, 180), span("b", 0, 50), span("a", 180, 260)]
    assert without_overlaps(best_first, 3) == [0, 2, 3]


def test_touching_passages_and_other_documents_do_not_overlap() -> None:
    best_first = [span("a", 0, 100), span("a", 100, 200), span("b", 0, 100)]
    assert without_overlaps(best_first, 5) == [0, 1, 2]


def test_fewer_than_k_when_only_overlapping_candidates_remain() -> None:
    best_first = [span("a", 0, 100), span("a", 50, 150), span("a", 90, 120)]
    assert without_overlaps(best_first, 3) == [0]


@pytest.fixture(scope="module")
def long_paragraph_service(tmp_path_factory: pytest.TempPathFactory, encoder) -> QAService:
    """One article of a single long paragraph, so that its passages overlap."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("overlap") / "index", passage_tokens=48)
    service = QAService(
        settings, encoder, LocalIndex(settings.index_dir, encoder.name, encoder.dimension)
    )
    text = " ".join(
        f"The harbour board discussed the ferry timetable for pier {n} on day {n}."
        for n in range(40)
    )
    service.add_documents([Document("ferries", "Ferry timetable", text)])
    return service


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_no_two_answers_share_text(long_paragraph_service: QAService, mode, k: int) -> None:
    passages = long_paragraph_service.index.passages_of("ferries")
    assert any(b.start < a.end for a, b in pairwise(passages))
    answer = long_paragraph_service.ask("when is the ferry timetable for pier 7?", k, mode=mode)
    spans = [(hit.citation.start, hit.citation.end) for hit in answer.passages]
    # 20 passages in a chain: overlapping ones are replaced by the next candidates, so k
    # passages come back while the candidates last (at least half of k for a large k).
    assert len(spans) == k if k <= 5 else len(spans) >= k // 2
    for i, (start, end) in enumerate(spans):
        for other_start, other_end in spans[i + 1 :]:
            assert end <= other_start or other_end <= start, spans
    assert [hit.rank for hit in answer.passages] == list(range(1, len(spans) + 1))

"""Syndicated copies folded into one card: the measures (passage containment, article
signatures), and answers over the seed articles with five copies each (different bylines,
footers, a sentence added or cut)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.syndication import syndicated_copies
from index import Document, LocalIndex, PassageRow, near_copies
from index.local.layout import STORE_NAME
from qa.copies import COPY_SIMILARITY, FOLD_THRESHOLD, containment, copy_groups, shingles
from qa.encoding.encoder import Encoder
from qa.intake.loaders import load_paths
from qa.service import QAService
from qa.settings import Settings
from qa.storage import open_index
from tests.conftest import SEEDS

QUESTIONS = [
    "What does Russia demand on NATO?",
    "What is the Oreshnik?",
    "What did Zelensky say about the draft peace plan?",
    "Who will Witkoff meet in Moscow?",
]


def story(doc_id: str) -> str:
    return doc_id.split("-copy-")[0]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[QAService]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("copies") / "index")
    opened = QAService(settings, encoder, open_index(settings, encoder.dimension))
    seeds = load_paths([SEEDS]).documents
    opened.add_documents([*seeds, *(c for seed in seeds for c in syndicated_copies(seed))])
    yield opened
    opened.close()


def test_containment_holds_across_a_shifted_boundary_and_not_between_stories() -> None:
    passage = "The council voted to build a tidal barrier across the estuary. " * 3
    shifted = "By Staff Writer. " + passage[:-20]
    assert containment(shingles(passage), shingles(shifted)) >= FOLD_THRESHOLD
    other = "Rail workers walked out on Thursday over staffing on night trains."
    assert containment(shingles(passage), shingles(other)) == 0.0
    assert copy_groups([passage, other, shifted]) == [[0, 2], [1]]
    assert containment(shingles(""), shingles(passage)) == 0.0


def test_shingles_compared_in_a_process_are_the_stored_ones_hashed_otherwise() -> None:
    texts = [
        "The council voted to build a tidal barrier across the estuary. " * 3,
        "By Staff Writer. The council voted to build a tidal barrier, it said on Monday.",
        "Rail workers walked out.",
        "",
    ]
    for first in texts:
        assert len(near_copies.process_shingles(first)) == len(near_copies.shingles(first))
        for second in texts:
            stored = near_copies.shingles(first), near_copies.shingles(second)
            compared = near_copies.process_shingles(first), near_copies.process_shingles(second)
            assert containment(*compared) == containment(*stored)


def exact_jaccard(first: str, second: str) -> float:
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


def test_a_signature_estimates_jaccard_similarity() -> None:
    words = [f"w{n}" for n in range(600)]
    base = " ".join(words)
    for kept in (150, 300, 450, 540, 600):
        other = " ".join(words[:kept] + [f"x{n}" for n in range(600 - kept)])
        estimate = near_copies.similarity(near_copies.signature(base), near_copies.signature(other))
        # 128 permutations: the estimate's standard deviation is at most sqrt(1/4 / 128),
        # 0.044, so 0.12 (2.7 of them) fails a broken signature, not an unlucky one.
        assert abs(estimate - exact_jaccard(base, other)) <= 0.12, kept
    # One word list in another order shares no 5-gram: nothing alike.
    shuffled = " ".join(reversed(words))
    assert (
        near_copies.similarity(near_copies.signature(base), near_copies.signature(shuffled)) <= 0.05
    )


def test_a_signature_is_the_same_in_every_process_and_survives_storage() -> None:
    import subprocess
    import sys

    text = "The council voted to build a tidal barrier across the estuary on Wednesday."
    here = near_copies.signature(text)
    there = subprocess.run(
        [sys.executable, "-c", "from index import near_copies as n; import sys; "
         f"sys.stdout.write(n.to_bytes(n.signature({text!r})).hex())"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert near_copies.to_bytes(here).hex() == there
    assert np.array_equal(near_copies.from_bytes(near_copies.to_bytes(here)), here)
    assert len(set(near_copies.band_keys(here))) == near_copies.BANDS
    with pytest.raises(ValueError, match="128 values"):
        near_copies.from_bytes(b"\0" * 12)


def test_every_copy_is_grouped_with_its_article_and_no_two_articles_are(
    service: QAService,
) -> None:
    seeds = load_paths([SEEDS]).documents
    copies = {seed.doc_id: {c.doc_id for c in syndicated_copies(seed)} for seed in seeds}
    everything = [seed.doc_id for seed in seeds] + [c for ids in copies.values() for c in ids]
    found = service.index.near_copies(everything, COPY_SIMILARITY)
    for seed in seeds:
        group = copies[seed.doc_id] | {seed.doc_id}
        for member in group:
            assert {doc_id for doc_id, _ in found[member]} == group - {member}
            assert all(score >= COPY_SIMILARITY for _, score in found[member])


@pytest.mark.parametrize("question", QUESTIONS)
def test_an_answer_shows_one_card_a_story_and_where_else_it_ran(
    service: QAService, question: str
) -> None:
    answer = service.ask(question, 5)
    cards = [(passage.citation.doc_id, passage.citation.start) for passage in answer.passages]
    # Never the same passage of one story twice: its copies are folded.
    spans = [(story(doc_id), passage.text[:60]) for (doc_id, _), passage in zip(
        cards, answer.passages, strict=True)]  # fmt: skip
    assert len(set(spans)) == len(spans), spans
    first = answer.passages[0]
    assert len(first.also_in) >= 4  # most of its five copies, each citable
    for copy in first.also_in:
        assert story(copy.doc_id) == story(first.citation.doc_id)
        assert copy.doc_id != first.citation.doc_id
        stored = service.index.get_document(copy.doc_id)
        assert stored is not None and stored.text[copy.start : copy.end]


def test_folding_can_be_turned_off(service: QAService) -> None:
    folded = service.ask(QUESTIONS[0], 5)
    unfolded = service.ask(QUESTIONS[0], 5, fold=False)
    assert all(not passage.also_in for passage in unfolded.passages)
    stories = [story(p.citation.doc_id) for p in unfolded.passages]
    assert len(set(stories)) < len(stories)  # copies fill the cards without folding
    assert folded.passages[0].text == unfolded.passages[0].text
    # Folded, the passages ranked after the five fill the cards the copies left.
    distinct = {(story(p.citation.doc_id), p.text[:60]) for p in unfolded.passages}
    assert len(distinct) < len(folded.passages), (distinct, len(folded.passages))


def test_a_deleted_or_rewritten_copy_leaves_the_group(service: QAService) -> None:
    first = service.ask(QUESTIONS[0], 5).passages[0]
    gone, rewritten = first.also_in[0].doc_id, first.also_in[1].doc_id
    original = service.index.get_document(rewritten)
    assert original is not None
    try:
        assert service.delete_document(gone)
        service.add_document(
            replace(original, text="A different story about ferries and tides.", content_hash="")
        )
        after = service.ask(QUESTIONS[0], 5).passages[0]
        members = {copy.doc_id for copy in after.also_in}
        assert gone not in members and rewritten not in members
        assert after.text == first.text
    finally:
        # The one deleted may be a seed as well as a copy: which card leads is a near tie.
        restored = next(
            document
            for seed in load_paths([SEEDS]).documents
            for document in (seed, *syndicated_copies(seed))
            if document.doc_id == gone
        )
        service.add_document(restored)
        service.add_document(original)


def test_only_documents_sharing_a_band_are_looked_up_for_copies(tmp_path: Path) -> None:
    story_text = "The council voted on Tuesday to build a tidal barrier across the estuary. " * 4
    other_text = "Rail workers walked out on Thursday over staffing on the night trains. " * 4
    index = LocalIndex(tmp_path / "index", "a-model", 4)

    def add(doc_id: str, text: str) -> None:
        document = Document(doc_id, doc_id.title(), text, "Wire")
        vector = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
        index.add_document(document, [PassageRow(0, doc_id, 0, 0, len(text), text)], vector)

    def candidates() -> set[str]:
        with sqlite3.connect(tmp_path / "index" / STORE_NAME) as conn:
            return {row[0] for row in conn.execute("SELECT doc_id FROM copy_candidates")}

    try:
        add("story", story_text)
        add("other", other_text)
        assert candidates() == set()
        assert index.near_copies(["story", "other"], COPY_SIMILARITY) == {"story": [], "other": []}
        add("copy", "By Staff Writer. " + story_text)
        assert candidates() == {"story", "copy"}
        assert [doc_id for doc_id, _ in index.near_copies(["story"], COPY_SIMILARITY)["story"]] == [
            "copy"
        ]
        assert index.delete_document("copy")
        assert candidates() == set()
        assert index.near_copies(["story"], COPY_SIMILARITY) == {"story": []}
    finally:
        index.close()

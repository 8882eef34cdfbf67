from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.encoding.encoder import Encoder
from qa.sentences import split_sentences
from qa.splitting import PassageSpan, split_passages
from tests.conftest import FIXTURE_ARTICLES


def split(
    encoder: Encoder, text: str, max_tokens: int = 60, overlap: int = 20
) -> list[PassageSpan]:
    return split_passages(
        text,
        count_tokens=encoder.count_tokens,
        token_spans=encoder.token_spans,
        max_tokens=max_tokens,
        overlap_tokens=overlap,
    )


def check_invariants(
    encoder: Encoder, text: str, max_tokens: int, overlap: int
) -> list[PassageSpan]:
    passages = split(encoder, text, max_tokens, overlap)
    for passage in passages:
        piece = text[passage.start : passage.end]
        assert piece == piece.strip() and piece, "passages carry no outer white space"
        assert encoder.count_tokens(piece) <= max_tokens
    # Every sentence that fits in a passage lies whole inside at least one passage.
    for start, end in split_sentences(text):
        if encoder.count_tokens(text[start:end]) <= max_tokens:
            assert any(p.start <= start and end <= p.end for p in passages), text[start:end]
    # Together the passages cover every non-blank character.
    covered: set[int] = set()
    for passage in passages:
        covered.update(range(passage.start, passage.end))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
    # Passages are in order and each starts after the previous one.
    assert all(a.start < b.start and a.end < b.end for a, b in pairwise(passages))
    return passages


@pytest.mark.parametrize("path", sorted(FIXTURE_ARTICLES.glob("*.md")), ids=lambda p: p.name)
def test_articles_split_within_the_limit_with_whole_sentences(encoder: Encoder, path) -> None:
    text = path.read_text(encoding="utf-8")
    passages = check_invariants(encoder, text, max_tokens=80, overlap=25)
    assert len(passages) > 3


def test_passages_overlap_by_whole_sentences(encoder: Encoder) -> None:
    text = " ".join(f"Sentence number {n} is about topic {n}." for n in range(30))
    passages = check_invariants(encoder, text, max_tokens=40, overlap=15)
    for first, second in pairwise(passages):
        assert second.start < first.end, "consecutive passages share their boundary sentence"
        shared = text[second.start : first.end]
        assert shared.startswith("Sentence") and shared.endswith(".")


def test_no_overlap_when_none_is_asked(encoder: Encoder) -> None:
    text = " ".join(f"Sentence number {n} is here." for n in range(30))
    passages = split(encoder, text, max_tokens=40, overlap=0)
    assert all(a.end < b.start for a, b in pairwise(passages))


def test_passages_end_at_paragraph_breaks(encoder: Encoder) -> None:
    paragraphs = [
        " ".join(f"Paragraph {p} sentence {n} goes on about item {n}." for n in range(3))
        for p in range(6)
    ]
    text = "\n\n".join(paragraphs)
    # Two paragraphs fit in a passage but not three: each passage holds whole paragraphs,
    # starts where one starts, and shares nothing with the next.
    one = encoder.count_tokens(paragraphs[0])
    passages = check_invariants(encoder, text, max_tokens=2 * one + 5, overlap=15)
    starts = {text.index(paragraph) for paragraph in paragraphs}
    ends = {text.index(paragraph) + len(paragraph) for paragraph in paragraphs}
    assert len(passages) == 3
    assert all(p.start in starts and p.end in ends for p in passages)
    assert all(a.end < b.start for a, b in pairwise(passages))


@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["one-a-line", "blank-lines"])
def test_one_paragraph_a_line_counts_as_paragraphs(encoder: Encoder, separator: str) -> None:
    paragraphs = [
        " ".join(f"Paragraph {p} sentence {n} goes on about item {n}." for n in range(3))
        for p in range(6)
    ]
    text = separator.join(paragraphs)
    one = encoder.count_tokens(paragraphs[0])
    passages = check_invariants(encoder, text, max_tokens=2 * one + 5, overlap=15)
    starts = {text.index(paragraph) for paragraph in paragraphs}
    assert all(p.start in starts for p in passages)
    assert all(a.end < b.start for a, b in pairwise(passages))


def test_hard_wrapped_lines_in_a_text_with_blank_lines_are_not_paragraphs(
    encoder: Encoder,
) -> None:
    # Lines wrapped mid-paragraph: only the blank lines separate paragraphs.
    wrapped = "\n".join(f"Line {n} of the first paragraph ends here." for n in range(12))
    text = f"{wrapped}\n\nA second paragraph."
    passages = check_invariants(encoder, text, max_tokens=40, overlap=15)
    inside = [p for p in passages if p.end <= len(wrapped)]
    assert any(b.start < a.end for a, b in pairwise(inside)), "overlap within a paragraph"


def test_a_long_paragraph_is_split_with_overlap(encoder: Encoder) -> None:
    long = " ".join(f"Sentence number {n} is about topic {n}." for n in range(30))
    text = f"A short opening paragraph.\n\n{long}\n\nA short closing paragraph."
    passages = check_invariants(encoder, text, max_tokens=40, overlap=15)
    inside = [p for p in passages if text.index(long) <= p.start and p.end <= len(text) - 30]
    assert any(b.start < a.end for a, b in pairwise(inside)), "overlap within a paragraph"


def test_empty_text_has_no_passages(encoder: Encoder) -> None:
    assert split(encoder, "") == []
    assert split(encoder, "   \n\n  ") == []


def test_one_huge_sentence_is_cut_at_word_boundaries(encoder: Encoder) -> None:
    words = [f"word{n}" for n in range(400)]
    text = " ".join(words) + "."
    passages = check_invariants(encoder, text, max_tokens=50, overlap=10)
    assert len(passages) > 5
    for passage in passages:
        assert passage.start == 0 or text[passage.start - 1] == " ", "cut at a word start"


def test_text_without_punctuation_or_spaces(encoder: Encoder) -> None:
    text = "x" * 3000
    check_invariants(encoder, text, max_tokens=50, overlap=10)


@pytest.mark.parametrize(
    "text",
    [
        "Кремль настаивает, чтобы Украина отказалась от вступления в НАТО. " * 20,
        "克里姆林宫坚持要求乌克兰放弃加入北约的申请。俄罗斯还要求西方停止向该地区部署武器。" * 15,
        "يصر الكرملين على أن تتخلى أوكرانيا عن مسعاها للانضمام إلى حلف الناتو. " * 20,
        "Emoji 🚆 and accents: café, naïve, Ærø. " * 40,
    ],
    ids=["cyrillic", "chinese", "arabic", "emoji-accents"],
)
def test_non_latin_scripts(encoder: Encoder, text: str) -> None:
    passages = check_invariants(encoder, text, max_tokens=64, overlap=16)
    assert len(passages) > 1


def test_default_passages_fit_the_encoder(encoder: Encoder) -> None:
    text = (FIXTURE_ARTICLES / "rail-strike.md").read_text(encoding="utf-8") * 5
    passages = check_invariants(encoder, text, max_tokens=encoder.max_tokens, overlap=48)
    assert max(encoder.count_tokens(text[p.start : p.end]) for p in passages) <= 254


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "Cc")),
            max_size=80,
        ),
        max_size=25,
    ).map(". ".join),
    max_tokens=st.integers(min_value=8, max_value=120),
    overlap=st.integers(min_value=0, max_value=40),
)
def test_invariants_hold_for_any_text(
    encoder: Encoder, text: str, max_tokens: int, overlap: int
) -> None:
    check_invariants(encoder, text, max_tokens, overlap)

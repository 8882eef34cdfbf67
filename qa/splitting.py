"""Splitting a document into passages along sentence boundaries.

Every passage is an exact slice ``text[start:end]`` that holds at most ``max_tokens`` word
pieces of the encoder's own tokenizer, so the encoder never truncates one. Passages overlap
by whole trailing sentences (up to ``overlap_tokens``), and every sentence lies whole inside
at least one passage, except a sentence longer than a whole passage, which is cut at word
boundaries.

Passages follow paragraphs (runs of text between blank lines, or lines of a text that has
no blank line: ``qa.sentences.paragraph_breaks``) where they can: a passage that
would run on into a new paragraph ends before it, provided it is already at least
``PARAGRAPH_FILL`` of the budget, and the next one starts with that paragraph, with no
overlap, since a paragraph is a natural start. Short paragraphs are packed together; a long
one is split by sentences with overlap. A passage about one thing embeds and matches better
than one that straddles two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from qa.sentences import Span, paragraph_breaks, split_sentences

# A passage may end early at a paragraph break once it holds this share of its budget.
PARAGRAPH_FILL = 0.5
# Changes whenever the same text and settings would split differently: stored documents
# are then split again by the next ingest instead of skipped as unchanged.
SPLITTER_VERSION = "paragraphs-2"

# Word pieces of a text, without the encoder's special tokens.
TokenCounter = Callable[[str], int]
# Character spans (relative to the text) of the word pieces of a text.
TokenSpans = Callable[[str], list[Span]]


@dataclass(frozen=True)
class PassageSpan:
    start: int
    end: int


@dataclass(frozen=True)
class _Unit:
    """A sentence, or a piece of an over-long sentence, with its word-piece count."""

    start: int
    end: int
    tokens: int
    # Whether a blank line separates this unit from the one before it.
    opens_paragraph: bool = False


def split_passages(
    text: str,
    *,
    count_tokens: TokenCounter,
    token_spans: TokenSpans,
    max_tokens: int,
    overlap_tokens: int = 0,
) -> list[PassageSpan]:
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    units = _units(text, count_tokens, token_spans, max_tokens)
    passages: list[PassageSpan] = []
    first, previous_last = 0, -1
    while first < len(units):
        last = first
        used = units[first].tokens
        while last + 1 < len(units) and used + units[last + 1].tokens <= max_tokens:
            last += 1
            used += units[last].tokens
        # Word pieces are additive over white space for WordPiece tokenizers, but not for
        # every tokenizer: check the real count and drop trailing sentences until it fits.
        while (
            last > first and count_tokens(text[units[first].start : units[last].end]) > max_tokens
        ):
            last -= 1
        last = _end_at_paragraph(units, first, last, max_tokens)
        if last <= previous_last:
            # The overlap left no room for a new sentence: start after the previous passage.
            first = previous_last + 1
            continue
        passages.append(PassageSpan(units[first].start, units[last].end))
        previous_last = last
        if last + 1 >= len(units):
            break
        if units[last + 1].opens_paragraph:
            first = last + 1
            continue
        first = _next_first(
            units, first, last, min(overlap_tokens, max_tokens - units[last + 1].tokens)
        )
    return passages


def _end_at_paragraph(units: list[_Unit], first: int, last: int, max_tokens: int) -> int:
    """The passage's last unit, moved back to the last paragraph break it holds, if any,
    when the passage would run on into a new paragraph and is full enough without it."""
    if last + 1 >= len(units) or units[last + 1].opens_paragraph:
        return last
    used = sum(unit.tokens for unit in units[first : last + 1])
    for end in range(last, first, -1):
        used -= units[end].tokens
        if used < PARAGRAPH_FILL * max_tokens:
            break
        if units[end].opens_paragraph:
            return end - 1
    return last


def _next_first(units: list[_Unit], first: int, last: int, overlap_tokens: int) -> int:
    """The first unit of the next passage: trailing units of this one that fit the overlap."""
    next_first, carried = last + 1, 0
    while next_first - 1 > first and carried + units[next_first - 1].tokens <= overlap_tokens:
        next_first -= 1
        carried += units[next_first].tokens
    return next_first


def _units(
    text: str, count_tokens: TokenCounter, token_spans: TokenSpans, max_tokens: int
) -> list[_Unit]:
    units: list[_Unit] = []
    paragraph_break = paragraph_breaks(text)
    for start, end in split_sentences(text):
        opens_paragraph = bool(units) and bool(paragraph_break.search(text, units[-1].end, start))
        tokens = count_tokens(text[start:end])
        if tokens <= max_tokens:
            pieces = [_Unit(start, end, tokens)]
        else:
            pieces = _cut_long_sentence(text, start, end, count_tokens, token_spans, max_tokens)
        if opens_paragraph:
            pieces[0] = replace(pieces[0], opens_paragraph=True)
        units.extend(pieces)
    return units


def _cut_long_sentence(
    text: str,
    start: int,
    end: int,
    count_tokens: TokenCounter,
    token_spans: TokenSpans,
    max_tokens: int,
) -> list[_Unit]:
    """Pieces of at most max_tokens word pieces, cut where a word starts after white space."""
    spans = [(start + a, start + b) for a, b in token_spans(text[start:end])]
    pieces: list[_Unit] = []
    first = 0
    while first < len(spans):
        last = min(first + max_tokens, len(spans)) - 1
        if last + 1 < len(spans):
            # Back off to the last word start, so no word is split between two pieces.
            cut = last + 1
            while cut > first + 1 and spans[cut][0] == spans[cut - 1][1]:
                cut -= 1
            if cut > first + 1:
                last = cut - 1
        # Pieces meet where the next one's first word piece starts, so characters the
        # tokenizer drops (control characters) are still inside a piece.
        piece_start = pieces[-1].end if pieces else start
        while text[piece_start].isspace():
            piece_start += 1
        while True:
            piece_end = spans[last + 1][0] if last + 1 < len(spans) else end
            while text[piece_end - 1].isspace():
                piece_end -= 1
            # A piece cut inside a word may tokenise differently on its own: recount.
            tokens = count_tokens(text[piece_start:piece_end])
            if tokens <= max_tokens or last == first:
                break
            last -= 1
        pieces.append(_Unit(piece_start, piece_end, tokens))
        first = last + 1
    return pieces

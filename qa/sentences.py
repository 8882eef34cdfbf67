"""Sentence boundaries, as character spans, for splitting and highlighting.

A rule-based splitter tuned for news prose: it ends a sentence at terminal punctuation
followed by space and a likely sentence start, keeps common abbreviations and initials
together (``U.S. President``, ``Gen. Smith``, ``J. Doe``), treats blank lines as hard breaks,
and knows the full-width terminators of Chinese and Japanese (which need no space after).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index import PassageRow

Span = tuple[int, int]

# Lower-cased words that a period does not end when they stand before it.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sen rep gov gen col lt sgt capt cmdr adm maj cpl pvt st ste jr sr
    rev hon pres supt insp det atty messrs mme mlle inc corp ltd co bros llc plc vs v etc
    al approx est dept univ ft mt ave blvd rd jan feb mar apr jun jul aug
    sep sept oct nov dec mon tue tues wed thu thurs fri sat sun a.m p.m e.g i.e u.s u.k u.n
    u.s.a d.c e.u
    """.split()
)

# Abbreviations that stand before a number ("No. 5", "pp. 12"): "said no. Then" still ends.
_NUMBER_ABBREVIATIONS = frozenset("no nos vol pp fig art".split())

# Terminal punctuation, then closing quotes or brackets, then white space.
_LATIN_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# Full-width terminators end a sentence even with no space after them.
_WIDE_END = re.compile(r"[。！？]+[」』”’）]*")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"\n")
_WORD_BEFORE = re.compile(r"([\w.]+)[.]$")


def split_sentences(text: str) -> list[Span]:
    """Spans of the sentences of ``text``, without surrounding white space, in order."""
    spans: list[Span] = []
    for block_start, block_end in _blocks(text):
        start = block_start
        for cut in _cuts(text, block_start, block_end):
            _append_trimmed(spans, text, start, cut)
            start = cut
        _append_trimmed(spans, text, start, block_end)
    return spans


def paragraph_breaks(text: str) -> re.Pattern[str]:
    """What separates paragraphs in text: blank lines, or, in a text that has none, every
    line break (one paragraph a line, as articles copied from the web or a feed come)."""
    return PARAGRAPH_BREAK if PARAGRAPH_BREAK.search(text) else _LINE_BREAK


def _blocks(text: str) -> list[Span]:
    """Paragraphs: runs of text between blank lines."""
    blocks, start = [], 0
    for match in PARAGRAPH_BREAK.finditer(text):
        blocks.append((start, match.start()))
        start = match.end()
    blocks.append((start, len(text)))
    return blocks


def _cuts(text: str, start: int, end: int) -> list[int]:
    """Offsets inside [start, end) where a new sentence begins."""
    cuts: set[int] = set()
    block = text[start:end]
    for match in _LATIN_END.finditer(block):
        if _ends_sentence(block, match.start(), match.end()):
            cuts.add(start + match.end())
    for match in _WIDE_END.finditer(block):
        cuts.add(start + match.end())
    # A single line break ends a sentence unless the next line goes on in lower case
    # (text hard-wrapped in the middle of a sentence).
    for match in re.finditer(r"\n", block):
        following = block[match.end() :].lstrip()
        if following and not following[0].islower():
            cuts.add(start + match.start())
    return sorted(cut for cut in cuts if start < cut < end)


def _ends_sentence(block: str, punct_start: int, punct_end: int) -> bool:
    following = block[punct_end:].lstrip()
    if not following:
        return True
    first = following[0]
    if first.islower() or first in ",;:":
        return False
    if block[punct_start] != ".":
        return True
    word_match = _WORD_BEFORE.search(block[max(0, punct_start - 40) : punct_start + 1])
    if word_match is None:
        return True
    word = word_match.group(1).lower()
    if word in _ABBREVIATIONS or (word in _NUMBER_ABBREVIATIONS and first.isdigit()):
        return False
    # A single capital (an initial, "J. Doe") or a dotted acronym ("U.S.", "N.Y.").
    return not (re.fullmatch(r"[a-z]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def sentence_spans_of(passage: PassageRow) -> list[Span]:
    """The passage's sentences: as stored, else split now, else the whole text as one."""
    return list(passage.sentence_spans) or split_sentences(passage.text) or [(0, len(passage.text))]

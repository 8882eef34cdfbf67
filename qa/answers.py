"""What a question gets back: ranked passages with highlights and citations.

``Answer.to_dict`` is the JSON shape of the HTTP contract (the README's), shared by the API and
``qa ask --json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    passage_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    text: str
    highlight_start: int
    highlight_end: int
    citation: Citation

    @property
    def highlighted_sentence(self) -> str:
        return self.text[self.highlight_start : self.highlight_end]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "highlight": {"start": self.highlight_start, "end": self.highlight_end},
            "citation": asdict(self.citation),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answerable: bool
    hits: list[Hit]
    took_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answerable": self.answerable,
            "passages": [hit.to_dict() for hit in self.hits],
            "took_ms": round(self.took_ms, 3),
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:p{ordinal}"
